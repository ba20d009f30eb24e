"""What an evaluator needs to defend each reward decision (DESIGN §5): the distance in
persons to every gate, whether pending corrections could change a decision, sensitivity by
family, concentration of the pool, and the yuan that withdrawn students bring.

Pure functions over the per-school inputs and a :class:`~pipeline.policy.RewardPolicy`;
every recomputation goes through :func:`pipeline.rewards.compute_rewards` (one
implementation of the formula).
"""

from __future__ import annotations

import dataclasses
import math
from fractions import Fraction

import numpy as np
import pandas as pd

from pipeline.policy import RewardPolicy
from pipeline.rewards import GATES, compute_rewards, largest_remainder

GATE_FACTORS = (0.9, 1.0, 1.1)
CAPS = (1.0, 1.2, 1.5)
FAMILIES = ("weights", "gate_fulfilment", "gate_data_quality", "gate_withdrawal",
            "fulfilment_cap", "allocation")


def _exact(x: float) -> Fraction:
    """A configured threshold as the decimal a person wrote (0.6 is 3/5, not its float)."""
    return Fraction(repr(float(x)))


def distances(inputs: pd.Series, policy: RewardPolicy) -> dict[str, int | None]:
    """Per gate, the smallest number of persons that flips it, all else equal, in exact
    arithmetic: for a failing gate how many more counted students (fulfilment), fewer
    quarantined rows (data quality) or fewer withdrawals (withdrawal); for a passing gate how
    many fewer, more or more make it fail. None where no number of persons can."""
    g = policy.gates
    c, q = int(inputs["c"]), int(inputs["quota"])
    qu, st, wd = int(inputs["quarantined"]), int(inputs["standing"]), int(inputs["withdrawn"])
    out: dict[str, int | None] = {}
    need = math.ceil(_exact(g.fulfilment_min) * q)  # counted needed to pass
    if q == 0 or (c >= need and need == 0):
        out["fulfilment"] = None  # no number of persons flips it
    else:
        out["fulfilment"] = need - c if c < need else c - need + 1
    allowed = math.floor((1 - _exact(g.data_quality_min)) * st)  # quarantined allowed
    if st == 0:
        out["data_quality"] = None
    elif qu > allowed:
        out["data_quality"] = qu - allowed
    else:
        out["data_quality"] = allowed - qu + 1 if allowed + 1 <= st else None
    most = math.floor(_exact(g.withdrawal_max) * c)  # withdrawals allowed
    if c == 0:
        out["withdrawal"] = None
    elif wd > most:
        out["withdrawal"] = wd - most
    else:
        out["withdrawal"] = most - wd + 1 if most + 1 <= c else None
    return out


def distance_table(inputs: pd.DataFrame, policy: RewardPolicy) -> pd.DataFrame:
    """``school_id`` and ``distance_<gate>`` for every school (nullable integers)."""
    rows = [{"school_id": r["school_id"],
             **{f"distance_{k}": v for k, v in distances(r, policy).items()}}
            for _, r in inputs.iterrows()]
    return pd.DataFrame(rows).astype({f"distance_{g}": "Int64" for g in GATES})


def best_case(inputs: pd.DataFrame, school_id: str) -> pd.DataFrame:
    """The inputs with every outstanding quarantined row of one school corrected in the way
    best for it: clean, counted, admitted by the cutoff, of a social group and a priority
    major (no other school changes)."""
    out = inputs.copy()
    at = out.index[out["school_id"] == school_id]
    extra = out.loc[at, "quarantined"]
    for col in ("c", "admitted", "admitted_by_cutoff", "social", "priority"):
        out.loc[at, col] = out.loc[at, col] + extra
    out.loc[at, "quarantined"] = 0
    return out


def pending(inputs: pd.DataFrame, policy: RewardPolicy, detail: pd.DataFrame) -> pd.DataFrame:
    """For every school with outstanding quarantined rows: whether correcting all of them
    could change its eligibility, and its amount now and in that best case."""
    now = detail.set_index("school_id")
    rows = []
    for sid in inputs.loc[inputs["quarantined"] > 0, "school_id"]:
        best = compute_rewards(best_case(inputs, sid), policy).set_index("school_id").loc[sid]
        rows.append({
            "school_id": sid, "pending_rows": int(now.loc[sid, "quarantined"]),
            "eligible_now": bool(now.loc[sid, "eligible"]),
            "eligible_best_case": bool(best["eligible"]),
            "could_change": bool(best["eligible"]) != bool(now.loc[sid, "eligible"]),
            "yuan_now": int(now.loc[sid, "reward_yuan"]),
            "yuan_best_case": int(best["reward_yuan"]),
        })
    return pd.DataFrame(rows, columns=["school_id", "pending_rows", "eligible_now",
                                       "eligible_best_case", "could_change", "yuan_now",
                                       "yuan_best_case"])


