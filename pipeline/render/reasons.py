"""A school's reward decision in plain language, from the templates of the locale files.

Stage 04 fills the ``reason`` column of ``rewards_detail.csv`` with :func:`reward_reasons`;
the evaluator report shows the same text. The words are the ``rw.reason.*`` messages of
``pipeline/locales/<lang>.yaml``; the numbers come from the row (a row of
:func:`pipeline.rewards.compute_rewards`): gate values and thresholds as percentages with two
decimals, the gap in percentage points, the score with four decimals, rank and amount.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from pipeline.render.formats import fmt_dec, fmt_int, fmt_pct
from pipeline.render.labels import Labels
from pipeline.rewards import GATE_BOUND, GATES


def _gate_text(row: Mapping[str, Any], gate: str, labels: Labels) -> str:
    """One gate as value against threshold, with the gap when it failed."""
    value = float(row[f"gate_{gate}_value"])
    threshold = float(row[f"gate_{gate}_threshold"])
    state = "passed" if bool(row[f"gate_{gate}_pass"]) else "failed"
    return labels.t(
        f"rw.reason.{state}_{GATE_BOUND[gate]}",
        gate=labels.gate(gate),
        value=fmt_pct(value, 2),
        threshold=fmt_pct(threshold, 2),
        gap=fmt_dec(abs(value - threshold) * 100, 2),
    )


def reward_reason(row: Mapping[str, Any], labels: Labels) -> str:
    """Why one school gets its amount: eligible with every gate, or the gates it failed and
    by how much; then score, rank and amount. ``row`` needs ``eligible``, ``score``,
    ``rank``, ``reward_yuan`` and ``gate_<g>_value``/``_threshold``/``_pass`` of each gate."""
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
