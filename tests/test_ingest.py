"""Known answers of pipeline.ingest: encodings, workbooks, headers, printed-form rosters,
skipped lines, provenance and one-line errors; and a tidy table against the same records in
printed shape through stage 01."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from conftest import (
    ROSTER_HEADER,
    SCHOOL_NAME,
    TIDY_HEADER,
    clean_frame,
    csv_bytes,
    make_context,
    make_id,
    reader,
    record,
    roster_line,
    write_csv,
    write_xlsx,
)

from pipeline.catalog import relative_path
from pipeline.clean import REASONS
from pipeline.errors import InputError
from pipeline.ingest import ingest_all, raw_files, read_file
from pipeline.stages import clean_stage, fulfilment_stage


def read(path: Path, name: str | None = None):
    return read_file(path, name or path.name, reader())


def as_rows(records: pd.DataFrame, *cols: str) -> list[tuple]:
    return [tuple(r) for r in records[list(cols)].itertuples(index=False)]


# ---------------------------------------------------------------- encodings

TIDY = [
    record("HX01", name="张一", id_number=make_id("20000101", "011")),
    record("HX02", school="哈爾濱市軌道交通高級技工學校", name="李二",
           id_number=make_id("19990202", "022"), admission_date="2019年9月6日"),
    record("HX03", school="现代农业技校", name="王三", id_number="23010219980303033x",
           target_group="往届初中生", major="農產品加工"),
]


@pytest.mark.parametrize(
    ("encoding", "reported"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gbk", "gb18030"),
     ("gb18030", "gb18030")],
)
def test_same_roster_in_every_encoding_gives_identical_records(tmp_path, encoding, reported):
    lines = [TIDY_HEADER] + [roster_line(r) for r in TIDY]
    reference = read(write_csv(tmp_path / "utf8.csv", lines, "utf-8")).records
    got = read(write_csv(tmp_path / f"{encoding}.csv", lines, encoding))
    assert got.encoding == reported
    pd.testing.assert_frame_equal(got.records, reference)
    assert got.records["name"].tolist() == ["张一", "李二", "王三"]
    assert got.records["school"].tolist()[1] == "哈爾濱市軌道交通高級技工學校"
    assert got.records["source_row"].tolist() == [2, 3, 4]
    assert got.skipped_lines == 0


def test_gb18030_only_character_is_decoded(tmp_path):
    rec = record(name="王䶮")  # U+4DAE: in GB18030, not in GBK
    got = read(write_csv(tmp_path / "r.csv", [TIDY_HEADER, roster_line(rec)], "gb18030"))
    assert got.records["name"].tolist() == ["王䶮"]


def test_every_value_is_read_as_text(tmp_path):
    rec = record(id_number="230102199001011234", years="03", admission_date="43713")
    got = read(write_csv(tmp_path / "r.csv", [TIDY_HEADER, roster_line(rec)]))
    row = got.records.iloc[0]
    assert row["id_number"] == "230102199001011234"
    assert row["years"] == "03" and row["admission_date"] == "43713"


# ---------------------------------------------------------------- headers

HEADER_VARIANTS = {
    "traditional": ["學校名稱", "姓名", "身份證號", "性別", "生源類別", "是否殘疾人", "專業",
                    "培養層次", "學習形式", "學制", "班級類型", "教育類別", "錄取日期",
                    "學籍狀態"],
    "spaces": [" 学 校 名 称 ", "姓　名", "身份证号 ", " 性别", "生源 类别", "是否残疾人",
               "专 业", "培养层次", "学习形式", "学制", "班级类型", "教育类别", "录取　日期",
               "学籍 状态"],
    "variants": ["院校名称", "学生姓名", "公民身份号码", "性别", "招收对象", "是否残疾",
                 "专业名称", "技能等级", "学习方式", "学制(年)", "班型", "教育类型",
                 "入学时间", "注册状态"],
    "marked": ["*学校名称", "姓名", "身份证号（必填）", "性别", "生源类别*", "残疾人",
               "所学专业", "层次", "学习形式", "学制（年）", "班级类别", "培训类别",
               "录取日期：", "学籍状况"],
    "full-width": ["学校名称", "姓名", "身份证号码", "性别", "生源类型", "是否残疾人", "专业",
                   "培养等级", "学习形式", "学制年限", "班级类型", "教育类别", "录取时间",
                   "学籍状态"],
}


@pytest.mark.parametrize("variant", sorted(HEADER_VARIANTS))
def test_header_spellings_resolve_to_fields(tmp_path, variant):
    rec = record()
    got = read(write_csv(tmp_path / "r.csv", [HEADER_VARIANTS[variant], roster_line(rec)]))
    row = got.records.iloc[0]
    for field, value in rec.items():
        assert row[field] == value, field
    assert got.ignored_columns == []


# ---------------------------------------------------------------- printed CSV

A = record(name="张一", id_number=make_id("20000101", "011"))
B = record(name="张二", id_number=make_id("20000202", "022"), admission_date="2019/9/6")
C = record(school="哈尔滨市不存在学校", name="张三", id_number="12345")
D = record(name="张四", id_number=make_id("19990303", "033"))
E = record(name="张五", id_number=make_id("19980404", "044"))  # under the footers, has an ID
F = record(name="张六", id_number="")  # under the footers, names a school only
WIDE = 17  # 序号 + 14 fields + 备注 + 联系电话


def blank_cells() -> list[str]:
    return [""] * WIDE


PRINTED_CSV = [
    ["哈尔滨市松北技师学院2019年扩招新生花名册"],  # 1 title
    [],  # 2
    ["填报单位：哈尔滨市松北技师学院", "", "", "填报日期：2019年10月8日"],  # 3
    [*ROSTER_HEADER, "备注", "联系电话"],  # 4 header
    [*roster_line(A, 1), "", "139****1234"],  # 5
    roster_line(B, 2),  # 6
    blank_cells(),  # 7 blank row inside the table
    roster_line(C, 3),  # 8 unknown school, invalid ID: still a record
    ["4", *[""] * 16],  # 9 only the running number: blank
    roster_line(D, 5),  # 10
    ["合计", "4人"],  # 11
    ["填表人：王老师", "", "审核人：李主任"],  # 12
    ["", "审核人：李主任"],  # 13
    ["", "填报日期：2019年10月31日"],  # 14
    ["备注：身份证号请以文本格式填写"],  # 15
    ["", "", "", "说明"],  # 16
    [],  # 17 blank
    ["", *roster_line(E)],  # 18 record-like: an ID-shaped value
    ["负责人：赵"],  # 19
    ["", *roster_line(F)],  # 20 record-like: a known school name
    ["制表：教务处"],  # 21
]


def test_printed_csv_records_skipped_lines_and_provenance(tmp_path):
    got = read(write_csv(tmp_path / "printed.csv", PRINTED_CSV, "gbk"))
    assert got.records["name"].tolist() == ["张一", "张二", "张三", "张四", "张五", "张六"]
    assert got.records["source_row"].tolist() == [5, 6, 8, 10, 18, 20]
    assert got.records["sheet"].tolist() == [""] * 6
    # under the header: 7, 9 (blank), 11–16 (footers), 17 (blank), 19, 21 (footers)
    assert got.skipped_lines == 11
    assert got.ignored_columns == ["序号", "备注", "联系电话"]
    assert got.records["id_number"].iloc[2] == "12345"
    assert got.records["id_number"].iloc[4] == E["id_number"]
    assert got.records["id_number"].iloc[5] == ""


@pytest.mark.parametrize(
    "footer",
    [["合计", "", "", ""], ["总计：12人"], ["小计", "3"], ["填表人：张老师"], ["审核人：王主任"],
     ["负责人：李"], ["填报日期：2019年10月31日"], ["填报单位（盖章）："], ["制表人：赵"],
     ["备注：无"], ["说明：本表一式两份"], ["", "", "", "", "", "", "", "合 計"],
     ["填表人:张老师"], ["", "", "", "", "", "", "", "備註：無"]],
)
def test_each_footer_line_is_skipped_and_counted(tmp_path, footer):
    lines = [TIDY_HEADER, roster_line(A), footer]
    got = read(write_csv(tmp_path / "f.csv", lines))
    assert len(got.records) == 1 and got.skipped_lines == 1


def test_record_like_line_after_a_blank_under_the_table_is_a_record(tmp_path):
    sci = record(name="赵七", id_number="2.30102E+17", school="某某学校")
    legacy = record(name="钱八", id_number="230102850315123", school="某某学校")
    lines = [TIDY_HEADER, roster_line(A), ["合计", "1"], [], roster_line(sci), [],
             roster_line(legacy)]
    got = read(write_csv(tmp_path / "r.csv", lines))
    assert got.records["name"].tolist() == ["张一", "赵七", "钱八"]
    assert got.records["source_row"].tolist() == [2, 5, 7]
    assert got.skipped_lines == 3


def test_blank_lines_and_titles_above_the_header_are_not_counted(tmp_path):
    lines = [[], ["花名册"], [""] * 5, ["", "（2019年秋季）"], [], TIDY_HEADER, roster_line(A)]
    got = read(write_csv(tmp_path / "r.csv", lines))
    assert got.records["source_row"].tolist() == [7]
    assert got.skipped_lines == 0


def test_unknown_and_near_miss_columns_are_ignored_and_suggested(tmp_path):
    header = [*TIDY_HEADER, "身份证号吗", "学习形试", "联系电话"]
    got = read(write_csv(tmp_path / "r.csv", [header, [*roster_line(A), "x", "y", "z"]]))
    assert got.ignored_columns == ["身份证号吗", "学习形试", "联系电话"]
    assert got.suggestions["身份证号吗"] == "身份证号"
    assert got.suggestions["学习形试"] == "学习形式"
    assert "联系电话" not in got.suggestions
    assert got.records.iloc[0]["id_number"] == A["id_number"]


def test_a_field_named_twice_takes_the_first_filled_column_line_by_line(tmp_path):
    header = [*TIDY_HEADER, "专业"]
    blank_first = roster_line(B)
    blank_first[TIDY_HEADER.index("专业")] = ""
    got = read(write_csv(tmp_path / "r.csv", [header, [*roster_line(A), "其他专业"],
                                              [*blank_first, "焊接加工"]]))
    assert got.records["major"].tolist() == [A["major"], "焊接加工"]
    assert got.ignored_columns == []


# ---------------------------------------------------------------- workbooks

def printed_workbook(path: Path) -> Path:
    a = roster_line(A, 1)
    a[ROSTER_HEADER.index("录取日期")] = dt.datetime(2019, 9, 5)  # a real date cell
    a[ROSTER_HEADER.index("学制")] = 3  # a number
    b = roster_line(B, 2)
    b[ROSTER_HEADER.index("录取日期")] = 43714  # a serial number in a General cell
    b[ROSTER_HEADER.index("学制")] = 3.0
    c = roster_line(record(name="张三", id_number=""), 3)
    c[ROSTER_HEADER.index("身份证号")] = 2.30102199001011e17  # typed as a number: digits lost
    d = roster_line(D, 1)
    d[ROSTER_HEADER.index("录取日期")] = "2019年9月5日"
    e = roster_line(record(name="张五", id_number=""), 2)
    e[ROSTER_HEADER.index("身份证号")] = 230102850315123  # 15 digits: exact as a number
    e[ROSTER_HEADER.index("录取日期")] = dt.datetime(2019, 9, 7, 8, 30)
    f = roster_line(record(name="张六", id_number=""), 3)
    f[ROSTER_HEADER.index("身份证号")] = 230102199001011234  # 18 digits as a number
    sheets = {
        "填表说明": [["填表说明"], ["1. 身份证号请以文本格式填写"], ["2. 一个班一张表"]],
        "一班": [
            ["哈尔滨市松北技师学院2019年扩招新生花名册"],  # 1, merged A1:O1
            [],  # 2
            ROSTER_HEADER,  # 3
            a,  # 4
            b,  # 5
            [],  # 6 blank inside
            c,  # 7
            ["合计", "3人"],  # 8
            ["填表人：王老师", None, None, "审核人：李主任"],  # 9
        ],
        "二班": [ROSTER_HEADER, d, e, [], f, ["", "填报日期：2019年10月31日"]],
        "封面": [["哈尔滨市松北技师学院"], ["2019年10月"]],
    }
    return write_xlsx(path, sheets, merges={"一班": ["A1:O1"]})


def test_printed_workbook_sheets_cells_and_provenance(tmp_path):
    got = read(printed_workbook(tmp_path / "printed.xlsx"))
    recs = got.records
    assert got.sheets == ["一班", "二班"]
    assert got.skipped_sheets == ["填表说明", "封面"]
    assert as_rows(recs, "sheet", "source_row", "name") == [
        ("一班", 4, "张一"), ("一班", 5, "张二"), ("一班", 7, "张三"),
        ("二班", 2, "张四"), ("二班", 3, "张五"), ("二班", 5, "张六"),
    ]
    assert recs["admission_date"].tolist() == [
        "2019-09-05", "43714", "2019-09-05", "2019年9月5日", "2019-09-07 08:30:00",
        "2019-09-05"]
    assert recs["years"].tolist() == ["3"] * 6
    # number cells keep the digits the float still holds, in scientific notation
    assert recs["id_number"].tolist() == [
        A["id_number"], B["id_number"], "2.30102199001011e+17", D["id_number"],
        "230102850315123", "2.301021990010112e+17"]
    # 一班: row 6 blank, 8 and 9 footers; 二班: row 4 blank, row 6 footer
    assert got.skipped_lines == 5
    assert got.ignored_columns == ["序号"]


def test_id_typed_as_a_number_in_a_workbook_never_becomes_a_valid_id(tmp_path):
    got = read(printed_workbook(tmp_path / "printed.xlsx"))
    rows = got.records.assign(source_file="2019-10/printed.xlsx", folder="2019-10")
    result = clean_frame(rows)
    by_name = dict(zip(rows["name"], result.records["reasons"], strict=True))
    assert by_name["张六"] == "INVALID_ID;ID_AS_NUMBER"
    assert by_name["张五"] == ""  # a 15-digit number survives a float exactly: converted
    assert len(result.enrollment) == 4
    assert "张三" not in set(rows["name"][result.records["state"].eq("clean").to_numpy()])


def test_ids_typed_as_numbers_are_each_quarantined_not_superseded(tmp_path):
    got = read(printed_workbook(tmp_path / "printed.xlsx"))
    rows = got.records.assign(source_file="2019-10/printed.xlsx", folder="2019-10")
    result = clean_frame(rows)
    by_name = dict(zip(rows["name"], result.records["state"], strict=True))
    # 张三 (一班 row 7) and 张六 (二班 row 5) are two people whose IDs were typed as numbers:
    # their texts keep the digits the floats hold, so they are not matched to each other
    assert (by_name["张三"], by_name["张六"]) == ("quarantined", "quarantined")


def test_header_only_sheet_beside_others_gives_no_records(tmp_path):
    path = write_xlsx(tmp_path / "w.xlsx", {"Sheet1": [TIDY_HEADER, roster_line(A)],
                                           "Sheet2": [TIDY_HEADER]})
    got = read(path)
    assert got.sheets == ["Sheet1", "Sheet2"]
    assert as_rows(got.records, "sheet", "source_row") == [("Sheet1", 2)]


def test_workbook_rows_are_counted_from_a1_even_when_the_top_is_empty(tmp_path):
    path = write_xlsx(tmp_path / "w.xlsx", {"Sheet1": [[], [], [], TIDY_HEADER, [],
                                                      roster_line(A)]})
    got = read(path)
    assert got.records["source_row"].tolist() == [6]
    assert got.skipped_lines == 1


# ---------------------------------------------------------------- unusable files

def _truncated_xlsx(path: Path) -> Path:
    good = write_xlsx(path.with_name("good.xlsx"), {"S": [TIDY_HEADER, roster_line(A)]})
    data = good.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def _xlsx_named_csv(path: Path) -> Path:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
    path.write_bytes(buf.getvalue())
    return path


UNUSABLE = {
    "no_header.csv": lambda p: write_csv(p, [["花名册"], ["张三", "男", "2019-09-05"]]),
    "missing_level.csv": lambda p: write_csv(
        p, [[h for h in TIDY_HEADER if h != "培养层次"], ["x"] * 13]),
    "misspelled_id.csv": lambda p: write_csv(
        p, [[("身份证号吗" if h == "身份证号" else h) for h in TIDY_HEADER], roster_line(A)]),
    "empty.csv": lambda p: (p.write_bytes(b""), p)[1],
    "blank_lines.csv": lambda p: (p.write_bytes(b"\r\n\r\n  \r\n"), p)[1],
    "binary.csv": lambda p: (p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 20), p)[1],
    "zip.csv": _xlsx_named_csv,
    "truncated.xlsx": _truncated_xlsx,
    "not_a_workbook.xlsx": lambda p: (p.write_bytes("学校名称,姓名\n".encode()), p)[1],
    "empty_book.xlsx": lambda p: write_xlsx(p, {"Sheet1": []}),
    "no_header_book.xlsx": lambda p: write_xlsx(p, {"说明": [["填表说明"]], "Sheet2": [["x"]]}),
    "notes.txt": lambda p: (p.write_text("说明", encoding="utf-8"), p)[1],
}


@pytest.mark.parametrize("name", sorted(UNUSABLE))
def test_unusable_file_is_one_line_naming_the_file(tmp_path, name):
    path = UNUSABLE[name](tmp_path / name)
    with pytest.raises(InputError) as err:
        read(path, f"2019-10/{name}")
    message = str(err.value)
    assert "\n" not in message
    assert f"2019-10/{name}" in message


def test_missing_column_message_names_the_field(tmp_path):
    path = UNUSABLE["missing_level.csv"](tmp_path / "m.csv")
    with pytest.raises(InputError,
                       match="缺少必需的列：培养层次（可写作“培养层次”“层次”“培养等级”）"):
        read(path)


def test_unreadable_file_in_a_folder_stops_ingest_with_its_name(tmp_path):
    ctx = make_context(tmp_path)
    write_csv(ctx.raw_dir / "2019-10" / "HX01.csv", [TIDY_HEADER, roster_line(A)])
    (ctx.raw_dir / "2019-10" / "HX02.csv").write_bytes(b"")
    with pytest.raises(InputError) as err:
        ingest_all(ctx.raw_dir, ctx.period, reader())
    assert "2019-10/HX02.csv" in str(err.value) and "\n" not in str(err.value)


def test_raw_files_order_and_what_is_not_a_submission(tmp_path):
    raw = tmp_path / "raw"
    for rel in ["2019-10/b.csv", "2019-10/a.xlsx", "2019-09/z.csv", "2019-10/~$a.xlsx",
                "2019-10/.hidden.csv", "2019-10/README.md", "2019-11/c.csv", "notes/x.csv"]:
        (raw / rel).parent.mkdir(parents=True, exist_ok=True)
        (raw / rel).write_bytes(b"x")
    got = [sf for sf, _ in raw_files(raw, "2019-10")]
    assert got == ["2019-09/z.csv", "2019-10/a.xlsx", "2019-10/b.csv"]


# ---------------------------------------------------------------- tidy vs printed, stage 01

def _stage_records() -> dict[str, list[dict]]:
    """Two schools' rosters with every kind of dirt whose fate is known."""
    s = make_id("20000101", "011")
    hx01 = [
        record(name="甲", id_number=s),  # cross-school pair with HX02 (HX01 earlier → wins)
        record(name="乙", id_number=make_id("20010101", "021"), admission_date="2019年10月21日"),
        record(name="丙", id_number=make_id("20010101", "021"), admission_date="2019-10-01"),
        record(name="丁", id_number="23010220010101021"),  # 17 digits
        record(name="戊", id_number=make_id("20020202", "032"), admission_date="九月五日"),
        record(name="己", id_number=make_id("19990909", "041"), admission_date="2019-08-31"),
        record(name="庚", id_number=make_id("19980808", "051"), level="初级工"),
        record(name="辛", id_number=make_id("19970707", "061"), major="咖啡制作",
               status="待注册", target_group="农民工", disabled="是"),
        record(name="壬", school="哈爾濱市松北技師學院", id_number=make_id("19960606", "071"),
               education_kind="短训"),
        record(name="癸", id_number=make_id("19950505", "081"), admission_date="43770"),
    ]
    hx02 = [
        record("HX02", name="子", id_number=s, admission_date="2019-10-02"),
        record("HX02", name="丑", id_number=make_id("20030303", "091")),
        record("HX02", school="某某职业学校", name="寅", id_number=make_id("20030303", "101")),
        record("HX02", name="卯", id_number=make_id("20060101", "111")),  # 13 on admission
    ]
    return {"HX01": hx01, "HX02": hx02}


