"""Known answers of pipeline.render.workbooks: the annex (tables.xlsx: numbers as numbers, text
inert, small cells suppressed, fixed properties) and the feedback (one inert workbook per
sending school, no personal data)."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from conftest import make_id, record, run_clean, submission
from openpyxl import load_workbook

from pipeline import disclosure
from pipeline.io import inert
from pipeline.render.labels import Labels
from pipeline.render.table import Table
from pipeline.render.workbooks import (
    FEEDBACK_COLUMNS,
    feedback_texts,
    inert_text,
    write_feedback,
    write_tables_xlsx,
)

FORMULA = '=HYPERLINK("x")'
PAYLOAD = "<script>alert(1)</script>"
TEXTS = feedback_texts(Labels("zh-CN", window=("2019-09-01", "2020-04-30")))
HEADERS = ["源文件", "工作表", "行号", "身份证号（已遮蔽）", "问题代码", "问题说明", "已登记的学校",
           "学校名称", "性别", "生源类别", "是否残疾人", "专业", "培养层次", "学习形式", "学制",
           "班级类型", "教育类别", "录取日期", "学籍状态"]


# ------------------------------------------------------------------ the annex


def _sheet_rows(path: Path, title: str) -> list[list[object]]:
    wb = openpyxl.load_workbook(path)
    return [list(r) for r in wb[title].iter_rows(min_row=5, values_only=True)]


def test_inert_prefixes_formula_starts() -> None:
    for text in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert inert(text) == "'" + text
        assert inert_text(text) == "'" + text
    assert inert("哈尔滨技师学院") == "哈尔滨技师学院"
    assert inert_text(None) == "" and inert_text(float("nan")) == "" and inert_text(3) == "3"


def test_xlsx_text_inert_numbers_numeric(rendered_zh) -> None:
    wb = openpyxl.load_workbook(rendered_zh["tables"])
    assert "按学校" in wb.sheetnames and "数据修订" in wb.sheetnames
    formula_cells = [c for ws in wb for row in ws.iter_rows() for c in row if c.data_type == "f"]
    assert formula_cells == []
    ws = wb["按学校"]
    assert [c.value for c in ws[4]][:5] == ["学校代码", "学校名称", "学校类型", "所在区", "指标"]
    names = {ws.cell(row=r, column=1).value: ws.cell(row=r, column=2) for r in range(5, 11)}
    assert names["S05"].value == "'" + FORMULA + "职业技能学校" and names["S05"].data_type == "s"
    assert names["S04"].value == f"哈尔滨{PAYLOAD}技工学校"
    quota = ws.cell(row=5, column=5).value
    assert isinstance(quota, int) and quota == 1200
    assert isinstance(ws.cell(row=5, column=9).value, float)  # the rate, formatted as %
    assert ws.cell(row=5, column=9).number_format == "0.0%"
    assert wb.properties.creator == "kuozhao"
    assert str(wb.properties.modified).startswith("2020-04-30")


def test_disabled_cells_suppressed_in_published_tables(rendered_zh) -> None:
    rows = _sheet_rows(rendered_zh["tables"], "残疾人按学校")
    body = [r for r in rows if str(r[0]).startswith("S")]
    (total,) = [r for r in rows if r[0] == "合计"]
    by_school = {r[0]: r[2] for r in body}
    assert by_school["S02"] == "<5"  # 3 disabled students
    assert by_school["S05"] == "×"  # the complement (smallest other non-zero cell, 6)
    assert total[2] == 18
    assert disclosure.recoverable_cells([r[2] for r in body], total[2]) == []
    published = sum(v for v in by_school.values() if isinstance(v, int))
    assert total[2] - published not in range(1, 5)
    html = rendered_zh["bulletin_html"].read_text(encoding="utf-8")
    assert "&lt;5" in html


def test_sheet_names_are_valid_and_unique(tmp_path: Path) -> None:
    title = "表/一:" + "很长" * 15
    tabs = [Table("a", title, ["x"], ["int"], [[1]]) for _ in range(2)]
    write_tables_xlsx(tabs, tmp_path / "t.xlsx", "2020-04-30")
    names = openpyxl.load_workbook(tmp_path / "t.xlsx").sheetnames
    assert names[0] == "表_一_" + "很长" * 13 + "很"  # 31 characters
    assert names[1] == "表_一_" + "很长" * 11 + "很 (2)"


def test_no_id_numbers_in_published_files(rendered_zh) -> None:
    masked = re.compile(r"\d{6}\*{8}\d{3}[\dX]|\d{17}[\dXx]")
    for key in ("bulletin_html", "rewards_html"):
        assert not masked.search(rendered_zh[key].read_text(encoding="utf-8")), key
    wb = openpyxl.load_workbook(rendered_zh["tables"])
    for ws in wb:
        for row in ws.iter_rows(values_only=True):
            for val in row:
                assert not (isinstance(val, str) and masked.search(val)), (ws.title, val)


def test_annex_numbers_are_numbers_with_formats(rendered_zh) -> None:
    wb = openpyxl.load_workbook(rendered_zh["tables"])
    head = {ws.cell(row=r, column=1).value: ws.cell(row=r, column=2)
            for ws in [wb["主要指标"]] for r in range(5, 20)}
    rate, change = head["目标完成率"], head["较上月变化（与上月现值比）"]
    assert rate.data_type == "n" and rate.value == 0.8124 and rate.number_format == "0.0%"
    assert change.data_type == "n" and change.value == 175
    assert change.number_format == "+#,##0;-#,##0;0"
    assert head["扩招目标（人）"].number_format == "#,##0"
    # No number anywhere is stored as text: no '+427, no 81.2%, no 1,200.
    as_text = re.compile(r"^'?[+−-]?[\d,]+(\.\d+)?%?$")
    for ws in wb:
        for row in ws.iter_rows(min_row=5):
            for c in row:
                if isinstance(c.value, str):
                    assert not as_text.match(c.value), (ws.title, c.coordinate, c.value)
    revisions = wb["数据修订"]
    cells = [c for row in revisions.iter_rows(min_row=5, max_row=12) for c in row[1:2] + row[3:]]
    assert cells and all(c.data_type == "n" for c in cells)


def test_annex_sheets_have_banner_unit_frozen_headings_and_notes(rendered_zh) -> None:
    wb = openpyxl.load_workbook(rendered_zh["tables"])
    assert wb.sheetnames[0] == "说明" and "奖补名单" in wb.sheetnames
    ws = wb["按学校"]
    assert ws["A1"].value == "表3 各学校扩招完成情况"
    assert ws["A2"].value == "合成示例数据，非真实统计" and ws["A3"].value == "单位：人"
    assert ws.freeze_panes == "A5"
    assert ws.column_dimensions["B"].width > ws.column_dimensions["E"].width
    column_a = [c.value for c in ws["A"] if c.value]
    assert column_a[-1] == ("资料来源：各技工院校按月报送的扩招新生花名册，经 kuozhao 清洗、"
                            "核验后汇总。")
    notes = [c.value for c in wb["残疾人按学校"]["A"] if isinstance(c.value, str)]
    assert any("“<5”" in n for n in notes)
    cover = [[c.value for c in row] for row in wb["说明"].iter_rows()]
    flat = [v for row in cover for v in row if v]
    assert "第 8 期" in " ".join(flat) and "签发" in flat and "分管局领导" in flat
    assert any(str(v).startswith("符号说明") for v in flat)
    assert ["按学校", "表3 各学校扩招完成情况"] in [r[:2] for r in cover]


def test_annex_reward_list(rendered_zh, rendered_en) -> None:
    rows = _sheet_rows(rendered_zh["tables"], "奖补名单")
    body = {r[0]: r for r in rows if r[0] and str(r[0]).startswith("S")}
    assert body["S01"][2:] == ["是", None, 2032778]
    assert body["S04"][2:4] == ["否", "完成率、退学率"] and body["S04"][4] == 0
    (total,) = [r for r in rows if r[0] == "合计"]
    assert total[4] == sum(r[4] for r in body.values())
    en = {r[0]: r for r in _sheet_rows(rendered_en["tables"], "Reward list") if r[0]}
    assert en["S04"][2:4] == ["no", "Fulfilment, Withdrawal"]
    assert en["S01"][1] == "Harbin Technician College"


# ------------------------------------------------------------------ feedback

NAMES = ("欧阳锋", "黄药师", "洪七公", "段智兴", "王重阳", "周伯通")
IDS = {
    "hx01_bad_date": make_id("19900101", "111"),
    "hx01_formula": make_id("19910101", "121"),
    "hx01_unknown": make_id("19920101", "131"),
    "shared": make_id("19930101", "141"),
    "hx02_level": make_id("19940101", "151"),
    "nobody": make_id("19950101", "161"),
}
WRONG = IDS["hx01_bad_date"][:-1] + ("0" if IDS["hx01_bad_date"][-1] != "0" else "1")


def quarantine():
    hx01 = [
        record(name=NAMES[0], id_number=IDS["hx01_bad_date"], admission_date="九月五日"),
        record(name=NAMES[1], id_number=IDS["hx01_formula"], major="=1+1",
               level="=HYPERLINK(\"http://x\",\"y\")", status="毕业"),
        record(name=NAMES[2], id_number=IDS["hx01_unknown"], school="@SUM(A1:A9)"),
        record(name=NAMES[3], id_number=IDS["shared"]),  # wins: earlier submission
        record(name=NAMES[0], id_number=WRONG),
        record(id_number=make_id("19960101", "171")),  # clean, not in the feedback
    ]
    hx02 = [
        record("HX02", name=NAMES[3], id_number=IDS["shared"], admission_date="2019-10-01"),
        record("HX02", name=NAMES[4], id_number=IDS["hx02_level"], level="预备技师"),
    ]
    nobody = [record(school="某某学校", name=NAMES[5], id_number=IDS["nobody"])]
    result = run_clean(
        submission(hx01, file="HX01.xlsx", sheet="一班"),
        submission(hx02, file="HX02.csv"),
        submission(nobody, file="unknown.csv"),
    )
    return result.quarantine


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> tuple[Path, list[Path]]:
    out = tmp_path_factory.mktemp("fb")
    return out / "schools", write_feedback(out, quarantine(), TEXTS)


def rows_of(path: Path) -> list[list]:
    ws = load_workbook(path).active
    return [[c.value for c in row] for row in ws.iter_rows()]


def test_one_workbook_per_sending_school(written):
    folder, paths = written
    assert sorted(p.parent.name for p in paths) == ["HX01", "HX02", "UNASSIGNED"]
    assert sorted(p.name for p in folder.iterdir()) == ["HX01", "HX02", "UNASSIGNED"]
    assert {p.name for p in paths} == {"feedback.xlsx"}
    counts = {p.parent.name: len(rows_of(p)) - 1 for p in paths}
    # HX01: bad date, formula row (UNKNOWN_STATUS), unknown school sent by HX01, wrong ID
    assert counts == {"HX01": 4, "HX02": 2, "UNASSIGNED": 1}


def test_headers_rows_and_reasons(written):
    folder, _ = written
    rows = rows_of(folder / "HX01" / "feedback.xlsx")
    assert rows[0] == HEADERS
    col = {c: i for i, c in enumerate(FEEDBACK_COLUMNS)}
    body = sorted(rows[1:], key=lambda r: int(r[col["source_row"]]))
    assert [r[col["source_row"]] for r in body] == ["2", "3", "4", "6"]
    assert {r[col["sheet"]] for r in body} == {"一班"}
    assert {r[col["source_file"]] for r in body} == {"2019-10/HX01.xlsx"}
    assert [r[col["reasons"]] for r in body] == [
        "BAD_DATE", "LEVEL_NOT_ALLOWED;UNKNOWN_STATUS", "UNKNOWN_SCHOOL", "INVALID_ID"]
    assert body[1][col["explanation"]] == (
        "培养层次不是该学校类型可培养的层次（或无法识别）；学籍状态无法识别")
    assert body[0][col["id_masked"]] == "230102********" + IDS["hx01_bad_date"][-4:]
    assert body[0][col["admission_date"]] == "九月五日"  # the submitted value, as sent

    hx02 = rows_of(folder / "HX02" / "feedback.xlsx")
    by_reason = {r[col["reasons"]]: r for r in hx02[1:]}
    assert by_reason["CROSS_SCHOOL_DUPLICATE"][col["winner_school_id"]] == "HX01"
    assert by_reason["LEVEL_NOT_ALLOWED"][col["level"]] == "预备技师"


def test_text_cells_are_inert(written):
    folder, paths = written
    ws = load_workbook(folder / "HX01" / "feedback.xlsx").active
    values = {}
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            if cell.value is not None:
                assert cell.data_type == "s", (cell.coordinate, cell.value)
                values[cell.value] = cell
    # the annex's rule (pipeline.io.inert): a leading ' and a string cell
    assert "'=1+1" in values and values["'=1+1"].data_type == "s"
    assert "'@SUM(A1:A9)" in values
    assert "'=HYPERLINK(\"http://x\",\"y\")" in values
    for path in paths:
        with zipfile.ZipFile(path) as z:
            for member in z.namelist():
                if member.startswith("xl/worksheets/"):
                    assert b"<f>" not in z.read(member) and b"<f " not in z.read(member)


def test_english_feedback(tmp_path):
    texts = feedback_texts(Labels("en", window=("2019-09-01", "2020-04-30")))
    (path, *_) = write_feedback(tmp_path, quarantine(), texts)
    ws = load_workbook(path).active
    assert ws.title == "HX01 records to correct"
    assert [c.value for c in ws[1]][:6] == ["Source file", "Sheet", "Row", "ID number (masked)",
                                            "Reason codes", "What to correct"]
    explanations = {r[4]: r[5] for r in ws.iter_rows(min_row=2, values_only=True)}
    assert explanations["BAD_DATE"] == ("Unreadable admission date (no year, no such date, or a "
                                        "format that cannot be read)")
    assert explanations["LEVEL_NOT_ALLOWED;UNKNOWN_STATUS"] == (
        "Training level not one the school's type may train (or unrecognised); "
        "Unrecognised enrollment status")


def test_no_name_or_full_id_in_any_file(written):
    _, paths = written
    for path in paths:
        with zipfile.ZipFile(path) as z:
            blob = b"".join(z.read(m) for m in z.namelist())
        for secret in (*NAMES, *IDS.values(), WRONG):
            assert secret.encode("utf-8") not in blob, (path.name, secret)
        cells = " ".join(str(v) for r in rows_of(path) for v in r if v is not None)
        for secret in (*NAMES, *IDS.values(), WRONG):
            assert secret not in cells


def test_nothing_written_without_quarantined_rows(tmp_path):
    result = run_clean(submission([record()]))
    assert write_feedback(tmp_path, result.quarantine, TEXTS) == []
    assert not (tmp_path / "schools").exists()


def test_feedback_bytes_do_not_depend_on_when_they_are_written(tmp_path, monkeypatch):
    import time

    q = quarantine()
    a = write_feedback(tmp_path / "a", q, TEXTS)
    later = time.time() + 86_400 * 3
    monkeypatch.setattr(time, "time", lambda: later)
    b = write_feedback(tmp_path / "b", q, TEXTS)
    monkeypatch.undo()
    assert [p.name for p in a] == [p.name for p in b]
    for pa, pb in zip(a, b, strict=True):
        assert pa.read_bytes() == pb.read_bytes(), pa.name


def test_an_empty_table_says_so_and_the_cover_lists_the_sheets(tmp_path: Path) -> None:
    from pipeline.render.workbooks import AnnexCover

    cover = AnnexCover(sheet="说明", title="简报", banner="合成示例数据，非真实统计",
                       details=(("编制", "统计分析科"),), notes=("符号说明",),
                       contents_heading=("工作表", "表名"), empty="无")
    tab = Table("u", "表13 无法读取的文件", ["来源文件", "问题"], ["path", "text"], [],
                unit="", source="资料来源：x。", sheet="无法读取的文件")
    write_tables_xlsx([tab], tmp_path / "t.xlsx", "2020-04-30", cover)
    wb = openpyxl.load_workbook(tmp_path / "t.xlsx")
    assert wb.sheetnames == ["说明", "无法读取的文件"]
    ws = wb["无法读取的文件"]
    assert [ws["A4"].value, ws["B4"].value, ws["A5"].value] == ["来源文件", "问题", "无"]
    assert ws["A2"].value == "合成示例数据，非真实统计" and ws["A7"].value == "资料来源：x。"
    rows = [[c.value for c in r] for r in wb["说明"].iter_rows()]
    assert ["编制", "统计分析科"] in rows and ["无法读取的文件", "表13 无法读取的文件"] in rows
