"""Known answers of pipeline.render.bulletin_tables on the hand-written fixture period (six
schools, 4,376 quota, 3,555 counted; 3 disabled people counted in S02)."""

from __future__ import annotations

import dataclasses

import pandas as pd
from conftest import PERIOD_FIXTURE

from pipeline import disclosure
from pipeline.render import bulletin_tables as bt
from pipeline.render.inputs import load_stage_files
from pipeline.render.labels import Labels

DATA = load_stage_files(PERIOD_FIXTURE)
ZH, EN = Labels.for_data(DATA, "zh-CN"), Labels.for_data(DATA, "en")


def test_headline_rows() -> None:
    tab = bt.headline(DATA.summary, ZH)
    rows = dict(tab.rows)
    assert rows["扩招目标（人）"] == 4376 and rows["计入人数"] == 3555
    assert rows["目标完成率"] == 0.8124 and rows["距目标尚差（人）"] == 821
    assert rows["上月（2020-03）计入人数（现值）"] == 3380
    assert rows["较上月变化（与上月现值比）"] == 175
    assert rows["上月（2020-03）首次公布计入人数"] == 3370
    assert rows["较上月变化（与上月首次公布数比）"] == 185
    assert tab.sheet == "主要指标"
    # Numbers stay numbers; each row says how it is shown.
    assert tab.formatted()[2] == ["目标完成率", "81.2%"] and tab.formatted()[7][1] == "+175"
    # The deadline month (2020-04): no projection.
    assert not any("预计" in item for item in rows)


def test_headline_over_target_and_before_the_deadline() -> None:
    over = {**DATA.summary, "counted": 4601, "fulfilment_rate": 4601 / 4376}
    rows = dict(bt.headline(over, ZH).rows)
    assert rows["超额完成（人）"] == 225 and "距目标尚差（人）" not in rows
    march = {**DATA.summary, "period": "2020-03", "projection": {
        **DATA.summary["projection"], "months_left": 1, "projected_counted": 3800,
        "projected_rate": 3800 / 4376, "monthly_pace": 268.3}}
    tab = bt.headline(march, ZH)
    rows = dict(tab.rows)
    assert rows["预计至2020年4月30日计入人数"] == 3800
    assert dict(tab.formatted())["近期月均增量（人/月）"] == "268.3"
    first = bt.headline({**DATA.summary, "previous_period": None}, ZH)
    assert dict(first.formatted())["较上月变化（与上月现值比）"] == "—"


def test_by_school_and_total() -> None:
    tab = bt.by_school(DATA.schools, EN)
    assert tab.rows[0][:5] == ["S01", "Harbin Technician College", "Technician college",
                               "Daoli", 1200]
    assert tab.rows[3][1] == "哈尔滨<script>alert(1)</script>技工学校"  # no English name
    assert tab.total == ["Total", "", "", "", 4376, 3716, 3555, 3555, 3555 / 4376, 2640, 915]
    assert tab.formatted_total()[8] == "81.2%"
    assert bt.by_school(DATA.schools, ZH).rows[0][1] == "哈尔滨技师学院"


def test_by_school_type_and_district_in_the_configured_order() -> None:
    tab = bt.by_group(DATA.schools, ZH, "school_type", DATA.groups)
    # School types by the levels they train, not by code point (技工 sorts before 技师).
    assert [r[:2] for r in tab.rows] == [["技师学院", 2], ["高级技工学校", 2], ["技工学校", 2]]
    assert tab.rows[0][5] == 1635 and tab.total[1] == 6
    districts = bt.by_group(DATA.schools, EN, "district", DATA.groups)
    # Districts by administrative division code: 道里 230102 … 呼兰 230111.
    assert [r[0] for r in districts.rows] == ["Daoli", "Nangang", "Daowai", "Songbei",
                                              "Xiangfang", "Hulan"]
    summed = bt.by_group(DATA.schools, ZH, "school_type")  # without stage 03's groups
    assert sorted(r[0] for r in summed.rows) == sorted(r[0] for r in tab.rows)