def _write_tidy(folder: Path, recs: dict[str, list[dict]]) -> None:
    write_xlsx(folder / "HX01.xlsx",
               {"Sheet1": [TIDY_HEADER] + [roster_line(r) for r in recs["HX01"]]})
    write_csv(folder / "HX02.csv", [TIDY_HEADER] + [roster_line(r) for r in recs["HX02"]])


def _write_printed(folder: Path, recs: dict[str, list[dict]]) -> None:
    hx01 = recs["HX01"]
    first = [roster_line(r, i + 1) for i, r in enumerate(hx01[:6])]
    first.insert(3, [])
    second = [roster_line(r, i + 1) for i, r in enumerate(hx01[6:])]
    second.insert(1, [""] * 15)
    write_xlsx(folder / "HX01.xlsx", {
        "填表说明": [["填表说明：每班一张表"]],
        "一班": [["哈尔滨市松北技师学院2019年扩招新生花名册"], [], ROSTER_HEADER, *first,
                ["合计", "6人"], ["填表人：王老师"]],
        "二班": [["二班"], ROSTER_HEADER, *second, [], ["审核人：李主任"],
                ["", "填报日期：2019年10月31日"]],
    }, merges={"一班": ["A1:O1"]})
    hx02 = [roster_line(r, i + 1) for i, r in enumerate(recs["HX02"])]
    write_csv(folder / "HX02.csv", [
        ["哈尔滨市轨道交通高级技工学校扩招花名册"], [], [*ROSTER_HEADER, "备注"], hx02[0], [],
        *hx02[1:], ["合计", "4"], ["备注：无"], ["说明：一式两份"],
    ], "gbk")


