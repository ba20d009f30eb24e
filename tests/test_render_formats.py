"""Known answers of pipeline.render.formats: how a figure reads in every document."""

from __future__ import annotations

import math

import pytest

from pipeline.render.formats import (
    fmt_dec,
    fmt_g,
    fmt_int,
    fmt_num,
    fmt_pct,
    fmt_signed,
    format_cell,
    num,
    rate,
    short,
    whole,
    zero_if_missing,
)


@pytest.mark.parametrize(("val", "text"), [
    (3555, "3,555"), (3555.4, "3,555"), (3555.5, "3,556"), ("<5", "<5"), (None, ""),
    (math.nan, ""), (0, "0"),
])
def test_fmt_int(val, text) -> None:
    assert fmt_int(val) == text


@pytest.mark.parametrize(("val", "text"), [
    (175, "+175"), (-12, "−12"), (0, "0"), (1234567, "+1,234,567"), (None, ""),
])
def test_fmt_signed_uses_a_true_minus(val, text) -> None:
    assert fmt_signed(val) == text


def test_fmt_pct_dec_num_g() -> None:
    assert fmt_pct(0.8124) == "81.2%"
    assert fmt_pct(0.884615, 2) == "88.46%"
    assert fmt_pct("×") == "×" and fmt_pct(None) == ""
    assert fmt_dec(0.7787714) == "0.7788" and fmt_dec(0.5, 2) == "0.50" and fmt_dec(None) == ""
    assert fmt_num(2032778.28333, 4) == "2,032,778.2833" and fmt_num(268.33, 1) == "268.3"
    assert fmt_g(0.3) == "0.3" and fmt_g(3.0) == "3" and fmt_g(None) == "0"


@pytest.mark.parametrize(("val", "kind", "text"), [
    ("哈尔滨", "int", "哈尔滨"), (None, "int", ""), (True, "int", "✓"), (False, "text", "✗"),
    (1200, "int", "1,200"), (0.9583, "pct", "95.8%"), (0.7787714, "dec", "0.7788"),
    (3.0, "dec2", "3.00"), (-4, "signed", "−4"), (7, "text", "7"),
])
def test_format_cell_by_kind(val, kind, text) -> None:
    assert format_cell(val, kind) == text


def test_numbers_from_cells() -> None:
    assert num("1.5") == 1.5 and num("") is None and num(math.nan) is None and num("x") is None
    assert whole(2.5) == 2 and whole(3.5) == 4 and whole(None) is None
    assert zero_if_missing(None) == 0.0 and zero_if_missing("0.25") == 0.25
    assert rate(3, 4) == 0.75 and rate(3, 0) == 0.0


def test_short_labels() -> None:
    assert short("哈尔滨市交通技师学院") == "哈尔滨市交通技师学院"
    assert short("一二三四五六七八九十一二三四五六七") == "一二三四五六七八九十一二三四五…"
