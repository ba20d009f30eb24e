"""Known answers of pipeline.render.rewards_tables on the fixture period (six schools, four
eligible, 5,000,000 yuan proportional)."""

from __future__ import annotations

import pytest
from conftest import PERIOD_FIXTURE

from pipeline.errors import InputError
from pipeline.render import rewards_tables as rt
from pipeline.render.inputs import load_stage_files
from pipeline.render.labels import Labels

DATA = load_stage_files(PERIOD_FIXTURE)
ZH, EN = Labels.for_data(DATA, "zh-CN"), Labels.for_data(DATA, "en")


def test_summary_by_rank_without_tiers_under_the_proportional_allocation() -> None:
    tab = rt.summary_table(DATA.rewards, ZH)
    assert [r[1] for r in tab.rows] == ["S06", "S01", "S05", "S02", "S03", "S04"]
    # ranges over every sensitivity family (the other allocation gives S06 1,249,285)
    assert tab.rows[0] == [1, "S06", "哈尔滨市交通技师学院", "是", 0.813143, 895140, "1",
                           "0–1,249,285"]
    assert "档次" not in tab.headers and "档次可能变化" not in tab.headers
    assert tab.total[5] == 5_000_000
    assert tab.formatted()[0][4] == "0.8131"


def test_tier_columns_appear_under_the_tiered_allocation_only() -> None:
    tiered = rt.report_tables(DATA.rewards, ZH, tiered=True)
    proportional = rt.report_tables(DATA.rewards, ZH)
    for key in ("rw_summary", "rw_components", "rw_sensitivity"):
        with_tiers = next(t for t in tiered if t.key == key).headers
        without = next(t for t in proportional if t.key == key).headers
        assert "档次" in with_tiers or "档次范围" in with_tiers, key
        assert not [h for h in without if "档次" in h], key
    summary = next(t for t in tiered if t.key == "rw_summary")
    assert summary.rows[0] == [1, "S06", "哈尔滨市交通技师学院", "是", 0.813143, 3, 895140,
                               "1", "0–1,249,285", "是"]


def test_gates_table_with_the_distance_in_persons() -> None:
    tab = rt.gates_table(DATA.rewards, ZH)
    s03 = next(r for r in tab.rows if r[0] == "S03")
    # 430 counted of 700 where 420 pass: 11 fewer fail; 60 of 520 rows quarantined where
    # 52 pass: 8 to correct; 20 withdrawn of 430 where 64 pass: 45 more fail
    assert s03[2:] == [0.614286, "通过", 11, 0.884615, "未通过", 8, 0.046512, "通过", 45, "否"]
    s04 = next(r for r in tab.rows if r[0] == "S04")
    assert s04[2:5] == [0.42, "未通过", 90] and s04[8:11] == [0.190476, "未通过", 9]
    assert tab.headers[2:5] == ["完成率 ≥ 0.6", "结果", "距门槛（人）"]
    assert tab.note.startswith("距门槛（人）：未通过的门槛，为使其通过所需的最少人数")


def test_inputs_measures_components_sensitivity() -> None:
    inputs = rt.inputs_table(DATA.rewards, EN).rows[0]
    assert inputs[:4] == ["S06", "哈尔滨市交通技师学院", 500, 485]
    assert rt.measures_table(DATA.rewards, EN).rows[0][2] == 0.97
    comp = rt.components_table(DATA.rewards, ZH).rows[0]
    assert comp[7:] == ["895,140.1795", 895140]
    sens = rt.sensitivity_table(DATA.rewards, ZH).rows[0]
    assert sens[2:] == [1, 1, 1, 895140, 885472, 906462]
    tiered = rt.sensitivity_table(DATA.rewards, ZH, tiered=True).rows[0]
    assert tiered[8:] == ["2–3", "是"]  # the tier may change


def test_reasons_are_built_in_the_edition_language() -> None:
    zh = {r[0]: r[2] for r in rt.reasons_table(DATA.rewards, ZH).rows}
    assert zh["S03"] == ("不符合奖励条件：数据质量 88.46% 低于门槛 90.00%（差 1.54 个百分点），"
                         "再更正 8 条待更正记录即可通过。得分 0.5557，排名第 5，不予奖励。")
    en = {r[0]: r[2] for r in rt.reasons_table(DATA.rewards, EN).rows}
    assert en["S06"].startswith("Eligible: all gates passed (Fulfilment 97.00% ≥ 60.00%")


def test_policy_items() -> None:
    items = dict(rt.policy_items(DATA.rewards_meta, ZH))
    assert items["奖补资金池"] == "5,000,000 元"
    assert items["总分权重"] == "行动快 0.3, 扩招好 0.4, 质量高 0.3"
    # in the order of rewards_meta.json (keys sorted when stage 04 writes it)
    assert items["门槛（须全部通过）"] == "数据质量 ≥ 0.9; 完成率 ≥ 0.6; 退学率 ≤ 0.15"
    assert items["扩招好"] == "扩招好 = 0.7 × min(完成率, 1.2) / 1.2 + 0.3 × 社会人员占比"
    assert items["档次"].startswith("总分 ≥ 0.8 为第 3 档（权重 3）")
    assert items["敏感性分析"] == "每项权重分别乘以 0.8, 1, 1.2，共 27 种组合，重新归一化后重算"


def test_a_meta_without_policy_is_an_input_error() -> None:
    with pytest.raises(InputError, match="no policy"):
        rt.policy_items({"pool_yuan": 1}, ZH)
