"""Known answers of pipeline.render.reasons: a school's reward decision in words, from the
locale templates, in both languages. The Chinese texts are the ones stage 04 has always
written into rewards_detail.csv (rows of the golden acceptance case, word for word)."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.render.labels import Labels
from pipeline.render.reasons import reward_reason, reward_reasons
from pipeline.rewards import GATES

ZH, EN = Labels("zh-CN"), Labels("en")


def row(eligible: bool, score: float, rank: int, yuan: int, **gates: tuple) -> dict:
    """A detail row: each gate as (value, threshold, passed)."""
    out = {"eligible": eligible, "score": score, "rank": rank, "reward_yuan": yuan}
    for g in GATES:
        value, threshold, passed = gates[g]
        out |= {f"gate_{g}_value": value, f"gate_{g}_threshold": threshold,
                f"gate_{g}_pass": passed}
    return out


HX02 = row(True, 0.7084510855538559, 1, 1778663, fulfilment=(0.929, 0.6, True),
           data_quality=(0.9941520467836258, 0.9, True),
           withdrawal=(0.07427341227125941, 0.15, True))
HX03 = row(False, 0.5288757525173563, 5, 0, fulfilment=(0.4811111111111111, 0.6, False),
           data_quality=(0.9896907216494846, 0.9, True),
           withdrawal=(0.08083140877598152, 0.15, True))
TWO = row(False, 0.41, 7, 0, fulfilment=(0.5, 0.6, False), data_quality=(0.8, 0.9, False),
          withdrawal=(0.16, 0.15, False))


def test_eligible_zh_word_for_word() -> None:
    assert reward_reason(HX02, ZH) == (
        "符合奖励条件：三项门槛均通过（完成率 92.90% ≥ 60.00%，数据质量 99.42% ≥ 90.00%，"
        "退学率 7.43% ≤ 15.00%）；得分 0.7085，排名第 1，奖励 1,778,663 元。")


def test_not_eligible_zh_word_for_word() -> None:
    assert reward_reason(HX03, ZH) == (
        "不符合奖励条件：完成率 48.11% 低于门槛 60.00%（差 11.89 个百分点）。"
        "得分 0.5289，排名第 5，不予奖励。")


def test_every_failed_gate_is_named_with_its_gap() -> None:
    assert reward_reason(TWO, ZH) == (
        "不符合奖励条件：完成率 50.00% 低于门槛 60.00%（差 10.00 个百分点）；"
        "数据质量 80.00% 低于门槛 90.00%（差 10.00 个百分点）；"
        "退学率 16.00% 高于上限 15.00%（超出 1.00 个百分点）。得分 0.4100，排名第 7，不予奖励。")
    assert reward_reason(TWO, EN) == (
        "Not eligible: Fulfilment 50.00% is below the 60.00% minimum (short by 10.00 points); "
        "Data quality 80.00% is below the 90.00% minimum (short by 10.00 points); "
        "Withdrawal 16.00% is above the 15.00% maximum (over by 1.00 points). "
        "Score 0.4100, rank 7, no reward.")


def test_eligible_en() -> None:
    assert reward_reason(HX02, EN) == (
        "Eligible: all gates passed (Fulfilment 92.90% ≥ 60.00%, Data quality 99.42% ≥ 90.00%, "
        "Withdrawal 7.43% ≤ 15.00%); score 0.7085, rank 1, reward 1,778,663 yuan.")


def test_reasons_of_a_frame_in_its_order() -> None:
    got = reward_reasons(pd.DataFrame([HX03, HX02]), ZH)
    assert [g[:6] for g in got] == ["不符合奖励条", "符合奖励条件"]


def test_a_row_from_a_csv_reads_the_same(tmp_path) -> None:
    """Gate flags as numpy booleans and numbers as numpy floats (a frame read back)."""
    path = tmp_path / "d.csv"
    pd.DataFrame([HX02]).to_csv(path, index=False)
    back = pd.read_csv(path).iloc[0]
    assert reward_reason(back, ZH) == reward_reason(HX02, ZH)


def test_unknown_language() -> None:
    from pipeline.errors import ConfigError

    with pytest.raises(ConfigError, match="lang"):
        reward_reason(HX02, Labels("fr"))