PROVENANCE = ["sheet", "source_row"]


def _run(tmp_path: Path, writer) -> dict:
    ctx = make_context(tmp_path, "2019-10")
    writer(ctx.raw_dir / "2019-10", _stage_records())
    summary = clean_stage(ctx)
    fulfil = fulfilment_stage(ctx)
    p, o = ctx.period_processed, ctx.out_dir

    def table(name: str) -> pd.DataFrame:
        df = pd.read_parquet(p / name).drop(columns=PROVENANCE)
        return df.sort_values(["source_file", "student_key"], kind="stable").reset_index(
            drop=True)

    return {
        "summary": summary,
        "fulfil": fulfil,
        "enrollment": table("enrollment.parquet"),
        "quarantine": pd.read_parquet(p / "quarantine.parquet").drop(columns=PROVENANCE),
        "records": table("records.parquet"),
        "recon": pd.read_csv(o / relative_path("reconciliation")),
        "by_school": pd.read_csv(o / relative_path("fulfilment_by_school")),
        "report": json.loads((o / relative_path("ingest_report")).read_text(encoding="utf-8")),
    }


def test_tidy_and_printed_rosters_give_identical_results(tmp_path):
    tidy = _run(tmp_path / "tidy", _write_tidy)
    printed = _run(tmp_path / "printed", _write_printed)

    pd.testing.assert_frame_equal(tidy["enrollment"], printed["enrollment"])
    pd.testing.assert_frame_equal(tidy["quarantine"], printed["quarantine"])
    pd.testing.assert_frame_equal(tidy["records"], printed["records"])
    pd.testing.assert_frame_equal(tidy["by_school"], printed["by_school"])
    pd.testing.assert_frame_equal(tidy["recon"].drop(columns="skipped_lines"),
                                  printed["recon"].drop(columns="skipped_lines"))
    assert tidy["recon"]["skipped_lines"].tolist() == [0, 0]
    # HX01.xlsx: 一班 1 blank + 2 footers, 二班 1 blank + 1 blank + 2 footers
    # HX02.csv: 1 blank + 3 footers
    assert printed["recon"]["skipped_lines"].tolist() == [7, 4]
    for key in ("summary", "fulfil"):
        a, b = dict(tidy[key]), dict(printed[key])
        assert a.pop("skipped_lines") == 0 and b.pop("skipped_lines") == 11
        assert a == b
    assert printed["report"]["skipped_sheets"] == [
        {"source_file": "2019-10/HX01.xlsx", "sheet": "填表说明"}]


