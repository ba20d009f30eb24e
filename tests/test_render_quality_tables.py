"""Known answers of pipeline.render.quality_tables: expectation results (failures and the
most severe first), quarantined rows by reason and by school, files and reconciliation."""

from __future__ import annotations

import pandas as pd
from conftest import PERIOD_FIXTURE

from pipeline.render import quality_tables as qt
from pipeline.render.inputs import load_stage_files
from pipeline.render.labels import Labels

ZH = Labels("zh-CN", {"S01": "甲校", "S02": "乙校"}, ("2019-09-01", "2020-04-30"))
EN = Labels("en", {"S01": "School A"})
QUARANTINE = pd.DataFrame({
    "school_id": ["S01", "S01", "S02", "", "S01"],
    "reasons": ["BAD_DATE", "OUT_OF_WINDOW;BAD_DATE", "INVALID_ID", "UNKNOWN_SCHOOL",
                "INVALID_ID;OUT_OF_WINDOW"],
})
RESULTS = {
    "max_severity_failure": "warning",
    "results": [
        {"suite": "reference", "success": True, "severity": "critical", "element_count": 6,
         "unexpected_count": 0, "unexpected_percent": 0.0, "description": "学校代码不重复",
         "description_en": "School codes are unique"},
        {"suite": "raw_submissions", "success": False, "severity": "info",
         "expectation": "expect_x", "column": "major", "element_count": 10,
         "unexpected_count": 1, "unexpected_percent": 10.0, "school_id": "S01"},
        {"suite": "raw_submissions", "success": False, "severity": "warning",
         "description": "录取日期不为空", "description_en": "Admission date is present",
         "element_count": 200, "unexpected_count": 3, "unexpected_percent": 1.5},
    ],
}


def test_reason_counts_count_every_code_of_a_row() -> None:
    got = qt.reason_counts(QUARANTINE["reasons"])
    assert got.to_dict("list") == {
        "reason": ["BAD_DATE", "INVALID_ID", "OUT_OF_WINDOW", "UNKNOWN_SCHOOL"],
        "rows": [2, 2, 2, 1],
    }
    assert qt.reason_counts(pd.Series([], dtype=str)).empty


def test_quarantine_by_reason() -> None:
    tab = qt.quarantine_by_reason(QUARANTINE, ZH)
    assert tab.rows[0] == ["BAD_DATE", "录取日期无法识别（缺年份、日期不存在或格式无法解析）",
                           2, 0.4]
    assert tab.rows[2] == ["OUT_OF_WINDOW", "录取日期不在扩招期间（2019年9月1日至2020年4月30日）内",
                           2, 0.4]
    assert tab.rows[-1] == ["UNKNOWN_SCHOOL", "学校名称不在指标分配表中", 1, 0.2]
    assert tab.headers == ["原因代码", "原因", "记录数", "占待更正记录比重"]


def test_quarantine_by_school_names_the_top_reason() -> None:
    tab = qt.quarantine_by_school(QUARANTINE, ZH)
    assert tab.rows == [
        ["—", "未知学校（归报送文件的学校）", 1, "学校名称不在指标分配表中"],
        # S01: BAD_DATE 2, OUT_OF_WINDOW 2, INVALID_ID 1: the tie goes to the first code
        ["S01", "甲校", 3, "录取日期无法识别（缺年份、日期不存在或格式无法解析）"],
        ["S02", "乙校", 1, "身份证号无效（位数、校验码、出生日期或省份代码不正确）"],
    ]
    assert tab.total == ["合计", "", 5, ""]


def test_check_rows_failures_first_most_severe_first() -> None:
    rows = qt.check_rows(RESULTS["results"], EN)
    assert [r[3] for r in rows] == ["warning", "info", "critical"]
    assert rows[0] == ["School submissions", "", "Admission date is present", "warning", "FAIL",
                       200, 3, 0.015]
    assert rows[1][2] == "expect_x(major)" and rows[1][1] == "S01"
    assert qt.check_rows(RESULTS["results"], ZH)[0][2] == "录取日期不为空"


def test_validation_summary_and_status() -> None:
    tab = qt.validation_summary(RESULTS, ZH)
    assert tab.rows == [["参考表", 1, 1, 0, 0, 0], ["学校报送数据", 2, 0, 0, 1, 1]]
    assert tab.total == ["合计", 3, 1, 0, 1, 1]
    status = qt.validation_status(RESULTS, ZH)
    assert status == {"level": "warning", "text": "3 项数据检查中 1 项通过；1 项警告级检查未通过"
                                                  "（不影响发布，请关注）。"}
    assert qt.validation_status({"results": []}, EN)["level"] == "ok"
    failed = qt.validation_failed(RESULTS, ZH)
    assert len(failed.rows) == 2 and failed.sheet == ""


def test_files_and_reconciliation_of_the_fixture() -> None:
    data = load_stage_files(PERIOD_FIXTURE)
    assert qt.unreadable(data.ingest, ZH).rows == [
        ["2020-04/S03_花名册（修订）.xlsx", "文件已损坏，不是有效的 XLSX（zip 结构无法读取）"]]
    assert qt.unmapped(data.ingest, ZH).rows[0] == ["智能网联汽车技术", 12]
    rec = qt.reconciliation(data.reconciliation, ZH)
    assert rec.total == ["合计", 4096, 3716, 177, 203, 57]
    folders = qt.reconciliation_by_folder(data.reconciliation, ZH)
    assert folders.rows[0] == ["2019-09", 3, 1550, 1440, 33, 77, 20]
    assert folders.total == ["合计", 12, 4096, 3716, 177, 203, 57]


def test_month_folder_entries_not_read_with_their_reason() -> None:
    data = load_stage_files(PERIOD_FIXTURE)
    tab = qt.listed_entries(data.ingest, ZH)
    assert tab.rows == [["2020-04/说明.docx", "不是名册（文件类型）"],
                        ["2020-04/~$S01_花名册.xlsx", "Office 临时文件"]]
    assert tab.kinds == ["path", "text"] and tab.sheet == "未读取的文件"
    assert qt.listed_entries(data.ingest, EN).rows[1][1] == "Office lock file"
    assert qt.listed_entries({}, ZH).rows == []


def test_stage_table_of_reasons_takes_the_locale_texts() -> None:
    from pipeline.stages import quarantine_by_reason

    texts = Labels("en", window=("2019-09-01", "2020-04-30")).reason_texts()
    got = quarantine_by_reason(QUARANTINE, texts)
    assert got.columns.tolist() == ["reason", "rows", "explanation"]
    assert got.iloc[2].tolist() == [
        "OUT_OF_WINDOW", 2,
        "Admission date outside the expansion period (2019-09-01 to 2020-04-30)"]
    # Without texts (notebook 01): Chinese, the window of the shipped configuration.
    assert quarantine_by_reason(QUARANTINE)["explanation"][2] == (
        "录取日期不在扩招期间（2019年9月1日至2020年4月30日）内")
