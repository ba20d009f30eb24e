"""Known answers for the files schools really send (DESIGN §3, "What real files look like";
issues 13 and 16): the school named once, headings of real templates, month-only dates,
placeholder IDs, files that only look like workbooks, refusals in the user's language, and
every line accounted for."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
from conftest import (
    SCHOOL_NAME,
    TIDY_HEADER,
    csv_bytes,
    make_context,
    make_id,
    reader,
    record,
    roster_line,
    run_clean,
    states,
    submission,
    write_csv,
    write_xlsx,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline import messages
from pipeline.errors import InputError
from pipeline.ingest import ingest_all, read_file
from pipeline.stages import clean_stage, files_of

NO_SCHOOL = [h for h in TIDY_HEADER if h != "学校名称"]


def read(path: Path, name: str | None = None):
    return read_file(path, name or path.name, reader())


def line(rec: dict, header: list[str] = NO_SCHOOL) -> list[str]:
    cells = dict(zip(TIDY_HEADER, roster_line(rec), strict=True))
    return [cells[h] for h in header]


A = record("HX01", name="张一", id_number=make_id("20000101", "011"))
B = record("HX01", name="张二", id_number=make_id("19990202", "021"))


@pytest.fixture(autouse=True)
def chinese():
    messages.use("zh-CN")
    yield
    messages.use("zh-CN")


# ---------------------------------------------------------------- the school named once

def test_school_from_a_title_above_the_header(tmp_path):
    got = read(write_csv(tmp_path / "名册.csv", [
        ["哈尔滨市松北技师学院2019年扩招新生花名册"], [], NO_SCHOOL, line(A), line(B)]))
    assert got.records["school"].tolist() == [SCHOOL_NAME["HX01"]] * 2
    assert got.schools == [{"sheet": "", "from": "above_header", "school_id": "HX01"}]


def test_school_from_a_traditional_filing_unit_line_in_a_workbook(tmp_path):
    got = read(write_xlsx(tmp_path / "roster.xlsx", {"花名冊": [
        ["填報單位（蓋章）：哈爾濱市軌道交通高級技工學校"], NO_SCHOOL,
        line(record("HX02", name="王五"))]}))
    assert got.records["school"].tolist() == [SCHOOL_NAME["HX02"]]
    assert got.schools[0]["from"] == "above_header" and got.schools[0]["school_id"] == "HX02"


def test_school_from_the_file_name_by_alias_or_id(tmp_path):
    by_alias = read(write_csv(tmp_path / "现代农业技校_201909.csv",
                              [NO_SCHOOL, line(record("HX03"))]))
    assert by_alias.schools[0] == {"sheet": "", "from": "file_name", "school_id": "HX03"}
    by_id = read(write_csv(tmp_path / "HX05_201909.csv", [NO_SCHOOL, line(record("HX05"))]))
    assert by_id.records["school"].tolist() == [SCHOOL_NAME["HX05"]]


def test_the_longest_name_wins_where_one_contains_another(tmp_path):
    # "松北技师学院" (an alias of HX01) is inside HX01's full name: one school, not two.
    got = read(write_csv(tmp_path / "a.csv", [["填报单位：哈尔滨市松北技师学院"], NO_SCHOOL,
                                               line(A)]))
    assert got.schools[0]["school_id"] == "HX01"


def test_a_file_naming_two_schools_is_refused_word_for_word(tmp_path):
    path = write_csv(tmp_path / "2019-10" / "合并名册.csv", [
        ["填报单位：哈尔滨市松北技师学院、哈尔滨市现代农业技工学校"], NO_SCHOOL, line(A)])
    with pytest.raises(InputError) as err:
        read(path, "2019-10/合并名册.csv")
    assert str(err.value) == (
        "2019-10/合并名册.csv：没有“学校名称”列，而表头上方写了两所以上学校："
        "哈尔滨市松北技师学院（HX01）、哈尔滨市现代农业技工学校（HX03）；请只保留一所，"
        "或增加“学校名称”列逐行填写。")
    assert err.value.text("en").startswith(
        "2019-10/合并名册.csv: no school column, and the text above the header names more")


def test_a_file_naming_no_school_is_refused(tmp_path):
    with pytest.raises(InputError, match="表头上方（如“填报单位：…”）和文件名中也找不到"):
        read(write_csv(tmp_path / "名册.csv", [NO_SCHOOL, line(A)]))


# ---------------------------------------------------------------- headings

REGISTER = {"学校名称": "学校名称", "姓名": "考生姓名", "身份证号": "身份证件号码",
            "生源类别": "招生对象", "专业": "修读专业", "培养层次": "学习层次",
            "录取日期": "入校时间", "学籍状态": "学生状态"}


def test_headings_of_the_national_register_and_school_systems(tmp_path):
    header = [REGISTER.get(h, h) for h in TIDY_HEADER]
    got = read(write_csv(tmp_path / "r.csv", [header, roster_line(A)]))
    assert got.records.iloc[0]["id_number"] == A["id_number"]
    assert got.records.iloc[0]["name"] == "张一" and got.ignored_columns == []


def test_traditional_headings_and_invisible_characters(tmp_path):
    header = [h.replace("身份证号", "身份\u200b證件號碼") for h in TIDY_HEADER]
    got = read(write_csv(tmp_path / "r.csv", [header, roster_line(A)]))
    assert got.records.iloc[0]["id_number"] == A["id_number"]


def test_refusal_names_missing_fields_with_spellings_and_nearest_headings(tmp_path):
    header = ["学校名称" if h == "学校名称" else ("层级" if h == "培养层次" else h)
              for h in TIDY_HEADER]
    path = write_csv(tmp_path / "2019-10" / "x.csv", [header, roster_line(A)])
    with pytest.raises(InputError) as err:
        read(path, "2019-10/x.csv")
    assert str(err.value) == (
        "2019-10/x.csv：找不到完整的表头，缺少必需的列：培养层次（可写作“培养层次”“层次”“培养等级”）。"
        "无法识别的列标题：“层级”（最接近“层次”）。请按上述写法修改表头后重新报送"
        "（新的写法也可以由统计部门加入 config/pipeline.yaml 的 header_map）。")
    english = err.value.text("en")
    assert "missing required columns: level (培养层次, 层次, 培养等级)" in english
    assert "InputError" not in english and "\n" not in english


# ---------------------------------------------------------------- month-only dates

def test_month_only_dates_on_both_sides_of_the_cutoff():
    rows = [record(admission_date=d, id_number=make_id("20000101", f"{i:03d}"))
            for i, d in enumerate(["2019-09", "201911", "2019年12月", "2020.01", "2019-10"])]
    result = run_clean(submission(rows))
    assert [r for _, r in states(result)] == ["", "", "", "", "AMBIGUOUS_DATE"]
    e = result.enrollment
    assert e["intake"].tolist() == ["2019秋季", "2020春季", "2020春季", "2020春季"]
    assert e["admission_date"].dt.strftime("%Y-%m-%d").tolist() == [
        "2019-09-01", "2019-11-01", "2019-12-01", "2020-01-01"]


def test_month_only_dates_outside_the_window_and_birthdays_within_the_month():
    rows = [record(admission_date="2020-05"),  # wholly after the window
            record(admission_date="2019-08", id_number=make_id("19900101", "033")),
            # 14 on 2019-11-15: too young on 11-01, old enough on 11-30
            record(admission_date="2019-11", id_number=make_id("20051115", "013")),
            record(admission_date="2019-11", id_number=make_id("20051201", "023"))]  # 13 all month
    got = [r for _, r in states(run_clean(submission(rows)))]
    assert got == ["OUT_OF_WINDOW", "OUT_OF_WINDOW", "AMBIGUOUS_DATE", "IMPLAUSIBLE_AGE"]


def test_a_month_heading_keeps_full_dates_at_month_precision(tmp_path):
    header = [("入学年月" if h == "录取日期" else h) for h in TIDY_HEADER]
    rec = record(admission_date="2019-10-03")
    got = read(write_csv(tmp_path / "r.csv", [header, roster_line(rec)]))
    assert got.records["month_column"].tolist() == [True]
    result = run_clean(submission([{**rec, "admission_date": "2019-10-03"}]))
    assert states(result) == [("clean", "")]  # the same date under 录取日期 is a full date


# ---------------------------------------------------------------- placeholder IDs

@pytest.mark.parametrize("placeholder", ["待补", "无", "0", "000000000000"])
def test_one_placeholder_for_fifty_students_supersedes_nothing(placeholder):
    rows = [record(name=f"学生{i:02d}", id_number=placeholder) for i in range(50)]
    result = run_clean(submission(rows))
    assert Counter(s for s, _ in states(result)) == {"quarantined": 50}
    assert set(result.quarantine["reasons"]) == {"INVALID_ID"}


def test_the_same_placeholder_and_name_resent_later_is_superseded():
    result = run_clean(submission([record(name="李四", id_number="待补")], folder="2019-10"),
                       submission([record(name="李 四", id_number="待补")], folder="2019-11"))
    assert states(result) == [("superseded", ""), ("quarantined", "INVALID_ID")]


# ---------------------------------------------------------------- files that look like workbooks

SPREADSHEET_ML = """<?xml version="1.0" encoding="UTF-8"?>
<?mso-application progid="Excel.Sheet"?>
<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"
 xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">
 <Worksheet ss:Name="说明"><Table><Row><Cell><Data ss:Type="String">填写说明</Data></Cell></Row>
 </Table></Worksheet>
 <Worksheet ss:Name="名册"><Table>
  <Row><Cell ss:MergeAcross="3"><Data ss:Type="String">填报单位：健康服务技校</Data></Cell></Row>
  <Row>{header}</Row>
  <Row ss:Index="4">{row}</Row>
 </Table></Worksheet>
