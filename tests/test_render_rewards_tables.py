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


def test_summary_by_rank() -> None:
    tab = rt.summary_table(DATA.rewards, ZH)
    assert [r[1] for r in tab.rows] == ["S06", "S01", "S05", "S02", "S03", "S04"]
    assert tab.rows[0] == [1, "S06", "哈尔滨市交通技师学院", "是", 0.813143, 3, 895140, "1–1",
                           "885,472–906,462", "是"]
    assert tab.total[6] == 5_000_000
    assert tab.formatted()[0][4] == "0.8131"


def test_gates_table() -> None:
    tab = rt.gates_table(DATA.rewards, ZH)
    s03 = next(r for r in tab.rows if r[0] == "S03")
    assert s03[2:] == ["≥ 0.60", 0.614286, "通过", "≥ 0.90", 0.884615, "未通过", "≤ 0.15",
                       0.046512, "通过", "否"]
    assert tab.headers[2:5] == ["完成率门槛", "完成率值", "完成率结果"]


def test_inputs_measures_components_sensitivity() -> None:
    inputs = rt.inputs_table(DATA.rewards, EN).rows[0]
    assert inputs[:4] == ["S06", "哈尔滨市交通技师学院", 500, 485]
    assert rt.measures_table(DATA.rewards, EN).rows[0][2] == 0.97
    comp = rt.components_table(DATA.rewards, ZH).rows[0]
    assert comp[8:] == ["895,140.1795", 895140]
    sens = rt.sensitivity_table(DATA.rewards, ZH).rows[0]
    assert sens[2:] == [1, 1, 1, 895140, 885472, 906462, "2–3", "是"]  # the tier may change


def test_reasons_are_built_in_the_edition_language() -> None:
    zh = {r[0]: r[2] for r in rt.reasons_table(DATA.rewards, ZH).rows}
    assert zh["S03"] == ("不符合奖励条件：数据质量 88.46% 低于门槛 90.00%（差 1.54 个百分点）。"
                         "得分 0.5557，排名第 5，不予奖励。")
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
