"""The evaluator report's tables: decision, inputs, measures, gates, components, sensitivity,
reasons, and the policy as configured.

Builders take the rewards detail frame (``rewards_detail``: one row per school, every input,
measure, gate, component, allocation step and sensitivity range, as
:mod:`pipeline.rewards` computed them) or the rewards meta (pool, allocation and the policy
under ``policy``) and a :class:`~pipeline.render.labels.Labels`. They show numbers; they
compute none.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from pipeline.errors import InputError
from pipeline.render.formats import fmt_g, fmt_int, fmt_num, whole, zero_if_missing
from pipeline.render.labels import Labels
from pipeline.render.reasons import reward_reason
from pipeline.render.table import Table, labelled_table
from pipeline.rewards import COUNT_COLUMNS, GATE_BOUND, GATES, MEASURE_COLUMNS

BOUND_SIGN = {"min": "≥", "max": "≤"}
NO_DISTANCE = "—"  # no number of persons flips the gate


def ranked(detail: pd.DataFrame) -> pd.DataFrame:
    """The detail frame by rank (ties by school_id)."""
    return detail.sort_values(["rank", "school_id"], kind="stable")


def yes_no(labels: Labels, flag: object) -> str:
    """``rw.yes`` or ``rw.no``."""
    return labels.t("rw.yes") if bool(flag) else labels.t("rw.no")


def policy_of(meta: dict) -> dict:
    """The policy in rewards_meta (InputError when stage 04 did not write one)."""
    policy = meta.get("policy")
    if not isinstance(policy, dict):
        raise InputError("rewards_meta.json: no policy (run stage 04 again)")
    return policy


def range_text(low: object, high: object, fmt: Callable[[Any], str] = fmt_int) -> str:
    """``low–high``, or one figure where they are equal."""
    return fmt(low) if fmt(low) == fmt(high) else f"{fmt(low)}–{fmt(high)}"


def _keep(columns: tuple[str, ...], kinds: list[str], rows: list[list[Any]],
          drop: set[str]) -> tuple[tuple[str, ...], list[str], list[list[Any]]]:
    """The columns, kinds and cells without the columns named in ``drop``."""
    keep = [i for i, c in enumerate(columns) if c not in drop]
    return (tuple(columns[i] for i in keep), [kinds[i] for i in keep],
            [[row[i] for i in keep] for row in rows])


TIER_COLUMNS = {"tier", "tier_flip", "tier_range"}


def summary_table(detail: pd.DataFrame, labels: Labels, tiered: bool = False) -> Table:
    """Decision per school: eligibility, score, rank, amount, and the ranges of rank and
    amount over every sensitivity family; the tier and whether it can change only under the
    tiered allocation (tiers play no part in the proportional one)."""
    rows = [
        [int(r.rank), r.school_id, r.school_name, yes_no(labels, r.eligible), float(r.score),
         int(r.tier), int(r.reward_yuan), range_text(r.rank_best_any, r.rank_worst_any),
         range_text(r.yuan_min_any, r.yuan_max_any),
         labels.t("rw.flip") if bool(r.tier_changes) else ""]
        for r in ranked(detail).itertuples(index=False)
    ]
    total = [labels.t("col.total"), "", "", "", None, None, int(detail["reward_yuan"].sum()),
             "", "", ""]
    columns = ("rank", "school_id", "school_name", "eligible", "score", "tier", "reward_yuan",
               "rank_range", "yuan_range", "tier_flip")
    kinds = ["int", "text", "text", "text", "dec", "int", "int", "text", "text", "text"]
    drop = set() if tiered else TIER_COLUMNS
    columns, kinds, (*rows, total) = _keep(columns, kinds, [*rows, total], drop)
    return labelled_table(labels, "summary", columns, kinds, rows, total=total, section="rw")


def _per_school(detail: pd.DataFrame, labels: Labels, key: str, cols: tuple[str, ...],
                kind: str, fmt: Callable[[Any], Any]) -> Table:
    """One row per school: id, name and the given columns."""
    rows = [
        [r["school_id"], r["school_name"], *[fmt(r[c]) for c in cols]]
        for _, r in ranked(detail).iterrows()
    ]
    return labelled_table(labels, key, ("school_id", "school_name", *cols),
                          ["text", "text"] + [kind] * len(cols), rows, section="rw")


def inputs_table(detail: pd.DataFrame, labels: Labels) -> Table:
    """Every input per school."""
    return _per_school(detail, labels, "inputs", COUNT_COLUMNS, "int", int)


def measures_table(detail: pd.DataFrame, labels: Labels) -> Table:
    """Every measure per school."""
    return _per_school(detail, labels, "measures", MEASURE_COLUMNS, "dec", zero_if_missing)


def gates_table(detail: pd.DataFrame, labels: Labels) -> Table:
    """Each gate: value (the threshold in the heading), pass/fail and the distance in persons;
    and eligibility."""
    rows = []
    for _, r in ranked(detail).iterrows():
        row: list[Any] = [r["school_id"], r["school_name"]]
        for g in GATES:
            distance = whole(r[f"distance_{g}"])
            row += [
                zero_if_missing(r[f"gate_{g}_value"]),
                labels.t("rw.pass") if bool(r[f"gate_{g}_pass"]) else labels.t("rw.fail"),
                NO_DISTANCE if distance is None else distance,
            ]
        rows.append([*row, yes_no(labels, r["eligible"])])
    first = detail.iloc[0] if len(detail) else None
    headers = labels.headers("rw.col", ("school_id", "school_name"))
    for g in GATES:
        bound = "" if first is None else (
            f" {BOUND_SIGN[GATE_BOUND[g]]} {fmt_g(first[f'gate_{g}_threshold'])}")
        headers += [labels.t("rw.col.gate_value", gate=labels.gate(g)) + bound,
                    *[labels.t(f"rw.col.gate_{part}", gate=labels.gate(g))
                      for part in ("pass", "distance")]]
    return Table("rw_gates", labels.t("rw.tables.gates"), [*headers, labels.t("rw.col.eligible")],
                 ["text", "text"] + ["dec", "text", "int"] * 3 + ["text"], rows,
                 note=labels.t("rw.gates_note"))


def components_table(detail: pd.DataFrame, labels: Labels, tiered: bool = False) -> Table:
    """Components, score, rank, (tier, under the tiered allocation), exact share, amount."""
    rows = [
        [r["school_id"], r["school_name"],
         *[zero_if_missing(r[c]) for c in ("speed", "expansion", "quality", "score")],
         int(r["rank"]), int(r["tier"]), fmt_num(r["exact_share"], 4), int(r["reward_yuan"])]
        for _, r in ranked(detail).iterrows()
    ]
    columns = ("school_id", "school_name", "speed", "expansion", "quality", "score", "rank",
               "tier", "exact_share", "reward_yuan")
    kinds = ["text", "text", "dec", "dec", "dec", "dec", "int", "int", "text", "int"]
    columns, kinds, rows = _keep(columns, kinds, rows, set() if tiered else TIER_COLUMNS)
    return labelled_table(labels, "components", columns, kinds, rows, section="rw")


def sensitivity_table(detail: pd.DataFrame, labels: Labels, tiered: bool = False) -> Table:
    """Rank and amount ranges over the weight combinations (and tiers, when tiered)."""
    counts = ("rank", "rank_best", "rank_worst", "reward_yuan", "yuan_min", "yuan_max")
    rows = [
        [r["school_id"], r["school_name"], *[int(r[c]) for c in counts],
         f"{int(r['tier_min'])}–{int(r['tier_max'])}",
         labels.t("rw.flip") if bool(r["tier_changes"]) else ""]
        for _, r in ranked(detail).iterrows()
    ]
    columns = ("school_id", "school_name", *counts, "tier_range", "tier_flip")
    kinds = ["text", "text"] + ["int"] * 6 + ["text", "text"]
    columns, kinds, rows = _keep(columns, kinds, rows, set() if tiered else TIER_COLUMNS)
    return labelled_table(labels, "sensitivity", columns, kinds, rows, section="rw")


def reasons_table(detail: pd.DataFrame, labels: Labels) -> Table:
    """The reason per school (:func:`pipeline.render.reasons.reward_reason`)."""
    rows = [
        [r["school_id"], r["school_name"], reward_reason(r, labels)]
        for _, r in ranked(detail).iterrows()
    ]
    return labelled_table(labels, "reasons", ("school_id", "school_name", "reason"),
                          ["text", "text", "text"], rows, section="rw")


def _rules(policy: dict, labels: Labels) -> list[tuple[str, str]]:
    """The component formulas and the tiers of the policy as (label, text)."""
    exp, qual = policy["expansion"], policy["quality"]
    out = [
        (labels.t("rw.policy.expansion"),
         labels.t("rw.formula.expansion", a=fmt_g(exp["fulfilment"]),
                  cap=fmt_g(exp["fulfilment_cap"]), b=fmt_g(exp["social"]))),
        (labels.t("rw.policy.speed"), labels.t("rw.formula.speed")),
        (labels.t("rw.policy.quality"),
         labels.t("rw.formula.quality", r=fmt_g(qual["retention"]),
                  p=fmt_g(qual["priority_share"]), d=fmt_g(qual["data_quality"]))),
    ]
    tiers = policy.get("tiers") or []
    if tiers:
        rules = [labels.t("rw.tier_rule", tier=t.get("tier"), min=fmt_g(t.get("min_score")),
                          weight=fmt_g(t.get("weight"))) for t in tiers]
        out.append((labels.t("rw.policy.tiers"), "; ".join(rules)))
    return out


def policy_items(meta: dict, labels: Labels) -> list[tuple[str, str]]:
    """The policy as (label, value) pairs: pool, allocation, weights, gates, formulas, tiers
    and the sensitivity rule."""
    policy = policy_of(meta)
    gates = []
    for key, val in policy["gates"].items():
        g, _, bound = key.rpartition("_")
        if g in GATES:
            gates.append(f"{labels.gate(g)} {BOUND_SIGN[bound]} {fmt_g(val)}")
    weights = ", ".join(f"{labels.t(f'rw.col.{k}')} {fmt_g(v)}"
                        for k, v in policy["weights"].items())
    factors = policy["sensitivity"]["factors"]
    return [
        (labels.t("rw.policy.pool"), f"{fmt_int(meta.get('pool_yuan'))} {labels.t('rw.yuan')}"),
        (labels.t("rw.policy.allocation"), labels.optional("rw.alloc", meta.get("allocation"))),
        (labels.t("rw.policy.weights"), weights),
        (labels.t("rw.policy.gates"), "; ".join(gates)),
        *_rules(policy, labels),
        (labels.t("rw.policy.sensitivity"),
         labels.t("rw.sensitivity_rule", factors=", ".join(fmt_g(x) for x in factors),
                  n=len(factors) ** 3)),
    ]


def report_tables(detail: pd.DataFrame, labels: Labels, tiered: bool = False) -> list[Table]:
    """The report's per-school tables in order: summary, inputs, measures, gates, components,
    sensitivity to the weights."""
    return [
        summary_table(detail, labels, tiered),
        inputs_table(detail, labels),
        measures_table(detail, labels),
        gates_table(detail, labels),
        components_table(detail, labels, tiered),
        sensitivity_table(detail, labels, tiered),
    ]
