"""The evaluator report (issue 15) on cases worked by hand: every sensitivity family, the
distance in persons beside each gate, pending corrections, concentration, the withdrawn
students' share, a worked example per eligible school, tier columns only under the tiered
allocation, and the reproducibility block on the cover."""

from __future__ import annotations

import dataclasses
import re

import pandas as pd
from decision_cases import POLICY, REPRO, families_case, school, stage_data

from pipeline.render import decision_tables as dt
from pipeline.render.fonts import find_cjk_font
from pipeline.render.labels import Labels
from pipeline.render.rewards_report import report_html

ZH = Labels("zh-CN")


def html_of(data, lang: str = "zh-CN") -> str:
    return report_html(data, Labels.for_data(data, lang), find_cjk_font(), "2020-04-30")


def test_each_sensitivity_family_worked_by_hand() -> None:
    """Pool 1,000. Now: w_A = 1 × 120 = 120, w_E = 0.62 × 60 = 37.2, A = 1000 × 120 / 157.2 =
    763.36, E = 236.64: floors 763 + 236, the one yuan left to E (.64 > .36): 763 / 237.

    - fulfilment gate × 0.9 = 0.54: B (57 %, score 0.3 + 0.4 × (0.7 × 0.57 / 1.2 + 0.3) + 0.3
      = 0.853, w_B = 48.621) joins: A 583.03, E 180.74, B 236.23 → 583 / 181 / 236; × 1.1 =
      0.66: E (60 %) drops out, A takes 1,000. So A 583–1,000, E 0–237, B 0–236.
    - data-quality gate × 0.9 = 0.81: C (0.88, score 0.941333, w 94.1333) joins: A 477.45,
      E 148.01, C 374.54 → 477 / 148 / 375.
    - withdrawal gate × 1.1 = 0.165: D (0.16, score 0.937333, w 93.7333) joins: A 478.21,
      E 148.25, D 373.54 → 478 / 148 / 374.
    - fulfilment cap 1.0: E's expansion 0.42, score 0.648, w 38.88: A 755.29, E 244.71 →
      755 / 245; cap 1.5: A 0.944 × 120 = 113.28, E 0.592 × 60 = 35.52: 761 / 239.
    - the other allocation (tiered): halves by counted 333.33 / 166.67 and by tier weight
      (3 and 2) 300 / 200: A 633, E 367.
    """
    data = stage_data(families_case())
    rank, yuan = dt.family_tables(data.rewards, data.rewards_meta, ZH)
    by_school = {r[0]: r[1:] for r in yuan.rows}
    assert yuan.headers[2:] == ["权重", "完成率门槛", "数据质量门槛", "退学率门槛", "完成率上限",
                                "分配方式"]
    assert by_school["A"][2:] == ["583–1,000", "477–763", "478–763", "755–763", "633–763"]
    assert by_school["E"][2:] == ["0–237", "148–237", "148–237", "237–245", "237–367"]
    assert by_school["B"][2] == "0–236" and by_school["C"][3] == "0–375"
    assert by_school["D"][4] == "0–374"
    assert [r[1:] for r in rank.rows] == [[str(i)] * 7 for i in range(1, 6)]  # ranks by score
    html = html_of(data)
    for cell in ("583–1,000", "0–236", "0–375", "0–374", "755–763", "633–763", "237–367",
                 "表8 各组敏感性情形下的排名范围", "表9 各组敏感性情形下的金额范围（元）",
                 "门槛乘以 0.9、1.0、1.1（0.54, 0.6, 0.66）"):
        assert cell in html, cell


def test_tier_columns_only_under_the_tiered_allocation() -> None:
    proportional = html_of(stage_data(families_case()))
    tiered = html_of(stage_data(families_case(), dataclasses.replace(POLICY,
                                                                      allocation="tiered")))
    for header in ("档次", "档次可能变化", "档次范围"):
        cell = re.compile(rf"<th[^>]*>{header}</th>")
        assert not cell.search(proportional), header
        assert cell.search(tiered), header


