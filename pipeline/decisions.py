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
from pipeline.publication import Publication
from pipeline.rewards import GATES, compute_rewards, largest_remainder, sensitivity

GATE_FACTORS = (0.9, 1.0, 1.1)
CAPS = (1.0, 1.2, 1.5)
FAMILIES = ("weights", "gate_fulfilment", "gate_data_quality", "gate_withdrawal",
            "fulfilment_cap", "allocation")
RANGE_COLUMNS = ("rank_best", "rank_worst", "yuan_min", "yuan_max")
#: Quarantined rows of a school listed in its letter (the rest are in its feedback workbook).
LISTED_ROWS = 50
PENDING_ROW_COLUMNS = ("source_file", "sheet", "source_row", "id_masked", "reasons")


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
    # quarantined rows allowed of the standing ones; withdrawals allowed of the counted
    allowed = math.floor((1 - _exact(g.data_quality_min)) * st)
    out["data_quality"] = _at_most(qu, allowed, st)
    out["withdrawal"] = _at_most(wd, math.floor(_exact(g.withdrawal_max) * c), c)
    return out


def _at_most(count: int, allowed: int, total: int) -> int | None:
    """Distance of a gate passed while ``count`` ≤ ``allowed`` (of ``total``): how many fewer
    pass it, how many more fail it; None when no count of ``total`` fails it (or no total)."""
    if total == 0:
        return None
    if count > allowed:
        return count - allowed
    return allowed - count + 1 if allowed + 1 <= total else None


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


# --------------------------------------------------------------------------- stage 04 wiring


def _safe_split(amount: float, weights: np.ndarray) -> np.ndarray:
    """``amount × wᵢ / Σw`` (zeros when every weight is 0)."""
    total = weights.sum()
    return amount * weights / total if total > 0 else np.zeros(len(weights))


def overall_ranges(families: pd.DataFrame) -> pd.DataFrame:
    """Per school the range of rank and amount over every family (``rank_best_any``,
    ``rank_worst_any``, ``yuan_min_any``, ``yuan_max_any``)."""
    g = families.groupby("school_id", sort=True)
    return pd.DataFrame({
        "rank_best_any": g["rank_best"].min(), "rank_worst_any": g["rank_worst"].max(),
        "yuan_min_any": g["yuan_min"].min(), "yuan_max_any": g["yuan_max"].max(),
    }).reset_index()


def _pending_columns(inputs: pd.DataFrame, policy: RewardPolicy,
                     detail: pd.DataFrame) -> pd.DataFrame:
    """:func:`pending` for every school: where nothing is pending the best case is now."""
    got = pending(inputs, policy, detail).set_index("school_id")
    now = detail.set_index("school_id")
    eligible = now["eligible"].astype(bool)
    return pd.DataFrame({
        "eligible_best_case": got["eligible_best_case"].reindex(now.index).fillna(eligible)
        .astype(bool),
        "pending_could_change": got["could_change"].reindex(now.index).fillna(False)
        .astype(bool),
        "yuan_best_case": got["yuan_best_case"].reindex(now.index).fillna(now["reward_yuan"])
        .astype(np.int64),
    }).reset_index()


def _concentration_columns(detail: pd.DataFrame, policy: RewardPolicy) -> pd.DataFrame:
    """:func:`concentration` for every school (0 for the schools that are not eligible)."""
    got = concentration(detail, policy).set_index("school_id")
    ids = detail["school_id"]
    return pd.DataFrame({
        "school_id": ids.to_numpy(),
        **{col: got[col].reindex(ids).fillna(0).to_numpy()
           for col in ("share_of_pool", "yuan_per_counted", "capped_counted")},
        "yuan_if_capped": got["yuan_if_capped"].reindex(ids).fillna(0).astype(np.int64)
        .to_numpy(),
    })


