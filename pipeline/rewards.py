"""Rewards (以奖代补): gates, components, score, rank, allocation and sensitivity.

DESIGN.md §5 is implemented literally; ``config/rewards.yaml`` (:mod:`pipeline.policy`) carries
every number. The
functions here are pure: they take DataFrames and a :class:`RewardPolicy` and return new
DataFrames, so every figure can be recomputed and checked by hand.

Floating-point conventions (documented because evaluators check amounts to the yuan):

* A ratio with a zero denominator is 0 (DESIGN §5), so a school with no standing rows has
  ``data_quality = 1 - 0 = 1`` and a school with quota 0 has ``fulfilment = speed = 0``.
* Gate values, and scores compared with tier thresholds or with each other for the rank, are
  rounded to :data:`COMPARE_DECIMALS` (9) decimal places first. Float arithmetic can land a
  value that equals a threshold mathematically one unit in the last place below it
  (``0.7999999999999999`` for 0.8); with counts below 10⁸ two genuinely different ratios
  differ by far more than 10⁻⁹, so the rounding only removes noise. Reported values are the
  unrounded ones.
* Exact shares of a pool of millions of yuan carry float noise of a few 10⁻⁹ yuan (the unit
  in the last place of 5,000,000 is 9.3·10⁻¹⁰), so for the largest-remainder method the
  fractional parts are rounded to :data:`REMAINDER_DECIMALS` (6) decimal places — a
  micro-yuan — before they are ranked: remainders that are equal on paper tie and the
  ``school_id`` decides, as the policy says. A share within a micro-yuan below a whole yuan
  counts as that whole yuan.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from pipeline.errors import InputError
from pipeline.numbers import ratio
from pipeline.policy import (
    RewardPolicy,
    Tier,
    Weights,
)
from pipeline.yamlconf import show

COMPARE_DECIMALS = 9
REMAINDER_DECIMALS = 6

GATES = ("fulfilment", "data_quality", "withdrawal")
#: Whether a gate's threshold is a minimum (value ≥ threshold passes) or a maximum (≤).
GATE_BOUND = {"fulfilment": "min", "data_quality": "min", "withdrawal": "max"}
COUNT_COLUMNS = (
    "quota",
    "c",
    "admitted",
    "admitted_by_cutoff",
    "social",
    "withdrawn",
    "priority",
    "standing",
    "quarantined",
)
INPUT_COLUMNS = ("school_id", "school_name", *COUNT_COLUMNS)
MEASURE_COLUMNS = (
    "fulfilment",
    "data_quality",
    "withdrawal",
    "retention",
    "social_share",
    "priority_share",
)
COMPONENT_COLUMNS = ("speed", "expansion", "quality")
REWARDS_CSV_COLUMNS = (
    "school_id",
    "eligible",
    "failed_gates",
    *COMPONENT_COLUMNS,
    "score",
    "rank",
    "reward_yuan",
)
ALLOCATION_STEP_COLUMNS = (
    "money_weight",
    "money_weight_total",
    "tier_weight",
    "counted_total",
    "tier_weight_total",
    "half_by_counted",
    "half_by_tier",
)
SENSITIVITY_COLUMNS = (
    "school_id",
    "rank_best",
    "rank_worst",
    "yuan_min",
    "yuan_max",
    "tier_min",
    "tier_max",
    "tier_changes",
)


# --------------------------------------------------------------------------- the policy


def _check_inputs(inputs: pd.DataFrame) -> pd.DataFrame:
    """Check the per-school inputs and return a copy with integer counts."""
    missing = [c for c in INPUT_COLUMNS if c not in inputs.columns]
    if missing:
        raise InputError(f"reward inputs: missing column(s) {', '.join(missing)}")
    extras = [c for c in inputs.columns if c not in INPUT_COLUMNS]
    frame = inputs.loc[:, [*INPUT_COLUMNS, *extras]].reset_index(drop=True)
    ids = frame["school_id"]
    if ids.isna().any():
        raise InputError("reward inputs: a row has no school_id")
    frame["school_id"] = ids.astype(str)
    dup = frame["school_id"][frame["school_id"].duplicated()]
    if not dup.empty:
        raise InputError(f"reward inputs: school_id {dup.iloc[0]} appears more than once")
    for col in COUNT_COLUMNS:
        values = pd.to_numeric(frame[col], errors="coerce")
        bad = values.isna() | (values < 0) | (values != np.floor(values))
        if bad.any():
            school = frame["school_id"][bad].iloc[0]
            raise InputError(
                f"reward inputs: {col} of {school} must be a whole number >= 0, "
                f"got {show(frame[col][bad].iloc[0])}"
            )
        frame[col] = values.astype(np.int64)
    return frame


def _measures(frame: pd.DataFrame, policy: RewardPolicy) -> pd.DataFrame:
    """Add the measures, gates, eligibility and the three components."""
    fulfilment = ratio(frame["c"], frame["quota"])
    withdrawal = ratio(frame["withdrawn"], frame["c"])
    out = frame.assign(
        fulfilment=fulfilment,
        data_quality=1 - ratio(frame["quarantined"], frame["standing"]),
        withdrawal=withdrawal,
        retention=1 - withdrawal,
        social_share=ratio(frame["social"], frame["c"]),
        priority_share=ratio(frame["priority"], frame["c"]),
    )

    g = policy.gates
    gate_cols: dict[str, Any] = {}
    failed = pd.Series("", index=out.index, dtype=object)
    for name in GATES:
        threshold = getattr(g, f"{name}_{GATE_BOUND[name]}")
        value = out[name]
        key = value.round(COMPARE_DECIMALS)
        ok = (key >= threshold if GATE_BOUND[name] == "min" else key <= threshold).astype(bool)
        gate_cols[f"gate_{name}_threshold"] = threshold
        gate_cols[f"gate_{name}_value"] = value
        gate_cols[f"gate_{name}_pass"] = ok
        failed = failed + np.where(ok, "", f"{name};")
    passed = [gate_cols[f"gate_{name}_pass"] for name in GATES]
    out = out.assign(
        **gate_cols,
        eligible=np.logical_and.reduce(passed).astype(bool),
        failed_gates=failed.str.rstrip(";"),
    )

    e, q = policy.expansion, policy.quality
    capped = np.minimum(out["fulfilment"], e.fulfilment_cap)
    q_total = q.retention + q.priority_share + q.data_quality
    return out.assign(
        speed=np.minimum(1.0, ratio(out["admitted_by_cutoff"], out["quota"])),
        expansion=e.fulfilment * capped / e.fulfilment_cap + e.social * out["social_share"],
        quality=(
            q.retention * out["retention"]
            + q.priority_share * out["priority_share"]
            + q.data_quality * out["data_quality"]
        )
        / q_total,
    )


def _split(amount: float, weights: np.ndarray) -> np.ndarray:
    """``amount × wᵢ / Σw``; equal parts if every weight is 0 (see module notes)."""
    total = weights.sum()
    if total > 0:
        return amount * weights / total
    return np.full(len(weights), amount / len(weights))


def _remainder_steps(
    shares: Sequence[float], keys: Sequence[str], total: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The largest-remainder method step by step: ``(floor, fraction, plus_one)``.

    ``floor`` is the whole part of each share and ``fraction`` the fractional part as it is
    ranked (rounded to :data:`REMAINDER_DECIMALS` places; a share within that of the next
    whole yuan counts as that whole yuan, fraction 0); ``plus_one`` marks the shares that get
    one of the ``total − Σ floor`` units left over: the largest fractions, ties by ``keys``.
    """
    exact = np.asarray(shares, dtype=float)
    base = np.floor(exact)
    frac = np.round(exact - base, REMAINDER_DECIMALS)
    whole = frac >= 1.0
    base = np.where(whole, base + 1, base).astype(np.int64)
    frac = np.where(whole, 0.0, frac)
    leftover = int(total - base.sum())
    if not 0 <= leftover <= exact.size:
        raise ValueError(f"shares sum to {exact.sum()!r}, not to {total}")
    order = np.lexsort((np.asarray(keys, dtype=str), -frac))
    plus = np.zeros(exact.size, dtype=bool)
    plus[order[:leftover]] = True
    return base, frac, plus


