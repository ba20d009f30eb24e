"""Known answers of pipeline.clean: every rule, every synonym, deduplication, cross-school
duplicates and reconciliation; plus a property test over random dirty submissions."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from conftest import (
    SCHOOL_NAME,
    TIDY_HEADER,
    clean_frame,
    config,
    lookups,
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

from pipeline.clean import REASONS
from pipeline.ingest import ingest_all
from pipeline.stages import clean_stage

CLEAN = ("clean", "")


def one(**kw) -> tuple[str, str]:
    """(state, reasons) of a single record of HX01 unless school_id says otherwise."""
    school_id = kw.pop("school_id", "HX01")
    return states(run_clean(submission([record(school_id, **kw)])))[0]


def reasons_of(**kw) -> str:
    return one(**kw)[1]


def enrolled(**kw) -> pd.Series:
    school_id = kw.pop("school_id", "HX01")
    result = run_clean(submission([record(school_id, **kw)]))
    assert len(result.enrollment) == 1, states(result)
    return result.enrollment.iloc[0]


# ---------------------------------------------------------------- a clean record

def test_default_record_is_clean_with_known_values():
    number = make_id()
    row = enrolled()
    assert row["school_id"] == "HX01" and row["school_type"] == "技师学院"
    assert row["gender"] == "男" and row["birth_date"] == pd.Timestamp(1990, 1, 1)
    assert row["age"] == 29
    assert (row["target_group"], bool(row["social"]), bool(row["disabled"])) == (
        "退役军人", True, False)
    assert (row["major"], bool(row["major_known"]), row["industry"]) == (
        "数控加工", True, "先进装备制造")
    assert (row["level"], row["study_mode"], row["years"], row["class_type"]) == (
        "高级工", "全日制", 3, "普通班")
    assert (row["education_kind"], row["status"], row["intake"]) == ("学制教育", "已注册",
                                                                    "2019秋季")
    assert row["admission_date"] == pd.Timestamp(2019, 9, 5)
    assert row["id_masked"] == number[:6] + "********" + number[-4:]


def test_processed_tables_hold_no_names_or_full_ids():
    number = make_id("19880808", "555")
    result = run_clean(submission([record(name="欧阳锋", id_number=number),
                                   record(name="黄药师", id_number=wrong_id(), school="无名学校")]))
    for table in (result.enrollment, result.quarantine, result.records):
        assert "name" not in table.columns and "id_number" not in table.columns
        text = table.astype(str).to_csv()
        assert "欧阳锋" not in text and "黄药师" not in text
        assert number not in text and wrong_id() not in text
    assert result.enrollment["student_key"].dtype.kind == "u"


def wrong_id() -> str:
    good = make_id("19900101", "777")
    return good[:-1] + ("0" if good[-1] != "0" else "1")


# ---------------------------------------------------------------- INVALID_ID

@pytest.mark.parametrize(
    ("number", "expected"),
    [
        (wrong_id(), "INVALID_ID"),
        (make_id(area="990102"), "INVALID_ID"),
        (make_id("19901301"), "INVALID_ID"),
        ("", "INVALID_ID"),
        ("待补", "INVALID_ID"),
        ("2.30102E+17", "INVALID_ID;ID_AS_NUMBER"),
        (make_id(area="230109"), ""),
        (make_id(area="230199"), ""),
        (make_id().lower(), ""),
        ("230102900101123", ""),  # 15-digit legacy, converted
    ],
)
def test_invalid_id(number, expected):
    assert reasons_of(id_number=number) == expected


def test_15_digit_number_is_the_same_student_as_its_18_digit_form():
    # 230102 900101 123 → 230102 19 900101 123 + check = make_id("19900101", "123")
    result = run_clean(
        submission([record(id_number="230102900101123")], folder="2019-10"),
        submission([record(id_number=make_id("19900101", "123"))], folder="2019-11"),
    )
    assert states(result) == [("superseded", ""), CLEAN]
    assert result.enrollment["id_masked"].tolist() == ["230102********" + make_id()[-4:]]


# ---------------------------------------------------------------- UNKNOWN_SCHOOL

@pytest.mark.parametrize(
    ("spelling", "school_id"),
    [
        ("哈尔滨市松北技师学院", "HX01"),
        ("松北技师学院", "HX01"),  # alias
        ("哈爾濱市松北技師學院", "HX01"),  # Traditional alias
        ("哈爾濱市現代農業技工學校", "HX03"),  # Traditional, no such alias: OpenCC
        ("哈尔滨市 现代农业 技工学校", "HX03"),  # spaces
        ("　哈尔滨市健康服务技工学校　", "HX05"),  # full-width spaces
        ("現代農業技校", "HX03"),  # Traditional spelling of an alias
        ("轨道交通高技", "HX02"),
        ("智 造 技 师 学 院", "HX04"),
    ],
)
def test_school_names_resolve(spelling, school_id):
    from conftest import GOOD_LEVEL

    row = enrolled(school=spelling, level=GOOD_LEVEL[school_id])
    assert row["school_id"] == school_id


@pytest.mark.parametrize("spelling", ["哈尔滨市不存在技工学校", "松北技校", "", "哈尔滨"])
def test_unknown_school(spelling):
    assert reasons_of(school=spelling) == "UNKNOWN_SCHOOL"


# ---------------------------------------------------------------- dates

@pytest.mark.parametrize("date", ["九月五日", "2019-13-45", "2019-02-30", "", "待定", "36525"])
def test_bad_date(date):
    result = run_clean(submission([record(admission_date=date)]))
    assert states(result) == [("quarantined", "BAD_DATE")]


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        ("2019-08-31", "OUT_OF_WINDOW"),
        ("2019年8月31日", "OUT_OF_WINDOW"),
        ("2019-09-01", ""),
        ("2019/9/1", ""),
        ("2020-04-30", ""),
        ("43951", ""),  # serial of 2020-04-30
        ("2020-05-01", "OUT_OF_WINDOW"),
        ("20200501", "OUT_OF_WINDOW"),
        ("2018-09-05", "OUT_OF_WINDOW"),
    ],
)
def test_admission_window(date, expected):
    assert reasons_of(admission_date=date) == expected


@pytest.mark.parametrize(
    ("date", "intake"),
    [
        ("2019-09-01", "2019秋季"),
        ("2019-10-20", "2019秋季"),  # the cutoff is inclusive
        ("2019年10月20日", "2019秋季"),
        ("2019-10-21", "2020春季"),
        ("2020-04-30", "2020春季"),
    ],
)
def test_intake_cutoff(date, intake):
    assert enrolled(admission_date=date)["intake"] == intake


# ---------------------------------------------------------------- ages

@pytest.mark.parametrize(
    ("birth", "age", "expected"),
    [
        ("20050906", 13, "IMPLAUSIBLE_AGE"),  # 14th birthday the day after admission
        ("20050905", 14, ""),  # 14 on the admission date
        ("19590905", 60, ""),
        ("19580906", 60, ""),  # 61st birthday the day after
        ("19580905", 61, "IMPLAUSIBLE_AGE"),
        ("19400101", 79, "IMPLAUSIBLE_AGE"),
    ],
)
def test_age_on_the_admission_date(birth, age, expected):
    result = run_clean(submission([record(id_number=make_id(birth, "013"),
                                          admission_date="2019-09-05")]))
    assert states(result)[0][1] == expected
    if not expected:
        assert int(result.enrollment["age"].iloc[0]) == age


# ---------------------------------------------------------------- levels

LEVEL_MATRIX = [
    ("HX01", "初级工", False), ("HX01", "中级工", False), ("HX01", "高级工", True),
    ("HX01", "预备技师", True),
    ("HX02", "初级工", False), ("HX02", "中级工", True), ("HX02", "高级工", True),
    ("HX02", "预备技师", False),
    ("HX03", "初级工", True), ("HX03", "中级工", True), ("HX03", "高级工", False),
    ("HX03", "预备技师", False),
]


@pytest.mark.parametrize(("school_id", "level", "allowed"), LEVEL_MATRIX)
def test_level_allowed_per_school_type(school_id, level, allowed):
    expected = "" if allowed else "LEVEL_NOT_ALLOWED"
    assert reasons_of(school_id=school_id, level=level) == expected


@pytest.mark.parametrize(
    ("school_id", "spelling", "allowed"),
    [("HX01", "三级", True), ("HX01", "高級", True), ("HX01", "預備技師班", True),
     ("HX01", "四级", False), ("HX03", "五级", True), ("HX03", "初級工", True),
     ("HX03", "高级", False)],
)
def test_level_synonyms_meet_the_school_type_rule(school_id, spelling, allowed):
    expected = "" if allowed else "LEVEL_NOT_ALLOWED"
    assert reasons_of(school_id=school_id, level=spelling) == expected


@pytest.mark.parametrize("level", ["特级工", "", "技师"])
def test_a_level_that_is_none_of_the_four_is_not_allowed(level):
    assert reasons_of(level=level) == "LEVEL_NOT_ALLOWED"
    assert reasons_of(school="某某学校", level=level) == "UNKNOWN_SCHOOL;LEVEL_NOT_ALLOWED"


def test_level_of_an_unknown_school_is_not_judged():
    assert reasons_of(school="某某学校", level="初级工") == "UNKNOWN_SCHOOL"


# ---------------------------------------------------------------- other rules

@pytest.mark.parametrize("kind", ["短期培训", "短训", "短期", "培训", "职业培训", "短期 培训"])
def test_short_training(kind):
    assert reasons_of(education_kind=kind) == "SHORT_TRAINING"


@pytest.mark.parametrize("kind", ["", "学制教育", "学历教育", "學制教育", "全日制学制教育"])
def test_academic_education_or_blank_counts(kind):
    assert enrolled(education_kind=kind)["education_kind"] == "学制教育"


@pytest.mark.parametrize("group", ["其他人员", "", "社会人员", "学生"])
def test_unknown_target_group(group):
    assert reasons_of(target_group=group) == "UNKNOWN_TARGET_GROUP"


@pytest.mark.parametrize("status", ["毕业", "", "开除"])
def test_unknown_status(status):
    assert reasons_of(status=status) == "UNKNOWN_STATUS"


def test_gender_disagreeing_with_the_id_is_a_warning_not_a_reject():
    result = run_clean(submission([
        record(id_number=make_id(seq="121"), gender="女"),  # male number
        record(id_number=make_id(seq="132"), gender="女"),  # female number, agrees
        record(id_number=make_id(seq="143"), gender=""),
        record(id_number=make_id(seq="154"), gender="男性"),  # female number
    ]))
    assert states(result) == [CLEAN] * 4
    assert result.gender_mismatch_rows == 2
    assert result.enrollment["gender"].tolist() == ["男", "女", "男", "女"]


# ---------------------------------------------------------------- synonyms

SYNONYMS = {
    "target_group": {
        "应届初中毕业生": ["应届初中毕业生", "初中应届毕业生", "应届初中生", "应届初中",
                    "應屆初中畢業生", "应届 初中"],
        "往届初中毕业生": ["往届初中毕业生", "初中往届毕业生", "往届初中生", "往届初中",
                    "往屆初中畢業生"],
        "应届高中毕业生": ["应届高中毕业生", "高中应届毕业生", "应届高中生", "应届高中"],
        "往届高中毕业生": ["往届高中毕业生", "高中往届毕业生", "往届高中生", "往届高中"],
        "退役军人": ["退役军人", "退伍军人", "复员军人", "退役士兵", "退伍士兵", "退役軍人"],
        "下岗失业人员": ["下岗失业人员", "下岗职工", "失业人员", "下岗人员", "下岗失业",
                   "下崗失業人員"],
        "新生代农民工": ["新生代农民工", "农民工", "農民工"],
        "新型职业农民": ["新型职业农民", "职业农民", "職業農民"],
        "企业转岗转业人员": ["企业转岗转业人员", "企业职工", "转岗转业人员", "企业转岗人员",
                     "转岗职工"],
    },
    "level": {
        "初级工": ["初级工", "初级", "五级"],
        "中级工": ["中级工", "中级", "四级", "中級工"],
        "高级工": ["高级工", "高级", "三级"],
        "预备技师": ["预备技师", "预备技师班"],
    },
    "study_mode": {
        "全日制": ["全日制", "全日", " 全 日 制 "],
        "非全日制": ["非全日制", "业余", "半脱产", "非全日", "業餘"],
    },
    "class_type": {
        "普通班": ["普通班", "普通"],
        "订单班": ["订单班", "订单", "订单式", "訂單班"],
        "定向班": ["定向班", "定向"],
        "委托班": ["委托班", "委托", "委培班", "委托培养", "委託班"],
    },
    "education_kind": {
        "学制教育": ["学制教育", "学历教育", "学制", "全日制学制教育", ""],
    },
    "status": {
        "已注册": ["已注册", "注册", "在籍", "在校", "已註冊"],
        "待注册": ["待注册", "未注册", "待定"],
        "休学": ["休学", "已休学", "休學"],
        "退学": ["退学", "已退学", "退學"],
    },
}


def _synonym_cases():
    for fld, table in SYNONYMS.items():
        for canonical, spellings in table.items():
            for spelling in spellings:
                yield pytest.param(fld, spelling, canonical, id=f"{fld}:{spelling!r}")


@pytest.mark.parametrize(("field", "spelling", "canonical"), list(_synonym_cases()))
def test_enumerated_synonyms(field, spelling, canonical):
    school = "HX01" if canonical != "初级工" and canonical != "中级工" else "HX03"
    result = run_clean(submission([record(school, **{field: spelling})]))
    assert states(result) == [CLEAN]
    assert result.enrollment[field].iloc[0] == canonical


@pytest.mark.parametrize(
    ("spelling", "disabled"),
    [("是", True), ("Y", True), ("y", True), ("yes", True), ("ＹＥＳ", True), ("1", True),
     ("有", True), ("TRUE", True), ("残疾", True), ("残疾人", True), ("殘疾人", True),
     ("否", False), ("N", False), ("no", False), ("0", False), ("无", False), ("FALSE", False),
     ("非残疾人", False), ("不是", False), ("", False)],
)
def test_disabled_synonyms(spelling, disabled):
    assert bool(enrolled(disabled=spelling)["disabled"]) is disabled


@pytest.mark.parametrize("spelling", ["男", "男性", "M", "m", "male", "MALE", "Ｍ"])
def test_gender_synonyms_agree_with_a_male_number(spelling):
    result = run_clean(submission([record(gender=spelling)]))
    assert result.gender_mismatch_rows == 0


@pytest.mark.parametrize("spelling", ["女", "女性", "F", "f", "female", "ＦＥＭＡＬＥ"])
def test_gender_synonyms_disagree_with_a_male_number(spelling):
    result = run_clean(submission([record(gender=spelling)]))
    assert result.gender_mismatch_rows == 1


def test_every_configured_synonym_maps_to_its_canonical_value(cfg):
    lk = lookups()
    from pipeline.normalise import key_text

    for fld, table in cfg.synonyms.items():
        for canonical, variants in table.items():
            for v in (canonical, *variants):
                assert lk.enums[fld][key_text(v)] == canonical, (fld, v)


@pytest.mark.parametrize(("years", "expected"),
                         [("3", 3), ("3年", 3), ("３年制", 3), (" 2 ", 2), ("7", None),
                          ("0", None), ("三年", None), ("", None)])
def test_years(years, expected):
    got = enrolled(years=years)["years"]
    assert (None if pd.isna(got) else int(got)) == expected


# ---------------------------------------------------------------- several reasons

@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (dict(id_number=wrong_id(), school="某某学校", admission_date="九月五日", level="特级",
              education_kind="短训", target_group="其他", status="毕业"),
         "INVALID_ID;UNKNOWN_SCHOOL;BAD_DATE;LEVEL_NOT_ALLOWED;SHORT_TRAINING;"
         "UNKNOWN_TARGET_GROUP;UNKNOWN_STATUS"),
        (dict(id_number=make_id("20060101", "011"), admission_date="2019-08-31", level="初级工"),
         "OUT_OF_WINDOW;IMPLAUSIBLE_AGE;LEVEL_NOT_ALLOWED"),
        (dict(id_number="2.30102E+17", admission_date="2020-05-01", education_kind="培训"),
         "INVALID_ID;ID_AS_NUMBER;OUT_OF_WINDOW;SHORT_TRAINING"),
        (dict(school="某某学校", target_group=""), "UNKNOWN_SCHOOL;UNKNOWN_TARGET_GROUP"),
    ],
)
def test_several_reasons_joined_in_reasons_order(fields, expected):
    state, reasons = one(**fields)
    assert state == "quarantined" and reasons == expected
    codes = reasons.split(";")
    assert codes == sorted(codes, key=REASONS.index)


# ---------------------------------------------------------------- majors

def test_unknown_majors_are_kept_under_other_and_listed():
    result = run_clean(submission([
        record(id_number=make_id(seq="011"), major="咖啡制作"),
        record(id_number=make_id(seq="021"), major="咖啡 制作"),
        record(id_number=make_id(seq="031"), major="数控"),  # alias
        record(id_number=make_id(seq="041"), major="數控加工"),  # Traditional
        record(id_number=make_id(seq="051"), major="汽车维修"),  # known, industry 其他
        record(id_number=make_id(seq="061"), major=""),
        record(id_number=make_id(seq="071"), major="宠物美容", admission_date="九月"),
    ]))
    enr = result.enrollment
    assert enr["major"].tolist() == ["咖啡制作", "咖啡制作", "数控加工", "数控加工", "汽车维修",
                                     "（未填写）"]
    assert enr["industry"].tolist() == ["其他", "其他", "先进装备制造", "先进装备制造", "其他",
                                        "其他"]
    assert enr["major_known"].tolist() == [False, False, True, True, True, False]
    # only clean rows are listed; 宠物美容 is quarantined
    assert result.unmapped_majors.to_dict("records") == [
        {"major": "咖啡制作", "rows": 2}, {"major": "（未填写）", "rows": 1}]


# ---------------------------------------------------------------- deduplication

def test_later_folder_supersedes_the_earlier_row():
    result = run_clean(
        submission([record(status="待注册")], folder="2019-10"),
        submission([record(status="已注册", admission_date="2019-09-06")], folder="2019-11"),
    )
    assert states(result) == [("superseded", ""), CLEAN]
    assert result.enrollment["status"].tolist() == ["已注册"]
    assert result.enrollment["folder"].tolist() == ["2019-11"]
    assert result.quarantine.empty


def test_later_bad_row_is_quarantined_and_the_earlier_still_superseded():
    result = run_clean(
        submission([record()], folder="2019-10"),
        submission([record(admission_date="九月五日")], folder="2019-11"),
    )
    assert states(result) == [("superseded", ""), ("quarantined", "BAD_DATE")]
    assert result.enrollment.empty


def test_resubmission_resolves_an_earlier_quarantined_row():
    result = run_clean(
        submission([record(admission_date="2019-13-45"), record(id_number=make_id(seq="222"),
                                                                 level="初级工")],
                   folder="2019-10"),
        submission([record(admission_date="2019-09-15")], folder="2019-11"),
    )
    assert states(result) == [("superseded", ""), ("quarantined", "LEVEL_NOT_ALLOWED"), CLEAN]
    assert result.quarantine["reasons"].tolist() == ["LEVEL_NOT_ALLOWED"]


def test_within_a_folder_the_later_file_sheet_and_row_win():
    later_row = [record(admission_date="2019-09-02"), record(admission_date="2019-09-03")]
    result = run_clean(
        submission(later_row, file="a.xlsx", sheet="Sheet1"),
        submission([record(admission_date="2019-09-04")], file="a.xlsx", sheet="Sheet2"),
        submission([record(admission_date="2019-09-05")], file="b.csv"),
    )
    assert [s for s, _ in states(result)] == ["superseded"] * 3 + ["clean"]
    assert result.enrollment["source_file"].tolist() == ["2019-10/b.csv"]


def test_same_school_by_alias_is_the_same_school():
    result = run_clean(submission([record(school="松北技师学院"),
                                   record(school="哈爾濱市松北技師學院")]))
    assert states(result) == [("superseded", ""), CLEAN]


def test_invalid_id_rows_are_matched_on_the_normalised_text():
    bad = wrong_id()
    spaced = "".join(chr(ord(c) + 0xFEE0) for c in bad[:6]) + " " + bad[6:14] + "　" + bad[14:]
    result = run_clean(
        submission([record(id_number=spaced), record(id_number="12345"),
                    record(id_number="")], folder="2019-10"),
        submission([record(id_number=bad, major="咖啡制作"), record(id_number="12346"),
                    record(id_number="")], folder="2019-11"),
    )
    # Invalid IDs match on the normalised text together with the (same) name: an empty ID
    # and the same name too.
    assert states(result) == [
        ("superseded", ""), ("quarantined", "INVALID_ID"), ("superseded", ""),
        ("quarantined", "INVALID_ID"), ("quarantined", "INVALID_ID"),
        ("quarantined", "INVALID_ID"),
    ]
    assert result.quarantine["major"].tolist()[1] == "咖啡制作"  # the later submission


def test_unknown_school_rows_are_matched_on_the_normalised_school_text():
    result = run_clean(
        submission([record(school="哈爾濱市 某某學校"), record(school="哈尔滨市另一学校")],
                   folder="2019-10"),
        submission([record(school="哈尔滨市某某学校"), record(school="哈尔滨市第三学校")],
                   folder="2019-11"),
    )
    assert states(result) == [("superseded", ""), ("quarantined", "UNKNOWN_SCHOOL"),
                              ("quarantined", "UNKNOWN_SCHOOL"),
                              ("quarantined", "UNKNOWN_SCHOOL")]


def test_unknown_school_and_known_school_rows_of_one_student_do_not_match():
    result = run_clean(submission([record(school="某某学校"), record()]))
    assert states(result) == [("quarantined", "UNKNOWN_SCHOOL"), CLEAN]


# ---------------------------------------------------------------- cross-school duplicates

def pair(first: dict, second: dict) -> list[tuple]:
    """Two submissions of one student by HX01 (folder 2019-10) then HX02 (2019-11)."""
    result = run_clean(
        submission([record("HX01", **first)], folder="2019-10", file="HX01.csv"),
        submission([record("HX02", **second)], folder="2019-11", file="HX02.csv"),
    )
    rec = result.records
    winners = [None if pd.isna(w) else w for w in rec["winner_school_id"]]
    return list(zip(rec["state"], rec["reasons"], winners, strict=True))


LOST_TO_HX01 = ("quarantined", "CROSS_SCHOOL_DUPLICATE", "HX01")
LOST_TO_HX02 = ("quarantined", "CROSS_SCHOOL_DUPLICATE", "HX02")
WON = ("clean", "", None)


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        # registered wins over earlier admission and earlier submission
        (dict(status="待注册"), dict(status="已注册", admission_date="2019-10-01"),
         [LOST_TO_HX02, WON]),
        (dict(status="已注册", admission_date="2019-10-01"), dict(status="待注册"),
         [WON, LOST_TO_HX01]),
        (dict(status="待注册"), dict(status="休学", admission_date="2019-10-01"),
         [LOST_TO_HX02, WON]),
        (dict(status="待注册"), dict(status="退学", admission_date="2019-10-01"),
         [LOST_TO_HX02, WON]),
        # both registered: the earlier admission, whoever sent it later
        (dict(admission_date="2019-10-01"), dict(admission_date="2019-09-05"),
         [LOST_TO_HX02, WON]),
        (dict(admission_date="2019-09-05"), dict(admission_date="2019-10-01"),
         [WON, LOST_TO_HX01]),
        # both not registered: the earlier admission
        (dict(status="待注册", admission_date="2019-09-20"),
         dict(status="待注册", admission_date="2019-09-10"), [LOST_TO_HX02, WON]),
        # same status and date: the earlier submission
        (dict(), dict(), [WON, LOST_TO_HX01]),
        # a 15-digit number and its 18-digit form are one student
        (dict(id_number="230102900101123"), dict(), [WON, LOST_TO_HX01]),
    ],
)
def test_cross_school_winner(first, second, expected):
    assert pair(first, second) == expected


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        (dict(), dict(admission_date="2019-08-31"),
         [WON, ("quarantined", "OUT_OF_WINDOW", None)]),
        (dict(level="初级工"), dict(), [("quarantined", "LEVEL_NOT_ALLOWED", None), WON]),
        (dict(status="毕业"), dict(status="待注册"),
         [("quarantined", "UNKNOWN_STATUS", None), WON]),
    ],
)
def test_a_row_with_another_reason_is_not_a_cross_school_duplicate(first, second, expected):
    assert pair(first, second) == expected


def test_superseded_rows_take_no_part_in_cross_school_duplicates():
    result = run_clean(
        submission([record("HX01")], folder="2019-10", file="HX01.csv"),
        submission([record("HX02", admission_date="2019-09-01")], folder="2019-10",
                   file="HX02.csv"),
        submission([record("HX02", admission_date="九月一日")], folder="2019-11",
                   file="HX02.csv"),
    )
    assert states(result) == [CLEAN, ("superseded", ""), ("quarantined", "BAD_DATE")]


def test_losing_school_wins_once_the_winner_resubmits_a_bad_row():
    first = run_clean(
        submission([record("HX01")], folder="2019-10", file="HX01.csv"),
        submission([record("HX02", admission_date="2019-10-01")], folder="2019-10",
                   file="HX02.csv"),
    )
    assert states(first) == [CLEAN, ("quarantined", "CROSS_SCHOOL_DUPLICATE")]
    second = run_clean(
        submission([record("HX01")], folder="2019-10", file="HX01.csv"),
        submission([record("HX02", admission_date="2019-10-01")], folder="2019-10",
                   file="HX02.csv"),
        submission([record("HX01", admission_date="2019-13-01")], folder="2019-11",
                   file="HX01.csv"),
    )
    assert states(second) == [("superseded", ""), CLEAN, ("quarantined", "BAD_DATE")]


def test_three_schools_one_winner():
    result = run_clean(
        submission([record("HX03", status="待注册")], folder="2019-10", file="HX03.csv"),
        submission([record("HX02", admission_date="2019-09-10")], folder="2019-10",
                   file="HX02.csv"),
        submission([record("HX01", admission_date="2019-09-20")], folder="2019-10",
                   file="HX01.csv"),
    )
    rec = result.records
    assert rec["state"].tolist() == ["quarantined", "clean", "quarantined"]
    assert rec["winner_school_id"].tolist() == ["HX02", None, "HX02"]
    assert result.quarantine["winner_school_id"].tolist() == ["HX02", "HX02"]
    assert result.quarantine["school_id"].tolist() == ["HX03", "HX01"]


# ---------------------------------------------------------------- reconciliation

def test_reconciliation_per_file_adds_up_with_known_counts():
    hx01_oct = [record(id_number=make_id(seq=f"{i:02d}1")) for i in range(4)]
    hx01_oct.append(record(id_number="12345"))
    hx01_nov = [record(id_number=make_id(seq="001")),  # supersedes Oct row 0
                record(id_number="12345", admission_date="2019-09-09"),  # supersedes, still bad
                record(id_number=make_id(seq="991"), admission_date="2019-08-01")]
    hx02_nov = [record("HX02", id_number=make_id(seq="011"), admission_date="2019-10-01"),
                record("HX02", school="某学校", id_number=make_id(seq="881"))]
    files = pd.DataFrame({
        "source_file": ["2019-10/HX01.csv", "2019-11/HX01.csv", "2019-11/HX02.csv",
                        "2019-11/empty.csv"],
        "skipped_lines": [3, 0, 2, 5],
    })
    result = run_clean(
        submission(hx01_oct, folder="2019-10", file="HX01.csv"),
        submission(hx01_nov, folder="2019-11", file="HX01.csv"),
        submission(hx02_nov, folder="2019-11", file="HX02.csv"),
        files=files,
    )
    recon = result.reconciliation.set_index("source_file")
    cols = ["raw_rows", "clean_rows", "quarantined_rows", "superseded_rows", "skipped_lines"]
    assert recon.loc["2019-10/HX01.csv", cols].tolist() == [5, 3, 0, 2, 3]
    assert recon.loc["2019-11/HX01.csv", cols].tolist() == [3, 1, 2, 0, 0]
    assert recon.loc["2019-11/HX02.csv", cols].tolist() == [2, 0, 2, 0, 2]
    assert recon.loc["2019-11/empty.csv", cols].tolist() == [0, 0, 0, 0, 5]
    assert (recon["raw_rows"] == recon["clean_rows"] + recon["quarantined_rows"]
            + recon["superseded_rows"]).all()
    q = result.quarantine
    unknown = q[(q["source_file"] == "2019-11/HX02.csv") & (q["source_row"] == 3)]
    assert unknown["school_id"].tolist() == ["HX02"]  # the school that sent the file


def test_stage_orders_files_sheets_and_rows_within_a_folder(tmp_path):
    ctx = make_context(tmp_path, "2019-10")
    folder = ctx.raw_dir / "2019-10"
    s1, s2 = make_id(seq="101"), make_id(seq="202")

    def line(number, date):
        return roster_line(record(id_number=number, admission_date=date))

    write_csv(folder / "b.csv", [TIDY_HEADER, line(s1, "2019-09-04")])
    write_xlsx(folder / "a.xlsx", {
        "Sheet1": [TIDY_HEADER, line(s1, "2019-09-01"), line(s2, "2019-09-01"),
                   line(s1, "2019-09-02")],
        "Sheet2": [TIDY_HEADER, line(s1, "2019-09-03"), line(s2, "2019-09-02")],
    })
    raw, files, _ = ingest_all(ctx.raw_dir, ctx.period, reader())
    assert list(zip(raw["source_file"], raw["sheet"], raw["source_row"], strict=True)) == [
        ("2019-10/a.xlsx", "Sheet1", 2), ("2019-10/a.xlsx", "Sheet1", 3),
        ("2019-10/a.xlsx", "Sheet1", 4), ("2019-10/a.xlsx", "Sheet2", 2),
        ("2019-10/a.xlsx", "Sheet2", 3), ("2019-10/b.csv", "", 2)]
    summary = clean_stage(ctx)
    assert (summary["raw_rows"], summary["clean_rows"], summary["superseded_rows"]) == (6, 2, 4)
    enr = pd.read_parquet(ctx.period_processed / "enrollment.parquet")
    got = sorted(zip(enr["source_file"], enr["sheet"], enr["source_row"],
                     enr["admission_date"].dt.day, strict=True))
    assert got == [("2019-10/a.xlsx", "Sheet2", 3, 2), ("2019-10/b.csv", "", 2, 4)]


# ---------------------------------------------------------------- property test

ID_POOL = [make_id(seq=f"{i}{i}1") for i in range(4)] + [
    "230102900101003",  # 15-digit legacy
    make_id("19900101", "777")[:-1] + "0",  # wrong check
    "2.30102E+17", "", "12345",
]
SCHOOL_POOL = [SCHOOL_NAME["HX01"], "松北技师学院", SCHOOL_NAME["HX02"], SCHOOL_NAME["HX03"],
               "哈尔滨市某某学校", "哈爾濱市 某某學校"]
DATE_POOL = ["2019-09-05", "2019/10/20", "20191021", "43770", "九月五日", "2019-08-31",
             "2020-05-01", "2020-04-30", ""]
LEVEL_POOL = ["高级工", "中级工", "初级工", "特级"]
STATUS_POOL = ["已注册", "待注册", "退学", "毕业"]
FOLDERS = ["2019-10", "2019-11", "2019-12"]

row_strategy = st.fixed_dictionaries({
    "id_number": st.sampled_from(ID_POOL),
    "school": st.sampled_from(SCHOOL_POOL),
    "admission_date": st.sampled_from(DATE_POOL),
    "level": st.sampled_from(LEVEL_POOL),
    "status": st.sampled_from(STATUS_POOL),
    "target_group": st.sampled_from(["退役军人", "应届初中", "其他"]),
    "education_kind": st.sampled_from(["", "学制教育", "短训"]),
})
file_strategy = st.tuples(st.sampled_from(FOLDERS), st.sampled_from(["a.csv", "b.xlsx"]),
                          st.lists(row_strategy, min_size=0, max_size=8))


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(file_strategy, min_size=1, max_size=5))
def test_every_row_ends_in_exactly_one_state(files):
    files = sorted(files, key=lambda f: (f[0], f[1]))  # submission order, as ingest gives it
    subs = [submission([record(**r) for r in rows], folder=folder, file=name)
            for folder, name, rows in files]
    from conftest import raw_frame

    raw = raw_frame(*subs)
    result = clean_frame(raw)
    rec = result.records
    assert len(rec) == len(raw)
    assert set(rec["state"]) <= {"clean", "quarantined", "superseded"}
    q = rec["state"] == "quarantined"
    assert (rec.loc[q, "reasons"] != "").all()
    assert (rec.loc[~q, "reasons"] == "").all()
    assert len(result.enrollment) == int((rec["state"] == "clean").sum())
    assert len(result.quarantine) == int(q.sum())
    recon = result.reconciliation
    assert (recon["raw_rows"] == recon["clean_rows"] + recon["quarantined_rows"]
            + recon["superseded_rows"]).all()
    assert int(recon["raw_rows"].sum()) == len(raw)
    per_file = raw.groupby("source_file").size()
    assert recon.set_index("source_file")["raw_rows"].to_dict() == per_file.to_dict()
    enr = result.enrollment
    assert not enr.duplicated(["school_id", "student_key"]).any()
    assert enr["student_key"].is_unique  # across schools too
    assert enr["school_id"].notna().all()
    for codes in rec.loc[q, "reasons"]:
        parts = codes.split(";")
        assert parts == sorted(set(parts), key=REASONS.index)
    # the last row of each (school, student) stands; every earlier one is superseded
    assert (rec["state"] == "superseded").sum() <= len(raw) - rec["student_key"].nunique()
    crossed = rec["reasons"].str.contains("CROSS_SCHOOL_DUPLICATE")
    assert (rec.loc[crossed, "reasons"] == "CROSS_SCHOOL_DUPLICATE").all()
    assert set(rec.loc[crossed, "winner_school_id"]) <= set(enr["school_id"])


# ---------------------------------------------------------------- configuration and big paths

def test_age_range_and_intake_cutoff_come_from_configuration():
    from dataclasses import replace

    cfg = replace(config(), age_min=16, age_max=40, intake_cutoff=dt.date(2019, 10, 31))
    raw = raw_frame_of([
        record(id_number=make_id("20030906", "011")),  # 15 on 2019-09-05
        record(id_number=make_id("20030905", "021")),  # 16
        record(id_number=make_id("19790905", "031")),  # 40
        record(id_number=make_id("19780905", "041")),  # 41
        record(id_number=make_id("19900101", "051"), admission_date="2019-10-31"),
    ])
    result = clean_frame(raw, cfg=cfg)
    assert [r for _, r in states(result)] == ["IMPLAUSIBLE_AGE", "", "", "IMPLAUSIBLE_AGE", ""]
    assert result.enrollment["intake"].tolist() == ["2019秋季"] * 3


def raw_frame_of(records: list[dict]) -> pd.DataFrame:
    from conftest import raw_frame

    return raw_frame(submission(records))


def test_vectorised_reason_join_matches_the_row_path():
    import numpy as np

    from pipeline.dedup import _join_codes

    flags = np.zeros((4, len(REASONS)), dtype=bool)
    flags[1, [0, 1]] = True
    flags[2, [2, 3, 8, 9]] = True
    flags[3, len(REASONS) - 1] = True
    got = _join_codes(flags, pd.RangeIndex(4))
    assert got.tolist() == ["", "INVALID_ID;ID_AS_NUMBER",
                            "UNKNOWN_SCHOOL;BAD_DATE;SHORT_TRAINING;UNKNOWN_TARGET_GROUP",
                            "CROSS_SCHOOL_DUPLICATE"]


def test_vectorised_level_rule_matches_the_row_path():
    from pipeline.clean import _pairs_in

    allowed = {("技师学院", "高级工"), ("技工学校", "初级工")}
    got = _pairs_in(pd.Series(["技师学院", "技师学院", None, "技工学校"]),
                    pd.Series(["高级工", "初级工", "高级工", None]), allowed)
    assert got.tolist() == [True, False, False, False]