def test_distance_in_persons_at_the_gate_one_short_and_one_over() -> None:
    """60 of 100 is exactly the 0.60 gate: one fewer fails it; 59 is one short; 61 one over
    (two fewer fail it)."""
    data = stage_data(pd.DataFrame([school("AT", c=60), school("SHORT", c=59),
                                    school("OVER", c=61)]))
    html = html_of(data)
    gates = data.rewards.set_index("school_id")["distance_fulfilment"]
    assert [gates[s] for s in ("AT", "SHORT", "OVER")] == [1, 1, 2]
    assert "完成率 59.00% 低于门槛 60.00%（差 1.00 个百分点），再增加 1 名计入学生即可通过" in html
    for sid, value, result, n in (("AT", "0.6000", "通过", 1), ("SHORT", "0.5900", "未通过", 1),
                                  ("OVER", "0.6100", "通过", 2)):
        fail = " fail" if result == "未通过" else ""
        cells = (f'<td class="text">{sid}</td><td class="text">学校{sid}</td>'
                 f'<td class="num">{value}</td><td class="text{fail}">{result}</td>'
                 f'<td class="num">{n}</td>')
        assert cells in html, sid  # the gates table: value, result, distance in persons


def test_pending_corrections_could_and_could_not_change_the_decision() -> None:
    """C: 12 of 100 rows quarantined; all corrected and counted it has 112, none quarantined,
    and passes. F: 45 of 100 counted and 5 quarantined: 50 at best, still short of 60."""
    frame = pd.concat([families_case(), pd.DataFrame([school("F", c=45, quarantined=5,
                                                             standing=50)])])
    html = html_of(stage_data(frame))
    section = html[html.index('id="pending"'):html.index('id="sensitivity"')]
    assert "全部更正后可能改为符合条件" in section
    assert re.search(r"学校F</td>.*?不改变结论（仍不符合条件）", section)
    assert "学校A" not in section  # nothing pending


def test_concentration_is_explained_and_the_capped_weight_shown() -> None:
    """A counts 200 of 100: w_A = 200, w_E = 37.2: A 843.17, E 156.83 → 843 / 157 (84.3 % of
    the pool). Capped at 1.2 × 100 = 120 it is the families case: 763, so −80."""
    frame = pd.DataFrame([school("A", c=200), school("E", c=60, social=0)])
    data = stage_data(frame)
    html = html_of(data)
    assert "分配权数 w = 总分 × 计入人数 对计入人数不设上限" in html
    assert ("份额最大的是 A 学校A：计入 200 人（完成率 200.0%），获得资金池的 84.3%" in html)
    assert "1.2 × 指标（120 人）为上限，其金额为 763 元（较现金额 −80 元）" in html
    row = next(r for r in dt.concentration_table(data.rewards, ZH).rows if r[0] == "A")
    assert row[5:] == [843, 0.843, "4.21", "120", 763, "−80"]


def test_withdrawn_students_share_of_each_amount() -> None:
    """E: 6 of its 60 counted withdrew, so 6/60 of its amount: 10 %."""
    frame = pd.DataFrame([school("A", c=120), school("E", c=60, social=0, withdrawn=6)])
    data = stage_data(frame)
    row = next(r for r in dt.withdrawn_table(data.rewards, ZH).rows if r[0] == "E")
    amount = row[4]
    assert row[2:4] == [6, 60] and row[5] == f"{amount * 6 / 60:,.2f}" and row[6] == "10.00%"
    assert "退学学生对金额的贡献" in html_of(data)


def test_a_worked_example_for_every_eligible_school_and_the_cover() -> None:
    html = html_of(stage_data(families_case()))
    assert html.count('<div class="example">') == 2  # A and E
    assert "复算金额 763 元，与公布金额 763 元一致。" in html
    assert "复算金额 237 元，与公布金额 237 元一致。" in html
    cover = html[:html.index('id="summary"')]
    for value in REPRO["run_id"], REPRO["policy_sha256"], REPRO["inputs_sha256"], \
            REPRO["published_sha256"], REPRO["commit"], "相同的输入给出逐字节相同的文件。":
        assert value in cover, value


def test_english_report() -> None:
    html = html_of(stage_data(families_case(), lang="en"), "en")
    for text in ("Reproducibility", "The same inputs give the same bytes.",
                 "4. Effect of pending corrections", "could become eligible if all were corrected",
                 "Why the pool concentrates", "8. Worked examples", "Fulfilment gate"):
        assert text in html, text