def test_known_fates_of_the_stage_roster(tmp_path):
    got = _run(tmp_path, _write_printed)
    s = got["summary"]
    assert (s["raw_rows"], s["clean_rows"], s["quarantined_rows"], s["superseded_rows"]) == (
        14, 5, 8, 1)
    recon = got["recon"].set_index("source_file")
    assert recon.loc["2019-10/HX01.xlsx", ["raw_rows", "clean_rows", "quarantined_rows",
                                           "superseded_rows"]].tolist() == [10, 4, 5, 1]
    assert recon.loc["2019-10/HX02.csv", ["raw_rows", "clean_rows", "quarantined_rows",
                                          "superseded_rows"]].tolist() == [4, 1, 3, 0]
    q = got["quarantine"]
    reasons = dict(zip(q["id_masked"].str[-4:] + "/" + q["school"], q["reasons"], strict=True))
    assert sorted(q["reasons"]) == sorted([
        "INVALID_ID",  # 丁
        "BAD_DATE",  # 戊
        "OUT_OF_WINDOW",  # 己
        "LEVEL_NOT_ALLOWED",  # 庚
        "SHORT_TRAINING",  # 壬
        "CROSS_SCHOOL_DUPLICATE",  # 子
        "UNKNOWN_SCHOOL",  # 寅
        "IMPLAUSIBLE_AGE",  # 卯
    ])
    assert set(REASONS) >= {r for rs in q["reasons"] for r in rs.split(";")}
    cross = q[q["reasons"] == "CROSS_SCHOOL_DUPLICATE"]
    assert cross["winner_school_id"].tolist() == ["HX01"] and cross["school_id"].tolist() == [
        "HX02"]
    unknown = q[q["reasons"] == "UNKNOWN_SCHOOL"]
    assert unknown["school_id"].tolist() == ["HX02"]  # the school that sent the file
    assert len(reasons) == 8
    enr = got["enrollment"]
    assert sorted(enr["school_id"]) == ["HX01", "HX01", "HX01", "HX01", "HX02"]
    # 乙/丙 is one student re-sent in the same file: the later row (丙, 2019-10-01) stands
    assert enr["admission_date"].min() == pd.Timestamp(2019, 9, 5)
    assert pd.Timestamp(2019, 10, 21) not in set(enr["admission_date"])
    assert pd.Timestamp(2019, 11, 1) in set(enr["admission_date"])  # 癸, serial 43770
    assert got["report"]["unmapped_majors"] == [{"major": "咖啡制作", "rows": 1}]
    from pipeline.render import Labels, feedback_texts, write_feedback

    (qfile,) = tmp_path.rglob("2019-10/quarantine.parquet")
    texts = feedback_texts(Labels("zh-CN", window=("2019-09-01", "2020-04-30")))
    write_feedback(tmp_path / "out" / "2019-10", pd.read_parquet(qfile), texts)
    fb = sorted(p.parent.name for p in (tmp_path / "out" / "2019-10").rglob("feedback.xlsx"))
    assert fb == ["HX01", "HX02"]