</Workbook>"""


def _ss_row(cells: list[str]) -> str:
    out = []
    for c in cells:
        if c.startswith("2019-"):
            out.append(f'<Cell><Data ss:Type="DateTime">{c}T00:00:00.000</Data></Cell>')
        else:
            out.append(f'<Cell><Data ss:Type="String">{c}</Data></Cell>')
    return "".join(out)


def test_excel_2003_xml_saved_as_xls_is_read(tmp_path):
    rec = record("HX05", name="赵六")
    text = SPREADSHEET_ML.format(header=_ss_row(NO_SCHOOL), row=_ss_row(line(rec)))
    path = tmp_path / "名册.xls"
    path.write_text(text, encoding="utf-8")
    got = read(path)
    assert got.kind == "spreadsheetml" and got.skipped_sheets == ["说明"]
    assert got.records["school"].tolist() == [SCHOOL_NAME["HX05"]]
    assert got.records["source_row"].tolist() == [4]  # ss:Index honoured
    assert got.records["admission_date"].tolist() == ["2019-09-05"]
    assert got.lines == 2 and got.skipped_lines == 1  # row 3 is a blank line


def test_an_html_table_saved_as_xls_is_read(tmp_path):
    rec = record("HX01", name="钱七")
    cells = "".join(f"<th>{h}</th>" for h in TIDY_HEADER)
    row = "".join(f"<td>{c}</td>" for c in roster_line(rec))
    path = tmp_path / "export.xls"
    path.write_text(f"<html><head><meta charset='utf-8'></head><body><table><tr>{cells}"
                    f"</tr><tr>{row}</tr></table></body></html>", encoding="utf-8")
    got = read(path)
    assert got.kind == "html" and got.records["name"].tolist() == ["钱七"]


def test_a_wps_file_is_refused_with_a_line_to_resave_as_xlsx(tmp_path):
    (tmp_path / "名册.et").write_bytes(b"\xd0\xcf\x11\xe0junk")
    with pytest.raises(InputError, match="另存为” Excel 工作簿（.xlsx）再报送"):
        read(tmp_path / "名册.et")


# ---------------------------------------------------------------- lines that are not records

def test_template_example_rows_and_more_footers_are_skipped(tmp_path):
    example = roster_line(record(name="示例"))
    choose = roster_line(record(name="张九", level="以选择为准"))
    got = read(write_csv(tmp_path / "t.csv", [
        TIDY_HEADER, example, choose, roster_line(A), ["申请时间：", "", "", "年  月  日"],
        ["本表一式两份"]]))
    assert got.records["name"].tolist() == ["张一"]
    assert got.skipped == {"blank": 0, "footer": 2, "example": 2, "header": 0}


def test_a_total_line_naming_the_school_and_a_repeated_header_are_not_records(tmp_path):
    got = read(write_csv(tmp_path / "t.csv", [
        TIDY_HEADER, roster_line(A), TIDY_HEADER, roster_line(B),
        ["合计", SCHOOL_NAME["HX01"], "", "", "", "", "", "", "", "", "", "", "", "2"]]))
    assert got.records["name"].tolist() == ["张一", "张二"]
    assert got.skipped["footer"] == 1 and got.skipped["header"] == 1


# ---------------------------------------------------------------- every line accounted for

def test_an_unmatched_quote_is_read_literally_and_loses_no_record(tmp_path):
    quoted = roster_line(record(name='"张', id_number=make_id("20000101", "031")))
    rows = [roster_line(record(name=f"学生{i}", id_number=make_id("20000101", f"1{i}1")))
            for i in range(10)]
    path = tmp_path / "q.csv"
    path.write_bytes(csv_bytes([TIDY_HEADER]) + (",".join(quoted) + "\r\n").encode()
                     + csv_bytes(rows))
    got = read(path)
    assert len(got.records) == 11 and got.lines == 11
    assert got.records["name"].iloc[0] == '"张'


def test_a_quoted_cell_spanning_lines_is_one_record(tmp_path):
    rec = record(name="孙八", major="数控\n加工")
    got = read(write_csv(tmp_path / "m.csv", [TIDY_HEADER, roster_line(rec), roster_line(A)]))
    assert got.records["name"].tolist() == ["孙八", "张一"]
    assert got.lines == 3 and got.continuation_lines == 1 and got.skipped_lines == 0
    assert got.records["source_row"].tolist() == [2, 4]


def test_utf16_tab_separated_unicode_text(tmp_path):
    text = "\r\n".join("\t".join(r) for r in [TIDY_HEADER, roster_line(A)]) + "\r\n"
    path = tmp_path / "unicode.txt"
    path.write_bytes(text.encode("utf-16"))
    got = read(path)
    assert got.encoding == "utf-16" and got.records["name"].tolist() == ["张一"]


# ---------------------------------------------------------------- month folders

def test_every_entry_of_a_month_is_read_or_listed(tmp_path):
    ctx = make_context(tmp_path)
    month = ctx.raw_dir / "2019-10"
    write_csv(month / "HX01.csv", [TIDY_HEADER, roster_line(A)])
    write_csv(month / "补报" / "HX01.csv", [TIDY_HEADER, roster_line(B)])
    (month / ".hidden.csv").write_text("x", encoding="utf-8")
    (month / "~$HX01.xlsx").write_bytes(b"lock")
    (month / "说明.docx").write_bytes(b"PK")
    (month / "Thumbs.db").write_bytes(b"\x00")
    raw, _, report = ingest_all(ctx.raw_dir, ctx.period, reader())
    assert raw["source_file"].unique().tolist() == ["2019-10/HX01.csv", "2019-10/补报/HX01.csv"]
    assert sorted((e["entry"], e["reason"]) for e in report["listed_entries"]) == [
        ("2019-10/.hidden.csv", "hidden"), ("2019-10/Thumbs.db", "not_a_roster"),
        ("2019-10/~$HX01.xlsx", "office_lock"), ("2019-10/说明.docx", "not_a_roster")]


@pytest.mark.parametrize("name", ["2020年4月", "2020-4"])
def test_a_month_folder_not_named_yyyy_mm_is_refused_by_name(tmp_path, name):
    ctx = make_context(tmp_path)
    write_csv(ctx.raw_dir / "2019-10" / "HX01.csv", [TIDY_HEADER, roster_line(A)])
    (ctx.raw_dir / name).mkdir()
    with pytest.raises(InputError) as err:
        ingest_all(ctx.raw_dir, ctx.period, reader())
    assert name in str(err.value) and "请改名为 2020-04" in str(err.value)


# ---------------------------------------------------------------- bounded reading

def test_a_stray_cell_at_the_sheet_corner_is_refused_by_name(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "名册"
    ws.append(TIDY_HEADER)
    ws.append(roster_line(A))
    ws["XFD1048576"] = "x"
    path = tmp_path / "far.xlsx"
    wb.save(path)
    with pytest.raises(InputError) as err:
        read(path)
    assert "工作表“名册”在 XFD1048576 有内容" in str(err.value)


def test_a_formatted_empty_cell_far_away_is_read(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(TIDY_HEADER)
    ws.append(roster_line(A))
    ws["XFD1048576"].number_format = "0.00"
    wb.save(tmp_path / "styled.xlsx")
    assert read(tmp_path / "styled.xlsx").records["name"].tolist() == ["张一"]


# ---------------------------------------------------------------- the quota table

def test_an_alias_shared_by_two_schools_refuses_the_quota_table(tmp_path):
    ctx = make_context(tmp_path)
    path = ctx.reference_dir / "schools.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "现代农业技校", "现代农业技校|松北技师学院"), encoding="utf-8")
    write_csv(ctx.raw_dir / "2019-10" / "HX01.csv", [TIDY_HEADER, roster_line(A)])
    with pytest.raises(InputError, match="“松北技师学院”同时属于 HX01 和 HX03"):
        clean_stage(ctx)


def test_provenance_of_the_school_reaches_the_ingest_report(tmp_path):
    ctx = make_context(tmp_path)
    write_csv(ctx.raw_dir / "2019-10" / "HX01_201910.csv", [NO_SCHOOL, line(A)])
    clean_stage(ctx)
    report = files_of(ctx).read("ingest_report")
    assert report["files"][0]["school_from"] == [
        {"sheet": "", "from": "file_name", "school_id": "HX01"}]
    assert dt.date.today()  # the report holds no date of the run


# ---------------------------------------------------------------- property: every line counted

LINE_KINDS = ("record", "quoted_name", "open_quote", "multi_line", "blank", "footer", "signoff")


def _line(kind: str, i: int) -> tuple[list[str] | str, int, bool]:  # noqa: PLR0911
    """(cells, or raw text for a hand-quoted line; physical lines it takes; is a record)."""
    rec = record(name=f"学生{i}", id_number=make_id("20000101", f"{i % 1000:03d}"))
    cells = roster_line(rec)
    if kind == "record":
        return cells, 1, True
    if kind == "quoted_name":
        return ",".join([cells[0], f'"学,生{i}"', *cells[2:]]), 1, True
    if kind == "open_quote":
        return ",".join([cells[0], f'"学生{i}', *cells[2:]]), 1, True
    if kind == "multi_line":
        return ",".join([*cells[:6], f'"数控\n加工{i}"', *cells[7:]]), 2, True
    if kind == "blank":
        return [""] * len(cells), 1, False
    if kind == "footer":
        return ["合计", f"{i}人"], 1, False
    return ["填表人：", "", "审核人：", "", "填报日期：    年  月  日"], 1, False


@pytest.mark.slow
@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(LINE_KINDS), min_size=1, max_size=25))
def test_every_line_under_the_header_is_accounted_for_in_csv(tmp_path_factory, kinds):
    path = tmp_path_factory.mktemp("p") / "HX01.csv"
    text, records, lines = [",".join(TIDY_HEADER)], 0, 0
    for i, kind in enumerate(kinds):
        cells, spans, is_record = _line(kind, i)
        text.append(cells if isinstance(cells, str) else csv_bytes([cells]).decode().rstrip())
        records += is_record
        lines += spans
    path.write_text("\r\n".join(text) + "\r\n", encoding="utf-8")
    got = read(path)
    assert got.lines == lines
    assert len(got.records) + got.skipped_lines + got.continuation_lines == lines
    assert len(got.records) == records
    files = pd.DataFrame({"source_file": ["2019-10/HX01.csv"],
                          "skipped_lines": [got.skipped_lines]})
    result = run_clean(submission(got.records.to_dict("records")), files=files)
    recon = result.reconciliation.iloc[0]
    assert recon["raw_rows"] == recon["clean_rows"] + recon["quarantined_rows"] + recon[
        "superseded_rows"] == records
    assert recon["skipped_lines"] == got.skipped_lines


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(("record", "blank", "footer", "signoff")), min_size=1,
                max_size=20))
def test_every_row_under_the_header_is_accounted_for_in_xlsx(tmp_path_factory, kinds):
    rows = [TIDY_HEADER]
    records = 0
    for i, kind in enumerate(kinds):
        cells, _, is_record = _line(kind, i)
        rows.append(cells)
        records += is_record
    got = read(write_xlsx(tmp_path_factory.mktemp("x") / "HX01.xlsx", {"名册": rows}))
    assert len(got.records) == records
    assert len(got.records) + got.skipped_lines == got.lines


def test_excel_2003_xml_declared_in_gb2312_is_read(tmp_path):
    rec = record("HX05", name="赵六")
    text = SPREADSHEET_ML.format(header=_ss_row(NO_SCHOOL), row=_ss_row(line(rec))).replace(
        'encoding="UTF-8"', 'encoding="gb2312"')
    path = tmp_path / "名册.xls"
    path.write_bytes(text.encode("gb18030"))
    assert read(path).records["name"].tolist() == ["赵六"]