def variants(policy: RewardPolicy) -> dict[str, list[RewardPolicy]]:
    """The policies of each sensitivity family but the weights (DESIGN §5): each gate
    threshold × 0.9, 1.0, 1.1 (within [0, 1]); the fulfilment cap 1.0, 1.2, 1.5; the other
    allocation method."""
    out: dict[str, list[RewardPolicy]] = {}
    for gate, field in (("fulfilment", "fulfilment_min"), ("data_quality", "data_quality_min"),
                        ("withdrawal", "withdrawal_max")):
        base = getattr(policy.gates, field)
        out[f"gate_{gate}"] = [dataclasses.replace(policy, gates=dataclasses.replace(
            policy.gates, **{field: min(1.0, base * f)})) for f in GATE_FACTORS]
    out["fulfilment_cap"] = [dataclasses.replace(policy, expansion=dataclasses.replace(
        policy.expansion, fulfilment_cap=cap)) for cap in CAPS]
    other = "tiered" if policy.allocation == "proportional" else "proportional"
    out["allocation"] = [policy, dataclasses.replace(policy, allocation=other)]
    return out


def sensitivity_families(inputs: pd.DataFrame, policy: RewardPolicy,
                         weights: pd.DataFrame) -> pd.DataFrame:
    """Every school's range of rank and amount in each family (long: ``family, school_id,
    rank_best, rank_worst, yuan_min, yuan_max``); the weights family is the one
    :func:`pipeline.rewards.sensitivity` computed (``weights``)."""
    parts = [weights.assign(family="weights")[["family", "school_id", "rank_best",
                                               "rank_worst", "yuan_min", "yuan_max"]]]
    for family, policies in variants(policy).items():
        runs = pd.concat([compute_rewards(inputs, p)[["school_id", "rank", "reward_yuan"]]
                          for p in policies], ignore_index=True)
        g = runs.groupby("school_id", sort=True)
        parts.append(pd.DataFrame({
            "family": family, "rank_best": g["rank"].min(), "rank_worst": g["rank"].max(),
            "yuan_min": g["reward_yuan"].min(), "yuan_max": g["reward_yuan"].max(),
        }).reset_index()[["family", "school_id", "rank_best", "rank_worst", "yuan_min",
                          "yuan_max"]])
    return pd.concat(parts, ignore_index=True)


def concentration(detail: pd.DataFrame, policy: RewardPolicy) -> pd.DataFrame:
    """Each eligible school's share of the pool and yuan per counted student, and — shown,
    not applied — its amount if the money weight counted at most ``cap × quota`` students
    (the score caps fulfilment at the cap; the money weight does not)."""
    d = detail[detail["eligible"].astype(bool)].sort_values("school_id")
    if d.empty:
        return pd.DataFrame(columns=["school_id", "share_of_pool", "yuan_per_counted",
                                     "capped_counted", "yuan_if_capped"])
    c = d["c"].to_numpy(dtype=float)
    capped = np.minimum(c, policy.expansion.fulfilment_cap * d["quota"].to_numpy(dtype=float))
    pool = float(policy.pool_yuan)
    if policy.allocation == "proportional":
        weights = d["score"].to_numpy() * capped
        exact = pool * weights / weights.sum() if weights.sum() > 0 else np.zeros(len(d))
    else:
        tier_w = d["tier_weight"].to_numpy(dtype=float) if "tier_weight" in d else np.ones(
            len(d))
        exact = pool / 2 * capped / capped.sum() + pool / 2 * tier_w / tier_w.sum()
    amounts = largest_remainder(exact, d["school_id"].to_numpy(), policy.pool_yuan)
    yuan = d["reward_yuan"].to_numpy(dtype=float)
    return pd.DataFrame({
        "school_id": d["school_id"].to_numpy(),
        "share_of_pool": yuan / pool,
        "yuan_per_counted": np.divide(yuan, c, out=np.zeros(len(d)), where=c > 0),
        "capped_counted": capped,
        "yuan_if_capped": amounts,
    })


def withdrawn_contribution(detail: pd.DataFrame, policy: RewardPolicy) -> pd.Series:
    """Yuan of each amount that withdrawn students bring as counted persons in the money
    weight: the part of the amount allocated by counted students, times withdrawn / c."""
    c = detail["c"].to_numpy(dtype=float)
    by_counted = detail["reward_yuan"].to_numpy(dtype=float)
    if policy.allocation == "tiered" and "half_by_counted" in detail:
        by_counted = np.minimum(by_counted, detail["half_by_counted"].to_numpy(dtype=float))
    share = np.divide(detail["withdrawn"].to_numpy(dtype=float), c, out=np.zeros(len(c)),
                      where=c > 0)
    return pd.Series(np.round(by_counted * share, 2), index=detail.index)