def test_school_names_only_in_the_printed_shape_do_not_leak(tmp_path):
    # a school name in the title, not in the table, gives no records and no school
    lines = [[SCHOOL_NAME["HX01"]], TIDY_HEADER, roster_line(A)]
    got = read(write_csv(tmp_path / "r.csv", lines))
    assert got.records["source_row"].tolist() == [3]


def test_csv_bytes_helper_roundtrip():
    assert csv_bytes([["a", "b"], []]) == b"a,b\r\n\r\n"


def test_ignored_columns_and_suggestions_are_logged_by_file(tmp_path, caplog):
    header = [*TIDY_HEADER, "序号", "学习形试"]
    path = write_csv(tmp_path / "r.csv", [header, [*roster_line(A), "1", "全日制"]])
    with caplog.at_level("INFO", logger="pipeline.ingest"):
        read(path, "2019-10/r.csv")
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "2019-10/r.csv: columns not in the header map ignored: 序号, 学习形试" in text
    assert "'学习形试' looks like '学习形式'" in text
    assert A["id_number"] not in text and A["name"] not in text


def test_skip_unreadable_lists_the_file_in_the_reconciliation(tmp_path):
    from dataclasses import replace

    ctx = replace(make_context(tmp_path), skip_unreadable=True)
    write_csv(ctx.raw_dir / "2019-10" / "HX01.csv", [TIDY_HEADER, roster_line(A)])
    (ctx.raw_dir / "2019-10" / "HX02.csv").write_bytes(b"")
    summary = clean_stage(ctx)
    assert summary["unreadable_files"] == 1 and summary["raw_rows"] == 1
    recon = pd.read_csv(ctx.out_dir / relative_path("reconciliation"))
    assert "2019-10/HX02.csv" in set(recon["source_file"])


