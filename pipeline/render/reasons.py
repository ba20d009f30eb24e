"""A school's reward decision in plain language, from the templates of the locale files.

Stage 04 fills the ``reason`` column of ``rewards_detail.csv`` with :func:`reward_reasons`;
the evaluator report shows the same text. The words are the ``rw.reason.*`` messages of
``pipeline/locales/<lang>.yaml``; the numbers come from the row (a row of
:func:`pipeline.decisions.decision_detail`): gate values and thresholds as percentages with
two decimals, the gap in percentage points and in persons (``distance_<gate>``), the score
with four decimals, rank and amount.

:func:`distance_text` says what the distance in persons means for one gate — how many more
counted students, corrected rows or fewer withdrawals would pass a failing gate, how many
would make a passing one fail — in the words of ``rw.distance.*``; the report's gate table
and the decision letters use it too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from pipeline.render.formats import fmt_dec, fmt_int, fmt_pct, whole
from pipeline.render.labels import Labels
from pipeline.rewards import GATE_BOUND, GATES


def distance_text(row: Mapping[str, Any], gate: str, labels: Labels) -> str:
    """What the distance in persons of ``gate`` means (``rw.distance.<gate>.pass|fail``,
    ``_one`` for one person; ``rw.distance.none`` when no number of persons flips it)."""
    n = whole(row.get(f"distance_{gate}"))
    if n is None:
        return labels.t("rw.distance.none")
    state = "pass" if bool(row[f"gate_{gate}_pass"]) else "fail"
    one = "_one" if n == 1 else ""
    return labels.t(f"rw.distance.{gate}.{state}{one}", n=fmt_int(n))


def _gate_text(row: Mapping[str, Any], gate: str, labels: Labels) -> str:
    """One gate as value against threshold, with the gap (points and persons) when it
    failed."""
    value = float(row[f"gate_{gate}_value"])
    threshold = float(row[f"gate_{gate}_threshold"])
    passed = bool(row[f"gate_{gate}_pass"])
    text = labels.t(
        f"rw.reason.{'passed' if passed else 'failed'}_{GATE_BOUND[gate]}",
        gate=labels.gate(gate),
        value=fmt_pct(value, 2),
        threshold=fmt_pct(threshold, 2),
        gap=fmt_dec(abs(value - threshold) * 100, 2),
    )
    if passed:
        return text
    return labels.t("rw.reason.persons", gate=text, persons=distance_text(row, gate, labels))


def reward_reason(row: Mapping[str, Any], labels: Labels) -> str:
    """Why one school gets its amount: eligible with every gate, or the gates it failed, by
    how much and by how many persons; then score, rank and amount. ``row`` needs
    ``eligible``, ``score``, ``rank``, ``reward_yuan`` and ``gate_<g>_value``/``_threshold``/
    ``_pass`` and ``distance_<g>`` of each gate."""
    fields = {"score": fmt_dec(row["score"]), "rank": int(row["rank"])}
    if bool(row["eligible"]):
        gates = labels.t("rw.reason.sep_passed").join(_gate_text(row, g, labels) for g in GATES)
        amount = fmt_int(int(row.get("reward_yuan", 0)))
        return labels.t("rw.reason.eligible", gates=gates, amount=amount, **fields)
    failed = [g for g in GATES if not bool(row[f"gate_{g}_pass"])]
    gates = labels.t("rw.reason.sep_failed").join(_gate_text(row, g, labels) for g in failed)
    return labels.t("rw.reason.not_eligible", gates=gates, **fields)


def reward_reasons(detail: pd.DataFrame, labels: Labels) -> list[str]:
    """:func:`reward_reason` of every row of a rewards detail frame, in its order."""
    return [reward_reason(row, labels) for row in detail.to_dict("records")]