def decision_detail(inputs: pd.DataFrame,
                    policy: RewardPolicy) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Everything an evaluator defends a decision with, per school, and the sensitivity
    families (long, as :func:`sensitivity_families`).

    The detail is :func:`pipeline.rewards.compute_rewards` (by rank) with, per school: the
    weights' sensitivity range (:func:`pipeline.rewards.sensitivity`), ``distance_<gate>``,
    the range over every family (:func:`overall_ranges`), ``eligible_best_case``,
    ``pending_could_change`` and ``yuan_best_case`` (:func:`pending`; the best case is now
    where nothing is pending), the concentration columns (:func:`concentration`; 0 where not
    eligible) and ``withdrawn_yuan`` (:func:`withdrawn_contribution`).
    """
    detail = compute_rewards(inputs, policy)
    weights = sensitivity(inputs, policy)
    families = sensitivity_families(inputs, policy, weights)
    out = (detail.merge(weights, on="school_id", how="left")
           .merge(distance_table(inputs, policy), on="school_id", how="left")
           .merge(overall_ranges(families), on="school_id", how="left")
           .merge(_pending_columns(inputs, policy, detail), on="school_id", how="left")
           .merge(_concentration_columns(detail, policy), on="school_id", how="left"))
    out["withdrawn_yuan"] = withdrawn_contribution(out, policy).to_numpy()
    return out, families


def school_files(records: pd.DataFrame, evidence: pd.DataFrame,
                 hashes: dict[str, str]) -> dict[str, list[dict]]:
    """Per school, the files its figures come from: every file it sent (``file_school_id``)
    and every file holding a record counted for it, each with ``counted`` (records counted
    for the school), ``standing`` and ``quarantined`` (rows of the file when the school sent
    it) and ``sha256`` (``hashes``: by ``source_file``; empty when unknown)."""
    standing = records[records["state"] != "superseded"]
    sent = standing.assign(quarantined=standing["state"] == "quarantined").groupby(
        ["file_school_id", "source_file"], sort=True).agg(
        standing=("state", "size"), quarantined=("quarantined", "sum"))
    sent.index = sent.index.set_names(["school_id", "source_file"])
    counted = evidence[evidence["c"].astype(bool)].groupby(
        ["school_id", "source_file"], sort=True).size().rename("counted")
    table = sent.join(counted, how="outer").fillna(0).astype(np.int64).reset_index()
    out: dict[str, list[dict]] = {}
    for sid, rows in table.groupby("school_id", sort=True):
        out[str(sid)] = [{"source_file": r.source_file, "counted": int(r.counted),
                          "standing": int(r.standing), "quarantined": int(r.quarantined),
                          "sha256": hashes.get(r.source_file, "")}
                         for r in rows.itertuples(index=False)]
    return out


def pending_rows(records: pd.DataFrame) -> dict[str, dict]:
    """Per school, its outstanding quarantined rows: ``count``, ``by_reason`` (rows per
    reason code) and ``rows`` (the first :data:`LISTED_ROWS` by file, sheet and row: file,
    sheet, row, masked ID and reason codes; never a name)."""
    q = records[records["state"] == "quarantined"].sort_values(
        ["file_school_id", "source_file", "sheet", "source_row"], kind="stable")
    out: dict[str, dict] = {}
    for sid, rows in q.groupby("file_school_id", sort=True):
        codes = rows["reasons"].str.split(";").explode()
        out[str(sid)] = {
            "count": len(rows),
            "by_reason": {str(k): int(v) for k, v in codes[codes != ""].value_counts()
                          .sort_index().items()},
            "rows": rows.loc[:, list(PENDING_ROW_COLUMNS)].head(LISTED_ROWS)
            .to_dict("records"),
        }
    return out


def notice(publication: Publication, period: str) -> dict:
    """What a decision letter says about publication, 公示 and 复核 for a period: the issuing
    unit, the release date (the letter's date, the first day of the 公示), the last day of
    the 公示, the review route and its deadline, the contact, the policy cited and the
    sign-off names (both languages where the configuration has them)."""
    p = publication
    return {
        "issuing_unit": p.issuing_unit, "issuing_unit_en": p.issuing_unit_en,
        "released": p.released(period).isoformat(), "notice_days": p.notice_days,
        "notice_ends": p.notice_ends(period).isoformat(), "review_days": p.review_days,
        "review_deadline": p.review_deadline(period).isoformat(),
        "review_route": p.review_route, "review_route_en": p.review_route_en,
        "contact": p.contact, "policy_citation": p.policy_citation,
        "policy_title": p.policy_title, "compiled_by": p.compiled_by,
        "reviewed_by": p.reviewed_by, "approved_by": p.approved_by,
    }