def test_each_sheet_has_its_own_header_position_order_and_spelling(tmp_path):
    trad = ["學籍狀態", "錄取日期", "專業", "生源類別", "培養層次", "身份證號", "學校名稱"]
    fields = ["status", "admission_date", "major", "target_group", "level", "id_number",
              "school"]
    d = dict(D)
    path = write_xlsx(tmp_path / "w.xlsx", {
        "秋季": [TIDY_HEADER, roster_line(A)],
        "春季": [["标题"], ["副标题"], [], trad, [d[f] for f in fields]],
    })
    got = read(path)
    assert as_rows(got.records, "sheet", "source_row", "id_number", "admission_date") == [
        ("秋季", 2, A["id_number"], A["admission_date"]),
        ("春季", 5, D["id_number"], D["admission_date"]),
    ]
    assert got.records["name"].tolist() == ["张一", ""]  # 春季 has no name column


# ---------------------------------------------------------------- the fast CSV path

def test_fast_path_reads_a_tidy_csv_without_the_fallback_parsers(tmp_path, monkeypatch):
    """A tidy roster (no quotes, every line as wide as the header) is read by Arrow's parser
    alone; an empty line is a line of empty cells there, as for the other parsers: skipped,
    counted, and the row numbers after it do not shift."""
    import pipeline.ingest.csvfile as csvfile

    monkeypatch.setattr(csvfile, "_pandas_body", lambda *a: pytest.fail("C parser used"))
    monkeypatch.setattr(csvfile, "_careful", lambda *a: pytest.fail("careful path used"))
    line = ",".join(str(c) for c in roster_line(A))
    path = tmp_path / "tidy.csv"
    for newline in ("\n", "\r\n"):
        lines = [",".join(TIDY_HEADER), line, "", line, ""]
        path.write_bytes(newline.join(lines).encode("utf-8"))
        got = read(path)
        assert got.records["source_row"].tolist() == [2, 4]
        assert got.records["name"].tolist() == ["张一", "张一"]
        assert got.skipped_lines == 1


