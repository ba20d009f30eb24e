"""pipeline.render.charts: which charts the bulletin gets, and that a chart is the same PNG
every time it is drawn."""

from __future__ import annotations

import base64

import matplotlib
from conftest import PERIOD_FIXTURE

from pipeline.render import charts
from pipeline.render.fonts import find_cjk_font
from pipeline.render.inputs import load_stage_files
from pipeline.render.labels import Labels

DATA = load_stage_files(PERIOD_FIXTURE)
ZH = Labels.for_data(DATA, "zh-CN")


def test_bulletin_charts_leave_out_sensitive_dimensions() -> None:
    font = find_cjk_font()
    got = charts.bulletin_charts(DATA, ZH, ("disabled",), font)
    assert [c["key"] for c in got] == ["progress", "schools", "intake", "target_group",
                                       "industry"]
    # Numbered in the order the bulletin prints them.
    assert got[0]["title"] == got[0]["alt"] == "图1 累计计入人数与目标轨迹"
    assert got[3]["title"] == "图4 计入人员按招收对象"
    assert all(c["src"].startswith("data:image/png;base64,iVBOR") for c in got)
    hidden = charts.bulletin_charts(DATA, ZH, ("disabled", "target_group"), font)
    assert "target_group" not in [c["key"] for c in hidden]
    assert hidden[-1]["title"] == "图4 计入人员按专业所属行业"  # no gap in the numbers


def test_a_chart_is_the_same_png_every_time_and_leaves_settings_alone() -> None:
    font = find_cjk_font()
    before = dict(matplotlib.rcParams)
    first = charts.rank_chart(DATA.rewards, ZH, font)
    again = charts.rank_chart(DATA.rewards, ZH, font)
    assert first == again
    png = base64.b64decode(first.split(",", 1)[1])
    assert png.startswith(b"\x89PNG") and b"Software" not in png
    assert dict(matplotlib.rcParams) == before


def test_composition_of_a_missing_dimension_is_no_chart() -> None:
    assert charts.composition(DATA.breakdowns, "colour", "#000000", ZH) is None


def test_count_axes_have_thousands_separators() -> None:
    from matplotlib.figure import Figure

    fig = Figure()
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 5000])
    charts._thousands(ax.yaxis)  # noqa: SLF001 - the formatter every count axis gets
    assert ax.yaxis.get_major_formatter()(5000, 0) == "5,000"