def largest_remainder(shares: Sequence[float], keys: Sequence[str], total: int) -> np.ndarray:
    """Whole amounts from exact ``shares`` that sum to ``total`` (the largest-remainder method).

    Each gets the floor of its share; the units left over go one each to the largest
    fractional parts, ties by ``keys`` ascending. Fractional parts are rounded to
    :data:`REMAINDER_DECIMALS` places first (see the module notes). The shares must sum to
    ``total`` up to float noise.
    """
    if len(shares) == 0:
        return np.zeros(0, dtype=np.int64)
    base, _, plus = _remainder_steps(shares, keys, total)
    return base + plus


def _tier_values(score: pd.Series, tiers: Sequence[Tier], field: str) -> np.ndarray:
    """Return the tier label or weight of each score (the first tier it reaches)."""
    key = score.round(COMPARE_DECIMALS).to_numpy()
    conditions = [key >= t.min_score for t in tiers]
    choices = [getattr(t, field) for t in tiers]
    return np.select(conditions, choices, default=getattr(tiers[-1], field))


def _spread(eligible: np.ndarray, values: np.ndarray, dtype: Any = float) -> np.ndarray:
    """Per-school values of the eligible schools, 0 (or False) for the others."""
    out = np.zeros(len(eligible), dtype=dtype)
    out[eligible] = values
    return out