def test_breakdown_small_disabled_count_and_its_complement() -> None:
    bd = DATA.breakdowns.copy()
    yes = (bd["dimension"] == "disabled") & (bd["category"] == "是")
    no = (bd["dimension"] == "disabled") & (bd["category"] == "否")
    for col in ("admitted", "registered", "counted"):
        moved = bd.loc[yes, col].to_numpy() - 3
        bd.loc[yes, col] = 3
        bd.loc[no, col] = bd.loc[no, col].to_numpy() + moved
    tab = bt.breakdowns(bd, 3555, ZH, ("disabled",), 5)
    rows = [r for r in tab.rows if r[0] == "残疾人"]
    assert [r[4] for r in rows] == ["<5", "×"]
    assert [r[5] for r in rows] == ["×", "×"]  # the share would give the count away too
    assert "“<5”" in tab.note
    # Not a sensitive dimension: the numbers stand.
    open_tab = bt.breakdowns(bd, 3555, ZH, (), 5)
    assert [r[4] for r in open_tab.rows if r[0] == "残疾人"] == [3, 3552]


def test_breakdowns_leave_out_school_type_and_district() -> None:
    dims = {r[0] for r in bt.breakdowns(DATA.breakdowns, 3555, ZH, ("disabled",), 5).rows}
    assert "学校类型" not in dims and "所在区" not in dims and "招收对象" in dims


def test_disabled_by_school_suppressed_with_a_complement() -> None:
    tab = bt.disabled_by_school(DATA.disabled_by_school, ZH, ("disabled",), 5)
    shown = {r[0]: r[2] for r in tab.rows}
    assert shown == {"S01": 9, "S02": "<5", "S03": 0, "S04": 0, "S05": "×", "S06": 0}
    assert tab.total == ["合计", "", 18, 3555]
    assert disclosure.recoverable_cells(list(shown.values()), 18) == []
    assert bt.disabled_by_school(DATA.disabled_by_school, ZH, (), 5) is None
    assert bt.disabled_by_school(None, ZH, ("disabled",), 5) is None


def test_small_city_total_is_hidden_too() -> None:
    small = pd.DataFrame({"school_id": ["A", "B"], "school_name": ["甲", "乙"],
                          "disabled_counted": [3, 0], "total_counted": [10, 20]})
    tab = bt.disabled_by_school(small, ZH, ("disabled",), 5)
    assert [r[2] for r in tab.rows] == ["<5", 0] and tab.total[2] == "<5"


def test_series_and_revisions() -> None:
    series = bt.series(DATA.series, ZH)
    assert series.rows[-1][0] == "2020-04" and series.rows[-1][1] == 3555
    assert series.kinds == ["code", "int", "int", "signed", "signed", "pct"]
    rev = bt.revisions(DATA.revisions, ZH)
    assert rev.headers == ["月份", "首次公布", "首次公布数来源", "本期数据", "修订", "补报", "更正",
                           "重报替代", "其他"]
    march = rev.rows[6]
    assert march == ["2020-03", 3370, "重新推算", 3380, 10, 6, 3, 2, -1]
    assert sum(march[5:]) == march[4]  # the causes add up to the revision
    assert rev.rows[0][2] == "已公布（存档）"
    assert bt.revisions(DATA.revisions, EN).rows[6][2] == "re-derived"


def test_every_table_has_its_unit_and_source() -> None:
    tabs = bt.all_tables(DATA, ZH, ("disabled",), 5, "各校报送的花名册")
    assert tabs["by_school"].unit == "单位：人" and tabs["headline"].unit == "单位：人、%"
    assert tabs["quarantine_by_reason"].unit == "单位：条"
    assert all(t.source == "资料来源：各校报送的花名册。" for t in tabs.values())
    assert tabs["by_school"].title == "表3 各学校扩招完成情况"
    assert tabs["reconciliation"].title == "附表4 来源文件核对（逐个文件）"


def test_annex_order_with_and_without_the_disabled_table() -> None:
    keys = [t.key for t in bt.bulletin_tables(DATA, ZH, ("disabled",), 5)]
    assert keys == ["headline", "series", "by_school", "by_school_type", "by_district",
                    "breakdowns", "disabled_by_school", "revisions", "revisions_by_school",
                    "rewards_list", "validation_summary", "validation", "quarantine_by_reason",
                    "quarantine_by_school", "unreadable", "listed_entries", "unmapped",
                    "reconciliation"]
    without = dataclasses.replace(DATA, disabled_by_school=None)
    tabs = bt.all_tables(without, ZH, (), 5)
    assert "disabled_by_school" not in tabs
    assert tabs["revisions"].title == "表7 历史月份数据修订"  # numbered without a gap
