"""Known answers of pipeline.render.reasons: a school's reward decision in words, from the
locale templates, in both languages. The Chinese texts are the ones stage 04 has always
written into rewards_detail.csv (rows of the golden acceptance case, word for word)."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.render.labels import Labels
from pipeline.render.reasons import distance_text, reward_reason, reward_reasons
from pipeline.rewards import GATES

ZH, EN = Labels("zh-CN"), Labels("en")


def row(eligible: bool, score: float, rank: int, yuan: int, **gates: tuple) -> dict:
    """A detail row: each gate as (value, threshold, passed, distance in persons)."""
    out = {"eligible": eligible, "score": score, "rank": rank, "reward_yuan": yuan}
    for g in GATES:
        value, threshold, passed, distance = gates[g]
        out |= {f"gate_{g}_value": value, f"gate_{g}_threshold": threshold,
                f"gate_{g}_pass": passed, f"distance_{g}": distance}
    return out


HX02 = row(True, 0.7084510855538559, 1, 1778663, fulfilment=(0.929, 0.6, True, 330),
           data_quality=(0.9941520467836258, 0.9, True, 97),
           withdrawal=(0.07427341227125941, 0.15, True, 71))
# 433 counted of a quota of 900: 540 pass, so 107 more
HX03 = row(False, 0.5288757525173563, 5, 0, fulfilment=(0.4811111111111111, 0.6, False, 107),
           data_quality=(0.9896907216494846, 0.9, True, 44),
           withdrawal=(0.08083140877598152, 0.15, True, 30))
TWO = row(False, 0.41, 7, 0, fulfilment=(0.5, 0.6, False, 10),
          data_quality=(0.8, 0.9, False, 10), withdrawal=(0.16, 0.15, False, 1))


def test_eligible_zh_word_for_word() -> None:
    assert reward_reason(HX02, ZH) == (
        "符合奖励条件：三项门槛均通过（完成率 92.90% ≥ 60.00%，数据质量 99.42% ≥ 90.00%，"
        "退学率 7.43% ≤ 15.00%）；得分 0.7085，排名第 1，奖励 1,778,663 元。")


def test_not_eligible_zh_word_for_word() -> None:
    assert reward_reason(HX03, ZH) == (
        "不符合奖励条件：完成率 48.11% 低于门槛 60.00%（差 11.89 个百分点），"
        "再增加 107 名计入学生即可通过。得分 0.5289，排名第 5，不予奖励。")


def test_every_failed_gate_is_named_with_its_gap() -> None:
    assert reward_reason(TWO, ZH) == (
        "不符合奖励条件：完成率 50.00% 低于门槛 60.00%（差 10.00 个百分点），"
        "再增加 10 名计入学生即可通过；"
        "数据质量 80.00% 低于门槛 90.00%（差 10.00 个百分点），再更正 10 条待更正记录即可通过；"
        "退学率 16.00% 高于上限 15.00%（超出 1.00 个百分点），退学学生减少 1 名即可通过。"
        "得分 0.4100，排名第 7，不予奖励。")
    assert reward_reason(TWO, EN) == (
        "Not eligible: Fulfilment 50.00% is below the 60.00% minimum (short by 10.00 points): "
        "10 more counted students would pass it; "
        "Data quality 80.00% is below the 90.00% minimum (short by 10.00 points): "
        "correcting 10 more quarantined rows would pass it; "
        "Withdrawal 16.00% is above the 15.00% maximum (over by 1.00 points): "
        "1 fewer withdrawal would pass it. Score 0.4100, rank 7, no reward.")


@pytest.mark.parametrize(("gate", "passed", "n", "zh", "en"), [
    ("fulfilment", False, 1, "再增加 1 名计入学生即可通过", "1 more counted student would pass it"),
    ("fulfilment", True, 17, "计入学生减少 17 名即不通过",
     "17 fewer counted students would fail it"),
    ("data_quality", True, 1, "待更正记录再增加 1 条即不通过",
     "1 more quarantined row would fail it"),
    ("withdrawal", False, 2, "退学学生减少 2 名即可通过", "2 fewer withdrawals would pass it"),
    ("withdrawal", True, 1, "退学学生再增加 1 名即不通过", "1 more withdrawal would fail it"),
    ("withdrawal", True, None, "人数变化不能改变结果", "no number of persons changes it"),
])
def test_distance_in_persons_in_words(gate, passed, n, zh, en) -> None:
    r = {f"gate_{gate}_pass": passed, f"distance_{gate}": n}
    assert distance_text(r, gate, ZH) == zh
    assert distance_text(r, gate, EN) == en


def test_withdrawal_gate_failed_by_points_and_by_students() -> None:
    """Issue 15's S08: 1.31 points over the maximum is 2 students, and the reason says both."""
    s08 = row(False, 0.6, 8, 0, fulfilment=(0.8, 0.6, True, 40),
              data_quality=(0.95, 0.9, True, 10), withdrawal=(0.1631, 0.15, False, 2))
    assert "退学率 16.31% 高于上限 15.00%（超出 1.31 个百分点），退学学生减少 2 名即可通过" in \
        reward_reason(s08, ZH)


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