def _exact_shares(
    score: pd.Series, c: np.ndarray, eligible: np.ndarray, policy: RewardPolicy
) -> dict[str, Any]:
    """The exact shares of the eligible schools and the steps of the configured method.

    Proportional: ``money_weight`` wᵢ = scoreᵢ × cᵢ and ``money_weight_total`` Σw. Tiered:
    ``tier_weight``, ``counted_total`` Σc, ``tier_weight_total``, ``half_by_counted``
    (pool/2 × cᵢ / Σc) and ``half_by_tier`` (pool/2 × tier weightᵢ / Σ tier weight). The
    columns of the other method are NaN (not applicable).
    """
    n = len(eligible)
    steps: dict[str, Any] = {name: np.full(n, np.nan) for name in ALLOCATION_STEP_COLUMNS}
    c_in = c[eligible]
    if policy.allocation == "proportional":
        weight = score.to_numpy()[eligible] * c_in
        exact = _split(float(policy.pool_yuan), weight) if eligible.any() else weight
        steps.update(money_weight=_spread(eligible, weight), money_weight_total=weight.sum())
    else:
        half = policy.pool_yuan / 2
        tier_weight = _tier_values(score, policy.tiers, "weight").astype(float)[eligible]
        by_counted = _split(half, c_in) if eligible.any() else c_in
        by_tier = _split(half, tier_weight) if eligible.any() else tier_weight
        exact = by_counted + by_tier
        steps.update(
            tier_weight=_spread(eligible, tier_weight),
            counted_total=c_in.sum(),
            tier_weight_total=tier_weight.sum(),
            half_by_counted=_spread(eligible, by_counted),
            half_by_tier=_spread(eligible, by_tier),
        )
    return {**steps, "exact_share": _spread(eligible, exact)}


def _allocation(
    score: pd.Series, measured: pd.DataFrame, policy: RewardPolicy
) -> dict[str, Any]:
    """Exact shares and whole yuan, with every step (see :func:`compute_rewards`)."""
    eligible = measured["eligible"].to_numpy(dtype=bool)
    steps = _exact_shares(score, measured["c"].to_numpy(dtype=float), eligible, policy)
    floor, frac, plus = _remainder_steps(
        steps["exact_share"][eligible],
        measured["school_id"].to_numpy()[eligible],
        policy.pool_yuan if eligible.any() else 0,
    )
    return {
        **steps,
        "share_floor": _spread(eligible, floor, np.int64),
        "share_fraction": _spread(eligible, frac),
        "plus_one": _spread(eligible, plus, bool),
        "leftover_yuan": np.int64(plus.sum()),
        "reward_yuan": _spread(eligible, floor + plus, np.int64),
    }


def _outcome(measured: pd.DataFrame, weights: Weights, policy: RewardPolicy) -> pd.DataFrame:
    """Score, rank, tier, the allocation's steps and the amount for one set of weights."""
    score = (
        weights.speed * measured["speed"]
        + weights.expansion * measured["expansion"]
        + weights.quality * measured["quality"]
    )
    order = (
        pd.DataFrame({"key": -score.round(COMPARE_DECIMALS), "id": measured["school_id"]})
        .sort_values(["key", "id"], kind="mergesort")
        .index
    )
    rank = pd.Series(np.arange(1, len(order) + 1), index=order).reindex(measured.index)
    return pd.DataFrame(
        {
            "score": score,
            "rank": rank.astype(np.int64),
            "tier": _tier_values(score, policy.tiers, "tier").astype(np.int64),
            **_allocation(score, measured, policy),
        },
        index=measured.index,
    )