def test_a_line_break_in_a_quoted_title_keeps_the_header_out_of_the_records(tmp_path):
    """Quotes anywhere in the file (here a two-line merged title) take the careful path:
    the header is found by CSV records, never counted as physical lines."""
    path = tmp_path / "t.csv"
    lines = ['"花名册\n（2019年秋季）"', ",".join(TIDY_HEADER),
             ",".join(str(c) for c in roster_line(A))]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("gb18030"))
    got = read(path)
    assert got.records["name"].tolist() == ["张一"]
    assert got.skipped_lines == 0


def test_line_ends_are_the_same_for_the_header_and_the_careful_path(tmp_path):
    """A form feed in a title is not a line end (for the CSV parsers nor for the header
    search); a ragged body takes the csv module, which must count lines the same way."""
    path = tmp_path / "f.csv"
    row = ",".join(str(c) for c in roster_line(A))
    lines = ["花名册\x0c2019", ",".join(TIDY_HEADER), row, row + ",多余"]
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-8"))
    got = read(path)
    assert got.records["name"].tolist() == ["张一", "张一"]
    assert got.records["source_row"].tolist() == [3, 4]


def test_notes_are_logged_in_file_order_though_files_are_read_in_parallel(tmp_path, caplog):
    ctx = make_context(tmp_path)
    header = [("学生姓明" if h == "姓名" else h) for h in TIDY_HEADER]
    big = [header] + [roster_line(record(name="张" + str(i), id_number=make_id(seq=f"{i:03d}")))
                      for i in range(900)]
    write_csv(ctx.raw_dir / "2019-10" / "a.csv", big)
    write_csv(ctx.raw_dir / "2019-10" / "b.csv", [header, roster_line(A)])
    with caplog.at_level("INFO", logger="pipeline.ingest"):
        ingest_all(ctx.raw_dir, ctx.period, reader())
    files = [r.getMessage().split(":")[0] for r in caplog.records if "学生姓明" in r.getMessage()]
    assert files == sorted(files) and len(set(files)) == 2
