"""The evaluator report's worked examples: every eligible school's amount, step by step.

Every number shown is one :mod:`pipeline.rewards` computed and wrote into the detail frame
(measures, components, score, the allocation's steps: money weights or the two halves of
the tiered method, exact share, floor, fraction, the yuan left over, the amount) or one of
the policy in ``rewards_meta``. Nothing is recomputed here: the example lays the figures out
as the formula reads, so that an evaluator can redo the arithmetic by hand. Its last line
checks that floor plus the remainder yuan gives the published amount.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from pipeline.render.formats import fmt_dec, fmt_g, fmt_int, fmt_num
from pipeline.render.labels import Labels
from pipeline.render.rewards_tables import policy_of, ranked
from pipeline.render.table import Table


def _measure_steps(r: pd.Series, labels: Labels) -> list[str]:
    """Measures from the inputs: fulfilment, data quality, withdrawal, the shares."""
    t, c = labels.t, fmt_int(r["c"])
    return [
        t("rw.ex.fulfilment", c=c, q=fmt_int(r["quota"]), v=fmt_dec(r["fulfilment"])),
        t("rw.ex.data_quality", qu=fmt_int(r["quarantined"]), st=fmt_int(r["standing"]),
          v=fmt_dec(r["data_quality"])),
        t("rw.ex.withdrawal", wd=fmt_int(r["withdrawn"]), c=c, v=fmt_dec(r["withdrawal"]),
          ret=fmt_dec(r["retention"])),
        t("rw.ex.shares", so=fmt_int(r["social"]), pr=fmt_int(r["priority"]), c=c,
          ss=fmt_dec(r["social_share"]), ps=fmt_dec(r["priority_share"])),
        t("rw.ex.gates"),
    ]


def _score_steps(r: pd.Series, policy: dict, labels: Labels) -> list[str]:
    """Components from the measures and the score from the components."""
    t, exp, w = labels.t, policy["expansion"], policy["weights"]
    return [
        t("rw.ex.speed", abc=fmt_int(r["admitted_by_cutoff"]), q=fmt_int(r["quota"]),
          v=fmt_dec(r["speed"])),
        t("rw.ex.expansion", a=fmt_g(exp["fulfilment"]), f=fmt_dec(r["fulfilment"]),
          cap=fmt_g(exp["fulfilment_cap"]), b=fmt_g(exp["social"]),
          ss=fmt_dec(r["social_share"]), v=fmt_dec(r["expansion"])),
        t("rw.ex.quality", ret=fmt_dec(r["retention"]), ps=fmt_dec(r["priority_share"]),
          dq=fmt_dec(r["data_quality"]), v=fmt_dec(r["quality"])),
        t("rw.ex.score", ws=fmt_g(w["speed"]), we=fmt_g(w["expansion"]),
          wq=fmt_g(w["quality"]), s=fmt_dec(r["speed"]), e=fmt_dec(r["expansion"]),
          q=fmt_dec(r["quality"]), v=fmt_dec(r["score"])),
    ]


def _weights_note(r: pd.Series, tiered: bool) -> str:
    """The totals the shares are taken of (the same on every row)."""
    if tiered:
        return f"Σc = {fmt_int(r['counted_total'])}; Σtier = {fmt_g(r['tier_weight_total'])}"
    return f"Σw = {fmt_num(r['money_weight_total'], 4)}"


def _share_step(r: pd.Series, pool: int, tiered: bool, labels: Labels) -> str:
    """The exact share of the school."""
    share = fmt_num(r["exact_share"], 4)
    if tiered:
        return labels.t("rw.ex.tiered", pool=fmt_int(pool), c=fmt_int(r["c"]),
                        sum_c=fmt_int(r["counted_total"]), tw=fmt_g(r["tier_weight"]),
                        sum_tw=fmt_g(r["tier_weight_total"]),
                        half_c=fmt_num(r["half_by_counted"], 4),
                        half_t=fmt_num(r["half_by_tier"], 4), v=share)
    return labels.t("rw.ex.proportional", s=fmt_dec(r["score"]), c=fmt_int(r["c"]),
                    w=fmt_num(r["money_weight"], 4), total=_weights_note(r, tiered),
                    pool=fmt_int(pool), v=share)


def _weights_table(elig: pd.DataFrame, labels: Labels, tiered: bool) -> Table:
    """The allocation weights of every eligible school."""
    ids = ("school_id", "school_name")
    if tiered:
        cols, kinds = ("c", "tier_weight"), ["text", "text", "int", "dec2"]
        values = ("c", "tier_weight")
    else:
        cols, kinds = ("score", "c", "w"), ["text", "text", "dec", "int", "dec"]
        values = ("score", "c", "money_weight")
    rows = [[r["school_id"], labels.school(r["school_id"]), *[float(r[v]) for v in values]]
            for _, r in elig.iterrows()]
    return Table("rw_weights", labels.t("rw.ex.weights_title"),
                 labels.headers("rw.col", (*ids, *cols)), kinds, rows,
                 note=_weights_note(elig.iloc[0], tiered))


def _rounding_table(elig: pd.DataFrame, pool: int, labels: Labels) -> Table:
    """The largest-remainder method for every eligible school, by school_id."""
    rows = [
        [r["school_id"], labels.school(r["school_id"]), fmt_num(r["exact_share"], 4),
         int(r["share_floor"]),
         fmt_dec(r["share_fraction"]), "+1" if bool(r["plus_one"]) else "",
         int(r["share_floor"]) + int(bool(r["plus_one"])), int(r["reward_yuan"])]
        for _, r in elig.sort_values("school_id", kind="stable").iterrows()
    ]
    return Table(
        "rw_rounding",
        labels.t("rw.ex.rounding_title"),
        labels.headers("rw.col", ("school_id", "school_name", "exact_share", "floor",
                                  "fraction", "plus_one", "computed", "reward_yuan")),
        ["text", "text", "text", "int", "text", "text", "int", "int"],
        rows,
        note=labels.t("rw.ex.left", left=int(elig.iloc[0]["leftover_yuan"]), pool=fmt_int(pool)),
    )


def _example(r: pd.Series, policy: dict, pool: int, tiered: bool,
             labels: Labels) -> dict[str, Any]:
    """One school worked through: ``school``, ``steps``, ``check`` and ``check_ok``."""
    amount = int(r["share_floor"]) + int(bool(r["plus_one"]))
    published = int(r["reward_yuan"])
    steps = [
        *_measure_steps(r, labels),
        *_score_steps(r, policy, labels),
        _share_step(r, pool, tiered, labels),
        labels.t("rw.ex.rounding", floor=fmt_int(r["share_floor"]),
                 left=int(r["leftover_yuan"]), v=fmt_int(amount)),
    ]
    return {
        "school": f"{r['school_id']} {labels.school(r['school_id'])}",
        "steps": steps,
        "check": labels.t("rw.ex.check_ok" if amount == published else "rw.ex.check_diff",
                          computed=fmt_int(amount), published=fmt_int(published)),
        "check_ok": amount == published,
    }


def worked_examples(detail: pd.DataFrame, meta: dict, labels: Labels) -> dict[str, Any] | None:
    """Every eligible school worked through, by rank: ``schools`` (each with ``school``,
    ``steps`` (text lines), the ``check`` line and ``check_ok``) and the ``weights`` and
    ``rounding`` tables they share; None when no school is eligible."""
    elig = ranked(detail)
    elig = elig[elig["eligible"].astype(bool)]
    if elig.empty:
        return None
    policy, pool = policy_of(meta), int(meta.get("pool_yuan", 0))
    tiered = meta.get("allocation") == "tiered"
    return {
        "schools": [_example(r, policy, pool, tiered, labels) for _, r in elig.iterrows()],
        "weights": _weights_table(elig, labels, tiered),
        "rounding": _rounding_table(elig, pool, labels),
    }