def compute_rewards(inputs: pd.DataFrame, policy: RewardPolicy) -> pd.DataFrame:
    """Gates, measures, components, score, rank, tier and amount per school, step by step.

    ``inputs`` has one row per school with the columns of :data:`INPUT_COLUMNS`. The result
    has one row per school, sorted by rank: every input column, the measures, for each gate
    ``gate_<g>_threshold``, ``gate_<g>_value`` and ``gate_<g>_pass``, ``eligible``,
    ``failed_gates`` (``;``-joined in the order fulfilment;data_quality;withdrawal, ``''`` if
    none), ``speed``, ``expansion``, ``quality``, ``score``, ``rank``, ``tier``, then the
    steps of the allocation (DESIGN §5), so that the evaluator report shows the arithmetic
    without redoing it:

    - proportional: ``money_weight`` (wᵢ = scoreᵢ × cᵢ) and ``money_weight_total`` (Σw over
      the eligible schools); ``exact_share`` = pool × wᵢ / Σw;
    - tiered: ``tier_weight`` (the weight of the school's tier), ``counted_total`` (Σc) and
      ``tier_weight_total`` (Σ tier weight) over the eligible schools, ``half_by_counted``
      (pool/2 × cᵢ / Σc) and ``half_by_tier`` (pool/2 × tier weightᵢ / Σ tier weight);
      ``exact_share`` is their sum;
    - the columns of the method not configured are NaN; when every weight is 0 the pool (or
      the half) is split equally;
    - both: ``share_floor`` (the whole yuan of the exact share), ``share_fraction`` (its
      fractional part as ranked, rounded to :data:`REMAINDER_DECIMALS` places; a share within
      a micro-yuan below a whole yuan counts as that whole yuan), ``plus_one`` (the school
      got one of the yuan left over), ``leftover_yuan`` (pool − Σ floor, the yuan handed out
      one each; the same on every row) and ``reward_yuan`` = ``share_floor`` + ``plus_one``.

    A school that is not eligible takes no part in the allocation: its weights, shares,
    floor and fraction are 0 and ``plus_one`` is False, so each ``…_total`` column is the sum
    of its column. If no school is eligible every amount is 0 and the pool is unallocated
    (see :func:`allocation_summary`).
    """
    measured = _measures(_check_inputs(inputs), policy)
    detail = measured.join(_outcome(measured, policy.weights, policy))
    return detail.sort_values("rank", kind="mergesort").reset_index(drop=True)


def allocation_summary(detail: pd.DataFrame, policy: RewardPolicy) -> dict[str, Any]:
    """Pool, allocation and how much of it was paid out (for ``rewards_meta.json``)."""
    allocated = int(detail["reward_yuan"].sum()) if len(detail) else 0
    eligible = int(detail["eligible"].sum()) if len(detail) else 0
    return {
        "pool_yuan": policy.pool_yuan,
        "allocation": policy.allocation,
        "eligible_schools": eligible,
        "allocated_yuan": allocated,
        "unallocated_yuan": policy.pool_yuan - allocated,
        "unallocated": allocated == 0,
    }


def sensitivity(inputs: pd.DataFrame, policy: RewardPolicy) -> pd.DataFrame:
    """Ranks, amounts and tiers over every combination of weight factors.

    Each weight is multiplied by each of ``policy.sensitivity_factors`` (the default 0.8, 1.0,
    1.2 gives 27 combinations), the three are renormalised to sum to 1, and score, rank, tier
    and amount are recomputed. Returns, per school sorted by ``school_id``: ``rank_best``,
    ``rank_worst``, ``yuan_min``, ``yuan_max``, ``tier_min``, ``tier_max`` and
    ``tier_changes`` (the tier is not the same in every combination).
    """
    measured = _measures(_check_inputs(inputs), policy)
    w = policy.weights
    runs = []
    for fs, fe, fq in itertools.product(policy.sensitivity_factors, repeat=3):
        raw = (w.speed * fs, w.expansion * fe, w.quality * fq)
        total = sum(raw)
        weights = Weights(*(x / total for x in raw))
        out = _outcome(measured, weights, policy)
        runs.append(out.assign(school_id=measured["school_id"]))
    if not runs or measured.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in SENSITIVITY_COLUMNS})
    grouped = pd.concat(runs, ignore_index=True).groupby("school_id", sort=True)
    result = pd.DataFrame(
        {
            "rank_best": grouped["rank"].min(),
            "rank_worst": grouped["rank"].max(),
            "yuan_min": grouped["reward_yuan"].min(),
            "yuan_max": grouped["reward_yuan"].max(),
            "tier_min": grouped["tier"].min(),
            "tier_max": grouped["tier"].max(),
        }
    )
    result["tier_changes"] = result["tier_min"] != result["tier_max"]
    return result.reset_index()[list(SENSITIVITY_COLUMNS)]


def rewards_table(detail: pd.DataFrame) -> pd.DataFrame:
    """Return the DESIGN §6 ``rewards.csv`` columns, sorted by ``school_id``."""
    return (
        detail.loc[:, list(REWARDS_CSV_COLUMNS)]
        .sort_values("school_id", kind="mergesort")
        .reset_index(drop=True)
    )
