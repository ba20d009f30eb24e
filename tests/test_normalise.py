"""Known answers of pipeline.normalise: dates, ID numbers, masking, ages, matching keys."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from conftest import check_char, make_id, wrong_check
from hypothesis import example, given, settings
from hypothesis import strategies as st

from pipeline.normalise import (
    build_lookup,
    check_ids,
    completed_years,
    key_text,
    map_enum,
    mask_text,
    normalise_id,
    parse_date_text,
    parse_dates,
)

WINDOW_END = dt.date(2020, 4, 30)
SEP5 = dt.date(2019, 9, 5)


def ids_checked(*texts: str) -> pd.DataFrame:
    return check_ids(normalise_id(pd.Series(list(texts), dtype=object)), WINDOW_END)


# ---------------------------------------------------------------- dates

@pytest.mark.parametrize(
    "text",
    [
        "2019年9月5日",
        "2019年09月05日",
        "2019 年 9 月 5 日",
        "2019/9/5",
        "2019/09/05",
        "2019.9.5",
        "20190905",
        "2019-09-05",
        "2019-9-5",
        " 2019-09-05 ",
        "43713",  # Excel serial: 1899-12-30 + 43713 days
        "43713.0",
        "43713.00",
        "２０１９年９月５日",  # full-width digits
        "２０１９－０９－０５",
        "２０１９．９．５",
        "２０１９０９０５",
        "４３７１３",
        "2019-09-05 08:30",
        "2019-09-05 08:30:15",
        "2019-09-05T08:30:00",
        "2019/9/5 8:30:00",
        "2019年9月5日 08:30",
    ],
)
def test_every_date_spelling_reads_as_5_september_2019(text):
    assert parse_date_text(text) == SEP5


def test_excel_serial_epoch_is_30_december_1899():
    # 43713 = days from 1899-12-30 to 2019-09-05, counted by hand: (2019-09-05) - (1899-12-30)
    assert (SEP5 - dt.date(1899, 12, 30)).days == 43713
    assert parse_date_text("43831") == dt.date(2020, 1, 1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("36526", dt.date(2000, 1, 1)),  # first serial inside 2000–2030
        ("47848", dt.date(2030, 12, 31)),  # last serial inside 2000–2030
        ("36525", None),  # 1999-12-31: outside, not a date
        ("47849", None),  # 2031-01-01: outside
        ("1", None),
        ("100000", None),
        ("25569", None),  # 1970-01-01
    ],
)
def test_serial_numbers_only_inside_2000_2030(text, expected):
    assert parse_date_text(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "九月五日",  # no year: never guessed
        "9月5日",
        "2019年9月",  # no day
        "2019-13-45",  # impossible
        "2019-02-30",
        "2019-00-10",
        "2019-09-00",
        "20191345",
        "19/9/5",  # two-digit year
        "5/9/2019",  # day first: never guessed
        "2019-9-5-1",
        "abc",
        "待定",
        "",
        "   ",
        "43713.5.1",
    ],
)
def test_bad_dates_are_none(text):
    assert parse_date_text(text) is None


def test_excel_serial_with_time_fraction_is_a_date():
    assert parse_date_text("43713.5") == SEP5


def test_parse_dates_vector_gives_nat_for_bad():
    got = parse_dates(pd.Series(["2019/9/5", "九月五日", "", "43713", "2019-02-30"]))
    assert str(got.dtype).startswith("datetime64")
    assert got.isna().tolist() == [False, True, True, False, True]
    assert got[0] == pd.Timestamp(SEP5) and got[3] == pd.Timestamp(SEP5)


# ---------------------------------------------------------------- ID numbers

def test_own_check_digit_helper_against_the_standard_example():
    # GB 11643 example 11010519491231002X, check computed by hand:
    # 1·7+1·9+0·10+1·5+0·8+5·4+1·2+9·1+4·6+9·3+1·7+2·9+3·10+1·5+0·8+0·4+2·2 = 167;
    # 167 mod 11 = 2 → 'X'.
    assert check_char("11010519491231002") == "X"


@pytest.mark.parametrize(
    "text",
    ["11010519491231002X", "11010519491231002x", "１１０１０５１９４９１２３１００２Ｘ",
     "110105 19491231 002x", " 110105　1949 1231 002X ", "'11010519491231002X",
     "１１０１０５ １９４９１２３１ ００２ｘ", "11010519491231002Ⅹ"],  # Roman numeral Ⅹ
)
def test_valid_id_with_x_in_any_spelling(text):
    got = ids_checked(text).iloc[0]
    assert bool(got["id_valid"])
    assert got["id18"] == "11010519491231002X"
    assert got["birth_date"] == pd.Timestamp(1949, 12, 31)
    assert got["gender_from_id"] == "女"  # 17th digit 2: even
    assert not bool(got["id_as_number"])


def test_gender_and_birth_date_come_from_the_number():
    male, female = make_id("20010203", "011"), make_id("19851111", "024")
    got = ids_checked(male, female)
    assert got["gender_from_id"].tolist() == ["男", "女"]
    assert got["birth_date"].tolist() == [pd.Timestamp(2001, 2, 3), pd.Timestamp(1985, 11, 11)]


@pytest.mark.parametrize(
    ("label", "text"),
    [
        ("wrong check digit", "110105194912310021"),
        ("wrong check digit (helper)", wrong_check(make_id())),
        ("month 13", make_id("19901301")),
        ("30 February", make_id("19900230")),
        ("day 00", make_id("19900100")),
        ("born after the window", make_id("20200501")),
        ("province 99", make_id(area="990102")),
        ("province 10", make_id(area="100102")),
        ("province 24", make_id(area="240102")),
        ("province 00", make_id(area="000102")),
        ("17 digits", make_id()[:17]),
        ("19 characters", make_id() + "1"),
        ("letter inside", "2301021990010A123X"),
        ("X not last", "23010219900101X234"),
        ("empty", ""),
        ("16 digits", "2301021990010112"),
    ],
)
def test_invalid_ids(label, text):
    got = ids_checked(text).iloc[0]
    assert not bool(got["id_valid"]), label
    assert pd.isna(got["id18"])
    assert pd.isna(got["birth_date"]) and pd.isna(got["gender_from_id"])


@pytest.mark.parametrize("province", ["11", "15", "23", "46", "54", "65", "71", "81", "82", "83"])
def test_every_kind_of_province_prefix_is_accepted(province):
    assert bool(ids_checked(make_id(area=province + "0102")).iloc[0]["id_valid"])


@pytest.mark.parametrize("county", ["230109", "230111", "230112", "230199", "230000"])
def test_county_codes_are_never_a_reason_to_reject(county):
    # 松北区 230109, 呼兰区 230111, 阿城区 230112 (2004–2006, rejected by strict county
    # tables), and a made-up county 230199: a correct check digit makes them valid.
    number = make_id("19950607", "318", area=county)
    got = ids_checked(number).iloc[0]
    assert bool(got["id_valid"]) and got["id18"] == number


def test_hard_coded_harbin_numbers_are_valid():
    # check digits from check_char, re-verified by hand for the first one:
    # 2·7+3·9+0·10+1·5+0·8+9·4+1·2+9·1+9·6+5·3+0·7+6·9+0·10+7·5+3·8+1·4+8·2 = 295,
    # 295 mod 11 = 9 → '3'
    assert check_char("23010919950607318") == "3"
    got = ids_checked("230109199506073183")
    assert bool(got.iloc[0]["id_valid"])


def test_15_digit_legacy_number_is_converted_and_kept():
    # 230102 850315 123 → 230102 19 850315 123 + check.
    # By hand: 2·7+3·9+0·10+1·5+0·8+2·4+1·2+9·1+8·6+5·3+0·7+3·9+1·10+5·5+1·8+2·4+3·2 = 212,
    # 212 mod 11 = 3 → check '9'.
    got = ids_checked("230102850315123", "２３０１０２８５０３１５１２４").iloc[:2]
    assert got["id18"].tolist() == ["230102198503151239", make_id("19850315", "124")]
    assert got["id_valid"].tolist() == [True, True]
    assert got.iloc[0]["birth_date"] == pd.Timestamp(1985, 3, 15)
    assert got["gender_from_id"].tolist() == ["男", "女"]


def test_id_value_is_one_integer_per_person():
    got = ids_checked("230102850315123", "230102198503151239", "11010519491231002X",
                      "110105194912310021", "")
    assert got["id_value"].tolist() == [
        23010219850315123 * 11 + 9, 23010219850315123 * 11 + 9,
        11010519491231002 * 11 + 10, -1, -1]


@pytest.mark.parametrize("text", ["230102851315123", "990102850315123", "230102850230123"])
def test_15_digit_numbers_with_bad_date_or_province_are_invalid(text):
    assert not bool(ids_checked(text).iloc[0]["id_valid"])


@pytest.mark.parametrize("text", ["2.30102E+17", "2.30102e+17", "2.301021990010E+17",
                                  "２．３０１０２Ｅ＋１７", "2E+17"])
def test_scientific_notation_is_flagged(text):
    got = ids_checked(text).iloc[0]
    assert bool(got["id_as_number"]) and not bool(got["id_valid"])


def test_plain_digits_are_not_scientific_notation():
    got = ids_checked(make_id(), "12345", "230102199001011000")
    assert got["id_as_number"].tolist() == [False, False, False]


def test_normalise_id_text():
    got = normalise_id(pd.Series(["２３０１０２ １９９０　0101 123x", "'230102199001011234", " "]))
    assert got.tolist() == ["23010219900101123X", "230102199001011234", ""]


def test_mask_format():
    texts = ["23010219900101123X", "230102198503151239", "12345", "", "230102850315123",
             "13912345678", "张三", "待补", "2.30102E+17", "X" * 20]
    assert [mask_text(t) for t in texts] == [
        "230102********123X", "230102********1239", "****（1–5位）", "", "230102*****5123",
        "****（11–14位）", "****（1–5位）", "****（1–5位）", "****（11–14位）", "****（19+位）"]
    got = ids_checked(*texts[:4], None)["id_masked"].tolist()
    assert got == ["230102********123X", "230102********1239", "****（1–5位）", "", ""]


# ---------------------------------------------------------------- ages

@pytest.mark.parametrize(
    ("birth", "on", "age"),
    [
        ("2005-09-05", "2019-09-04", 13),  # the day before the 14th birthday
        ("2005-09-05", "2019-09-05", 14),  # on the birthday
        ("2005-09-05", "2019-09-06", 14),
        ("1959-09-05", "2019-09-05", 60),
        ("1958-09-06", "2019-09-05", 60),
        ("1958-09-05", "2019-09-05", 61),
        ("2000-02-29", "2019-02-28", 18),  # leap-day birthday not reached yet
        ("2000-02-29", "2019-03-01", 19),
        ("1990-12-31", "2020-01-01", 29),
    ],
)
def test_completed_years(birth, on, age):
    got = completed_years(pd.Series(pd.to_datetime([birth])), pd.Series(pd.to_datetime([on])))
    assert int(got.iloc[0]) == age


def test_completed_years_na_when_a_date_is_missing():
    got = completed_years(pd.Series(pd.to_datetime(["1990-01-01", None])),
                          pd.Series(pd.to_datetime([None, "2019-09-05"])))
    assert got.isna().tolist() == [True, True]


# ---------------------------------------------------------------- matching keys

def test_key_text_normalises_script_width_spaces_and_case():
    assert key_text(" 哈爾濱市 松北技師學院　") == "哈尔滨市松北技师学院"
    assert key_text("ｙｅｓ") == "YES"
    assert key_text("Ｍａｌｅ") == "MALE"


def test_map_enum_with_synonyms():
    lookup = build_lookup({"是": ["Y", "1", "有"], "否": ["N", "0"]})
    got = map_enum(pd.Series(["y", "Ｙ", " 1 ", "有", "n", "否", "", "也许"]), lookup)
    assert got.fillna("<NA>").tolist() == ["是", "是", "是", "是", "否", "否", "<NA>", "<NA>"]


# ---------------------------------------------------------------- vectorised = row by row

def test_masks_from_bytes_equal_the_row_by_row_mask():
    texts = [make_id("19900101", "123"), "230102850315123", "230102851315123",
             "11010519491231002X", "110105194912310021", "2.30102E+17", "12345", "", "X" * 20,
             "２３０１０２"]
    got = ids_checked(*texts)
    key = got["id18"].fillna(normalise_id(pd.Series(texts, dtype=object)))
    assert got["id_masked"].tolist() == [mask_text(k) for k in key]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet="0123456789", min_size=8, max_size=8), min_size=1,
                max_size=40))
@example(["00000101", "20000229", "19000229", "20190431", "20191301", "20190100"])
def test_ymd_dates_agree_with_the_calendar(texts):
    from pipeline.normalise import _ymd_dates

    digits = np.array([[int(c) for c in t] for t in texts], dtype=np.uint8)
    dates, ok = _ymd_dates(digits)
    for text, date, good in zip(texts, dates, ok, strict=True):
        try:
            expected = dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
        except ValueError:
            expected = None
        assert bool(good) == (expected is not None), text
        if expected is not None:
            assert date == np.datetime64(expected), text


def test_chunked_checks_equal_the_whole(monkeypatch):
    import pipeline.normalise as normalise

    texts = [make_id("19900101", "123"), "230102850315123", wrong_check(make_id()),
             "11010519491231002X", "2.30102E+17", "", make_id("20010203", "011"),
             "990102199001011234", make_id("19851111", "024")]
    whole = ids_checked(*texts)
    monkeypatch.setattr(normalise, "CHUNK_ROWS", 2)
    pd.testing.assert_frame_equal(ids_checked(*texts), whole)


def test_digits_of_other_scripts_never_make_an_id():
    """Python's \\d also matches Arabic-Indic or Devanagari digits; an ID is ASCII digits
    (after NFKC, which turns full-width digits into ASCII and leaves these as they are)."""
    arabic = "".join(chr(0x0660 + int(c)) for c in make_id()[:17]) + "1"
    devanagari = "".join(chr(0x0966 + int(c)) for c in "230102850315123")
    got = ids_checked(arabic, devanagari, make_id())
    assert got["id_valid"].tolist() == [False, False, True]
    assert got["id_as_number"].tolist() == [False, False, False]
