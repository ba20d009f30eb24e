"""Known-answer tests of stage 02: the Great Expectations suites, severity gating, summary."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from pipeline.errors import ConfigError, ValidationFailed
from pipeline.validate import (
    SUITE_NAMES,
    ValidationParams,
    digit_shape,
    gate,
    load_suites,
    validate_all,
)

EXPECTATIONS = Path(__file__).resolve().parents[1] / "expectations"
LEVELS = {
    "技师学院": ("高级工", "预备技师"),
    "高级技工学校": ("中级工", "高级工"),
    "技工学校": ("初级工", "中级工"),
}
INDUSTRIES = (
    "信息",
    "新材料",
    "金融",
    "现代物流",
    "绿色农产品深加工",
    "先进装备制造",
    "现代生物医药",
    "特色文化和旅游",
    "新兴专业",
    "现代服务",
    "其他",
)
PARAMS = ValidationParams(
    target=4376,
    school_types=tuple(LEVELS),
    industries=INDUSTRIES,
    levels_by_school_type=LEVELS,
    levels=("初级工", "中级工", "高级工", "预备技师"),
    statuses=("已注册", "待注册", "休学", "退学"),
    study_modes=("全日制", "非全日制"),
    class_types=("普通班", "订单班", "定向班", "委托班"),
    target_groups=(
        "应届初中毕业生",
        "往届初中毕业生",
        "应届高中毕业生",
        "往届高中毕业生",
        "退役军人",
        "下岗失业人员",
        "新生代农民工",
        "新型职业农民",
        "企业转岗转业人员",
    ),
    genders=("男", "女"),
    window_start=date(2019, 9, 1),
    window_end=date(2020, 4, 30),
    intake_cutoff=date(2019, 10, 20),
    as_of=date(2020, 4, 30),
    age_min=14,
    age_max=60,
    raw_clean_share_mostly=0.9,
)
FULL_ID = "230102199001011234"  # looks like a real ID number: must never reach any output


def schools_frame() -> pd.DataFrame:
    """Three schools, one of each type, quotas summing to the target."""
    return pd.DataFrame(
        {
            "school_id": ["S01", "S02", "S03"],
            "school_name": ["哈尔滨市第一技师学院", "哈尔滨市高级技工学校", "哈尔滨市技工学校"],
            "aliases": ["一技", "", ""],
            "school_type": ["技师学院", "高级技工学校", "技工学校"],
            "ownership": ["公办", "公办", "民办"],
            "district": ["道里区", "南岗区", "松北区"],
            "quota": [2000, 1376, 1000],
        }
    )


def majors_frame() -> pd.DataFrame:
    """A small majors table."""
    return pd.DataFrame(
        {
            "major": ["计算机应用", "电子商务", "无人机操控"],
            "aliases": ["", "", ""],
            "industry": ["信息", "现代服务", "新兴专业"],
        }
    )


def records_frame(quarantined_s02: int = 0) -> pd.DataFrame:
    """Twenty standing rows per school (one quarantined for S03) plus superseded rows."""
    rows = []
    for school, quarantined in (("S01", 0), ("S02", quarantined_s02), ("S03", 1)):
        for i in range(20):
            state = "quarantined" if i < quarantined else "clean"
            rows.append((school, state, "INVALID_ID" if state == "quarantined" else ""))
        rows.append((school, "superseded", ""))
        rows.append((school, "superseded", ""))
    frame = pd.DataFrame(rows, columns=["file_school_id", "state", "reasons"])
    return frame.assign(
        source_file="2020-04/" + frame["file_school_id"] + ".csv",
        sheet="",
        source_row=range(2, len(frame) + 2),
        folder="2020-04",
        school_id=frame["file_school_id"],
        winner_school_id=None,
        admission_date=pd.Timestamp("2019-09-10"),
        status="已注册",
    )


def enrollment_frame() -> pd.DataFrame:
    """Six clean records, two per school, every rule satisfied."""
    adm = pd.to_datetime(
        ["2019-09-05", "2019-10-20", "2019-10-21", "2020-04-30", "2019-09-01", "2020-01-15"]
    )
    birth = pd.to_datetime(
        ["2003-05-01", "1990-01-01", "2002-12-31", "1985-07-07", "2004-02-29", "1995-10-10"]
    )
    return pd.DataFrame(
        {
            "student_key": pd.array([11, 12, 13, 14, 15, 16], dtype="uint64"),
            "id_masked": [
                "230102********123X",
                "230103********4561",
                "230104********7892",
                "230109********0013",
                "230111********2224",
                "230112********5675",
            ],
            "school_id": ["S01", "S01", "S02", "S02", "S03", "S03"],
            "gender": ["男", "女", "男", "女", "男", "女"],
            "birth_date": birth,
            "age": [16, 29, 16, 34, 15, 24],
            "target_group": [
                "应届初中毕业生",
                "退役军人",
                "往届高中毕业生",
                "下岗失业人员",
                "应届初中毕业生",
                "新生代农民工",
            ],
            "social": [False, True, False, True, False, True],
            "disabled": [False, False, True, False, False, False],
            "major": ["计算机应用", "电子商务", "无人机操控", "计算机应用", "电子商务", "电子商务"],
            "major_known": [True] * 6,
            "industry": ["信息", "现代服务", "新兴专业", "信息", "现代服务", "现代服务"],
            "level": ["高级工", "预备技师", "中级工", "高级工", "初级工", "中级工"],
            "study_mode": ["全日制", "非全日制", "全日制", "全日制", "全日制", "非全日制"],
            "years": pd.array([3, 2, 3, 3, 3, 1], dtype="Int64"),
            "class_type": ["普通班", "订单班", "定向班", "委托班", "普通班", "普通班"],
            "education_kind": ["学制教育"] * 6,
            "admission_date": adm,
            "status": ["已注册", "待注册", "休学", "退学", "已注册", "已注册"],
            "intake": ["2019秋季", "2019秋季", "2020春季", "2020春季", "2019秋季", "2020春季"],
            "folder": "2020-04",
            "source_file": "2020-04/roster.csv",
            "sheet": "",
            "source_row": [2, 3, 4, 5, 6, 7],
        }
    )


@pytest.fixture(scope="module")
def frames() -> dict[str, pd.DataFrame]:
    """The clean fixture; tests derive bad variants with ``assign``/``copy``."""
    return {
        "schools": schools_frame(),
        "majors": majors_frame(),
        "records": records_frame(),
        "enrollment": enrollment_frame(),
    }


@pytest.fixture(scope="module")
def clean_summary(frames: dict[str, pd.DataFrame]) -> dict:
    """validate_all on the clean fixture (runs once: it also pays GE's first-use cost)."""
    return run(frames)


def run(frames: dict[str, pd.DataFrame], params: ValidationParams = PARAMS, **changes) -> dict:
    """validate_all on the fixture with some frames replaced."""
    f = {**frames, **changes}
    return validate_all(
        f["schools"],
        f["majors"],
        f["records"],
        f["enrollment"],
        params,
        EXPECTATIONS,
        data_docs_dir=f.get("data_docs_dir"),
    )


def failed(summary: dict) -> list[tuple]:
    """(suite, expectation, column, school_id, severity) of every failed expectation."""
    return [
        (r["suite"], r["expectation"], r["column"], r["school_id"], r["severity"])
        for r in summary["results"]
        if not r["success"]
    ]


def test_suites_declare_severity_and_description():
    suites = load_suites(EXPECTATIONS)
    assert set(suites) == set(SUITE_NAMES)
    for suite in suites.values():
        assert suite.meta.get("description")
        for exp in suite.expectations:
            assert exp.meta["description"] and exp.meta["description_en"]
            assert str(exp.severity.value) in {"critical", "warning", "info"}


def test_suite_without_severity_is_a_config_error(tmp_path: Path):
    for name in SUITE_NAMES:
        spec = json.loads((EXPECTATIONS / f"{name}.json").read_text(encoding="utf-8"))
        if name == "reference_majors":
            del spec["expectations"][0]["severity"]
        (tmp_path / f"{name}.json").write_text(json.dumps(spec), encoding="utf-8")
    with pytest.raises(ConfigError, match="reference_majors.*severity"):
        load_suites(tmp_path)


def test_clean_fixture_passes_everything(clean_summary: dict):
    assert failed(clean_summary) == []
    assert clean_summary["success"] is True
    assert clean_summary["max_severity_failure"] is None
    gate(clean_summary)  # does not raise
    suites = {r["suite"] for r in clean_summary["results"]}
    assert suites == set(SUITE_NAMES)
    raw = [
        r
        for r in clean_summary["results"]
        if r["suite"] == "raw_submissions"
        and r["expectation"] == "expect_column_values_to_be_in_set"
    ]
    assert [(r["school_id"], r["element_count"], r["observed_value"]) for r in raw] == [
        ("S01", 20, 1.0),
        ("S02", 20, 1.0),
        ("S03", 20, 0.95),
    ]
    assert all(r["description"] and r["description_en"] for r in clean_summary["results"])
    window = next(r for r in clean_summary["results"] if r["column"] == "admission_ymd")
    assert "2019-09-01" in window["description"] and "2020-04-30" in window["description"]


def test_quota_sum_not_target_is_critical_and_gate_raises_one_line(frames):
    schools = frames["schools"].assign(quota=[2000, 1376, 999])
    summary = run(frames, schools=schools)
    assert failed(summary) == [
        ("reference_schools", "expect_column_sum_to_be_between", "quota", None, "critical")
    ]
    assert summary["max_severity_failure"] == "critical"
    result = next(r for r in summary["results"] if not r["success"])
    assert result["observed_value"] == 4375
    with pytest.raises(ValidationFailed) as info:
        gate(summary)
    message = str(info.value)
    assert "\n" not in message
    assert "reference_schools" in message and "expect_column_sum_to_be_between(quota)" in message
    assert "4375" in message


def test_duplicate_school_id_is_critical(frames):
    schools = frames["schools"].assign(school_id=["S01", "S01", "S03"])
    summary = run(frames, schools=schools)
    assert (
        "reference_schools",
        "expect_column_values_to_be_unique",
        "school_id",
        None,
        "critical",
    ) in failed(summary)
    with pytest.raises(ValidationFailed, match="school_id"):
        gate(summary)


def test_fractional_or_zero_quota_fails(frames):
    schools = frames["schools"].assign(quota=[2376.5, 2000, 0])
    got = failed(run(frames, schools=schools))
    assert (
        "reference_schools",
        "expect_column_values_to_be_in_set",
        "quota_is_whole",
        None,
        "critical",
    ) in got
    assert (
        "reference_schools",
        "expect_column_values_to_be_between",
        "quota",
        None,
        "critical",
    ) in got


def test_blank_district_is_a_warning(frames):
    schools = frames["schools"].assign(district=["道里区", " ", "松北区"])
    summary = run(frames, schools=schools)
    assert failed(summary) == [
        ("reference_schools", "expect_column_values_to_not_be_null", "district", None, "warning")
    ]
    assert summary["max_severity_failure"] == "warning"


def test_unknown_industry_in_majors_fails(frames):
    majors = frames["majors"].assign(industry=["信息", "旅游业", "新兴专业"])
    summary = run(frames, majors=majors)
    assert failed(summary) == [
        ("reference_majors", "expect_column_values_to_be_in_set", "industry", None, "critical")
    ]
    result = next(r for r in summary["results"] if not r["success"])
    assert result["unexpected_sample"] == ["旅游业"]


def test_school_with_20_percent_quarantined_is_a_warning_for_that_school_only(frames):
    summary = run(frames, records=records_frame(quarantined_s02=4))
    assert failed(summary) == [
        ("raw_submissions", "expect_column_values_to_be_in_set", "state", "S02", "warning")
    ]
    assert summary["max_severity_failure"] == "warning"
    assert summary["success"] is False
    row = next(r for r in summary["results"] if not r["success"])
    assert (row["element_count"], row["unexpected_count"], row["observed_value"]) == (20, 4, 0.8)
    assert "S02" in row["description"] and "90%" in row["description"]
    gate(summary)  # a warning does not stop publication


def test_config_threshold_reaches_the_raw_suite(frames):
    strict = replace(PARAMS, raw_clean_share_mostly=0.99)
    got = failed(run(frames, params=strict))
    assert got == [
        ("raw_submissions", "expect_column_values_to_be_in_set", "state", "S03", "warning")
    ]


def test_admission_outside_window_fails(frames):
    enrollment = frames["enrollment"].copy()
    enrollment.loc[3, "admission_date"] = pd.Timestamp("2020-05-01")
    got = failed(run(frames, enrollment=enrollment))
    assert (
        "clean_records",
        "expect_column_values_to_be_between",
        "admission_ymd",
        None,
        "critical",
    ) in got
    narrower = replace(PARAMS, window_end=date(2020, 1, 14))
    got = failed(run(frames, params=narrower))
    assert got == [
        ("clean_records", "expect_column_values_to_be_between", "admission_ymd", None, "critical")
    ]


def test_level_not_allowed_for_school_type_fails(frames):
    enrollment = frames["enrollment"].copy()
    enrollment.loc[4, "level"] = "预备技师"  # a valid level, but 技工学校 may not train it
    summary = run(frames, enrollment=enrollment)
    assert failed(summary) == [
        ("clean_records", "expect_column_values_to_be_in_set", "level_allowed", None, "critical")
    ]
    with pytest.raises(ValidationFailed, match=r"level_allowed.*1 of 6"):
        gate(summary)


def test_intake_inconsistent_with_cutoff_fails(frames):
    enrollment = frames["enrollment"].copy()
    enrollment.loc[1, "intake"] = "2020春季"  # admitted on the cutoff day: autumn
    assert failed(run(frames, enrollment=enrollment)) == [
        (
            "clean_records",
            "expect_column_values_to_be_in_set",
            "intake_consistent",
            None,
            "critical",
        )
    ]


def test_duplicate_student_and_age_and_nulls_fail(frames):
    enrollment = frames["enrollment"].copy()
    enrollment.loc[5, "student_key"] = 11  # the same student in S01 and S03
    enrollment.loc[0, "age"] = 13
    enrollment.loc[2, "status"] = None
    got = failed(run(frames, enrollment=enrollment))
    assert (
        "clean_records",
        "expect_column_values_to_be_unique",
        "student_key",
        None,
        "critical",
    ) in got
    assert ("clean_records", "expect_column_values_to_be_between", "age", None, "critical") in got
    assert (
        "clean_records",
        "expect_column_values_to_not_be_null",
        "status",
        None,
        "critical",
    ) in got
    assert (
        "clean_records",
        "expect_compound_columns_to_be_unique",
        "student_key,school_id",
        None,
        "critical",
    ) not in got


def test_missing_column_is_critical(frames):
    enrollment = frames["enrollment"].drop(columns=["status"])
    summary = run(frames, enrollment=enrollment)
    first = next(r for r in summary["results"] if not r["success"])
    assert first["expectation"] == "expect_table_columns_to_match_set"
    assert first["missing_columns"] == ["status"]
    with pytest.raises(ValidationFailed, match="columns_to_match_set: missing columns status"):
        gate(summary)


def test_unmasked_id_fails_and_never_reaches_summary_or_data_docs(frames, tmp_path: Path):
    enrollment = frames["enrollment"].copy()
    enrollment.loc[0, "id_masked"] = FULL_ID  # an upstream masking bug
    docs = tmp_path / "data_docs"
    summary = run(frames, enrollment=enrollment, data_docs_dir=docs)
    assert failed(summary) == [
        (
            "clean_records",
            "expect_column_values_to_match_regex",
            "id_masked_shape",
            None,
            "critical",
        )
    ]
    text = json.dumps(summary, ensure_ascii=False)
    assert json.loads(text) == summary
    masked = set(frames["enrollment"]["id_masked"])
    assert FULL_ID not in text and not any(m in text for m in masked)
    assert "230102" not in text
    assert (docs / "index.html").is_file()
    pages = list(docs.rglob("*.html")) + list(docs.rglob("*.json"))
    assert len(pages) > 4
    for page in pages:
        content = page.read_text(encoding="utf-8", errors="replace")
        assert FULL_ID not in content and "230102" not in content, page
    # Offline: no page loads anything from the network, and what they load is there.
    import re

    for page in docs.rglob("*.html"):
        content = page.read_text(encoding="utf-8")
        assert not re.search(r'(src|href)="https?://', content), page
        for local in re.findall(r'(?:src|href)="([^"#][^"]*\.(?:js|css))"', content):
            assert (page.parent / local).resolve().is_file(), (page, local)


def test_digit_shape_equals_regex_replacement():
    values = pd.Series(["230102********123X", FULL_ID, "23010219900101123x", None, "12*", ""])
    expected = values.str.replace(r"\d", "9", regex=True)
    got = digit_shape(values)
    assert got.isna().tolist() == expected.isna().tolist()
    assert got.dropna().tolist() == expected.dropna().tolist()
