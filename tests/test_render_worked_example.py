"""Known answers of pipeline.render.worked_example: the steps shown are the figures
pipeline.rewards wrote (the example recomputes nothing), for both allocation methods."""

from __future__ import annotations

import dataclasses

import pandas as pd
from conftest import CONFIG_DIR, PERIOD_FIXTURE

from pipeline import rewards
from pipeline.policy import load_reward_policy
from pipeline.render.inputs import load_stage_files
from pipeline.render.labels import Labels
from pipeline.render.worked_example import worked_examples

DATA = load_stage_files(PERIOD_FIXTURE)
ZH = Labels.for_data(DATA, "zh-CN")


def test_every_eligible_school_is_worked_through_by_rank() -> None:
    got = worked_examples(DATA.rewards, DATA.rewards_meta, ZH)
    assert [ex["school"][:3] for ex in got["schools"]] == ["S06", "S01", "S05", "S02"]
    assert all(ex["check_ok"] for ex in got["schools"])
    s02 = got["schools"][3]
    assert s02["steps"][9].endswith("精确份额 = 5,000,000 × w / Σw = 1,212,207.7343 元")
    assert s02["check"] == "复算金额 1,212,208 元，与公布金额 1,212,208 元一致。"  # floor + 1


def test_proportional_steps_of_the_first_ranked_eligible_school() -> None:
    ex = worked_examples(DATA.rewards, DATA.rewards_meta, ZH)["schools"][0]
    assert ex["school"] == "S06 哈尔滨市交通技师学院"
    steps = ex["steps"]
    assert steps[0] == "完成率 = 计入 / 指标 = 485 / 500 = 0.9700"
    assert steps[1] == "数据质量 = 1 − 待更正 / 报送 = 1 − 15 / 540 = 0.9722"
    assert steps[8] == ("总分 = 0.3 × 0.9000 + 0.4 × 0.6895 + 0.3 × 0.8911 = 0.8131")
    assert steps[9] == (
        "分配权数 w = 总分 × 计入 = 0.8131 × 485 = 394.3744；Σw = 2,202.8639（下表）；"
        "精确份额 = 5,000,000 × w / Σw = 895,140.1795 元")
    assert steps[10].startswith("最大余数法：先取整得 895,140 元；全部学校取整后剩余 2 元")
    assert ex["check_ok"] and ex["check"] == "复算金额 895,140 元，与公布金额 895,140 元一致。"


def test_weights_and_rounding_tables() -> None:
    ex = worked_examples(DATA.rewards, DATA.rewards_meta, ZH)
    weights = ex["weights"]
    assert [r[0] for r in weights.rows] == ["S06", "S01", "S05", "S02"]  # by rank
    assert weights.rows[0][2:] == [0.813143, 485.0, 394.3744]
    assert weights.note == "Σw = 2,202.8639"
    rounding = ex["rounding"]
    assert [r[0] for r in rounding.rows] == ["S01", "S02", "S05", "S06"]  # by school_id
    assert rounding.rows[1][2:] == ["1,212,207.7343", 1212207, "0.7343", "+1", 1212208, 1212208]
    assert [r[5] for r in rounding.rows] == ["", "+1", "+1", ""]
    assert rounding.note == "资金池 5,000,000 元，取整后剩余 2 元。"


def test_nothing_is_recomputed() -> None:
    detail = DATA.rewards.copy()
    s06 = detail["school_id"] == "S06"
    detail.loc[s06, "money_weight"] = 1.0
    detail.loc[s06, "fulfilment"] = 0.5
    detail.loc[s06, "reward_yuan"] = 7
    ex = worked_examples(detail, DATA.rewards_meta, ZH)["schools"][0]
    assert "= 1.0000；" in ex["steps"][9] and ex["steps"][0].endswith("= 0.5000")
    assert not ex["check_ok"]
    assert ex["check"] == "复算金额 895,140 元与公布金额 7 元不一致，请核查。"


def test_no_eligible_school_no_example() -> None:
    detail = DATA.rewards.assign(eligible=False)
    assert worked_examples(detail, DATA.rewards_meta, ZH) is None


def test_tiered_steps_show_both_halves() -> None:
    policy = load_reward_policy(CONFIG_DIR / "rewards.yaml")
    policy = dataclasses.replace(policy, allocation="tiered", pool_yuan=601)
    base = {"admitted": 100, "withdrawn": 0, "quarantined": 0, "quota": 100}
    inputs = pd.DataFrame([
        {**base, "school_id": "A", "school_name": "甲", "c": 60, "admitted_by_cutoff": 100,
         "social": 30, "priority": 60, "standing": 60},
        {**base, "school_id": "B", "school_name": "乙", "c": 120, "admitted_by_cutoff": 0,
         "social": 20, "priority": 120, "standing": 120},
        {**base, "school_id": "C", "school_name": "丙", "c": 60, "admitted_by_cutoff": 0,
         "social": 0, "priority": 0, "standing": 60},
    ])
    detail = rewards.compute_rewards(inputs, policy)
    meta = {**rewards.allocation_summary(detail, policy), "policy": policy.to_dict()}
    labels = Labels("zh-CN", {"A": "甲", "B": "乙", "C": "丙"})
    got = worked_examples(detail, meta, labels)
    ex = got["schools"][0]
    assert ex["school"] == "A 甲"  # score 0.8, rank 1
    assert ex["steps"][9] == (
        "精确份额 = 601 / 2 × 计入 / Σ计入 + 601 / 2 × 档次权重 / Σ档次权重 = "
        "601 / 2 × 60 / 240 + 601 / 2 × 3 / 6 = 75.1250 + 150.2500 = 225.3750 元")
    assert got["weights"].rows == [["A", "甲", 60.0, 3.0], ["B", "乙", 120.0, 2.0],
                                   ["C", "丙", 60.0, 1.0]]
    assert got["weights"].note == "Σc = 240; Σtier = 6"
    assert [r[5] for r in got["rounding"].rows] == ["", "+1", ""]
    assert [e["school"] for e in got["schools"]] == ["A 甲", "B 乙", "C 丙"]
    assert all(e["check_ok"] for e in got["schools"])
