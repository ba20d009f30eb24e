"""The evaluator report's defence of each decision: pending corrections, sensitivity by family,
concentration of the pool, the yuan withdrawn students carry, and the reproducibility block.

Builders take the rewards detail frame (as :func:`pipeline.decisions.decision_detail` wrote
it into ``rewards_detail.csv``) or the rewards meta (``families``, ``reproducibility`` and the
policy, as stage 04 wrote them) and a :class:`~pipeline.render.labels.Labels`. They show
numbers; they compute none but differences of two shown figures.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from pipeline.decisions import FAMILIES, GATE_FACTORS
from pipeline.render.formats import fmt_g, fmt_int, fmt_num, fmt_pct, fmt_signed
from pipeline.render.labels import Labels
from pipeline.render.rewards_tables import policy_of, range_text, ranked, yes_no
from pipeline.render.table import Table, labelled_table

GATE_FIELDS = {"gate_fulfilment": "fulfilment_min", "gate_data_quality": "data_quality_min",
               "gate_withdrawal": "withdrawal_max"}


def pending_conclusion(row: Any, labels: Labels) -> str:
    """Whether correcting every pending row could change a school's eligibility, in words."""
    if bool(row["pending_could_change"]):
        return labels.t("rw.pending.could_change")
    return labels.t("rw.pending.stays_eligible" if bool(row["eligible"])
                    else "rw.pending.stays_ineligible")


def pending_table(detail: pd.DataFrame, labels: Labels) -> Table:
    """Every school with quarantined rows outstanding: now and in the best case."""
    rows = [
        [r["school_id"], r["school_name"], int(r["quarantined"]), yes_no(labels, r["eligible"]),
         yes_no(labels, r["eligible_best_case"]), int(r["reward_yuan"]),
         int(r["yuan_best_case"]), pending_conclusion(r, labels)]
        for _, r in ranked(detail).iterrows() if int(r["quarantined"]) > 0
    ]
    columns = ("school_id", "school_name", "pending_rows", "eligible_now", "eligible_best_case",
               "yuan_now", "yuan_best_case", "conclusion")
    kinds = ["text", "text", "int", "text", "text", "int", "int", "text"]
    return labelled_table(labels, "pending", columns, kinds, rows, section="rw")


def _family_table(detail: pd.DataFrame, families: pd.DataFrame, labels: Labels,
                  key: str, fields: tuple[str, str, str]) -> Table:
    """One range per school (by code: the names are in the tables above) and family
    (``fields``: the figure now, the low and high ends)."""
    now, low, high = fields
    by = families.set_index(["family", "school_id"])
    rows = []
    for _, r in ranked(detail).iterrows():
        cells = [range_text(by.loc[(f, r["school_id"]), low], by.loc[(f, r["school_id"]), high])
                 if (f, r["school_id"]) in by.index else "" for f in FAMILIES]
        rows.append([r["school_id"], fmt_int(r[now]), *cells])
    headers = [*labels.headers("rw.col", ("school_id", "now")),
               *labels.headers("rw.family", FAMILIES)]
    return Table(f"rw_{key}", labels.t(f"rw.tables.{key}"), headers,
                 ["text", "int"] + ["int"] * len(FAMILIES), rows)


def family_tables(detail: pd.DataFrame, meta: dict, labels: Labels) -> list[Table]:
    """The rank range and the amount range of every school in every family."""
    families = pd.DataFrame(meta.get("families") or [],
                            columns=["family", "school_id", "rank_best", "rank_worst",
                                     "yuan_min", "yuan_max"])
    return [
        _family_table(detail, families, labels, "families_rank",
                      ("rank", "rank_best", "rank_worst")),
        _family_table(detail, families, labels, "families_yuan",
                      ("reward_yuan", "yuan_min", "yuan_max")),
    ]


def family_rules(meta: dict, labels: Labels) -> list[tuple[str, str]]:
    """What each family varies, with the policy's own values, as (label, text)."""
    policy = policy_of(meta)
    factors = policy["sensitivity"]["factors"]
    out = [(labels.t("rw.family.weights"),
            labels.t("rw.family_rule.weights", factors=", ".join(fmt_g(x) for x in factors),
                     n=len(factors) ** 3))]
    for family, field in GATE_FIELDS.items():
        base = float(policy["gates"][field])
        values = ", ".join(fmt_g(round(min(1.0, base * f), 9)) for f in GATE_FACTORS)
        out.append((labels.t(f"rw.family.{family}"),
                    labels.t("rw.family_rule.gate", values=values)))
    out += [(labels.t(f"rw.family.{f}"), labels.t(f"rw.family_rule.{f}"))
            for f in ("fulfilment_cap", "allocation")]
    return out


def fmt_count(val: object) -> str:
    """A number of persons that may be fractional (``1.2 × quota``): whole where it is."""
    x = float(val)
    return fmt_int(x) if x == int(x) else fmt_num(x, 1)


def concentration_table(detail: pd.DataFrame, labels: Labels) -> Table:
    """Each eligible school's share of the pool, yuan per counted student, and the amount
    under the capped money weight (shown, not applied) with its difference."""
    rows = [
        [r["school_id"], r["school_name"], int(r["quota"]), int(r["c"]), float(r["fulfilment"]),
         int(r["reward_yuan"]), float(r["share_of_pool"]), fmt_num(r["yuan_per_counted"], 2),
         fmt_count(r["capped_counted"]), int(r["yuan_if_capped"]),
         fmt_signed(int(r["yuan_if_capped"]) - int(r["reward_yuan"]))]
        for _, r in ranked(detail).iterrows() if bool(r["eligible"])
    ]
    columns = ("school_id", "school_name", "quota", "c", "fulfilment", "reward_yuan",
               "share_of_pool", "yuan_per_counted", "capped_counted", "yuan_if_capped",
               "capped_difference")
    kinds = ["text", "text", "int", "int", "pct", "int", "pct", "text", "text", "int", "text"]
    return labelled_table(labels, "concentration", columns, kinds, rows, section="rw")


def concentration_text(detail: pd.DataFrame, meta: dict, labels: Labels) -> list[str]:
    """Why concentration arises under the configured allocation, and the school with the
    largest share in figures."""
    cap = fmt_g(policy_of(meta)["expansion"]["fulfilment_cap"])
    eligible = detail[detail["eligible"].astype(bool)]
    if eligible.empty:
        return [labels.t("rw.concentration.none")]
    why = labels.t(f"rw.concentration.why_{meta.get('allocation', 'proportional')}", cap=cap)
    top = eligible.sort_values(["share_of_pool", "school_id"], ascending=[False, True],
                               kind="stable").iloc[0]
    return [why, labels.t(
        "rw.concentration.top", school=f"{top['school_id']} {top['school_name']}",
        c=fmt_int(top["c"]), f=fmt_pct(top["fulfilment"]), share=fmt_pct(top["share_of_pool"]),
        per=fmt_num(top["yuan_per_counted"], 2), cap=cap, capped=fmt_count(top["capped_counted"]),
        alt=fmt_int(top["yuan_if_capped"]),
        diff=fmt_signed(int(top["yuan_if_capped"]) - int(top["reward_yuan"])))]


def withdrawn_table(detail: pd.DataFrame, labels: Labels) -> Table:
    """The yuan of each eligible school's amount that its withdrawn students carry."""
    rows = [
        [r["school_id"], r["school_name"], int(r["withdrawn"]), int(r["c"]),
         int(r["reward_yuan"]), fmt_num(r["withdrawn_yuan"], 2),
         fmt_pct(float(r["withdrawn_yuan"]) / float(r["reward_yuan"]), 2)
         if float(r["reward_yuan"]) else ""]
        for _, r in ranked(detail).iterrows() if bool(r["eligible"])
    ]
    columns = ("school_id", "school_name", "withdrawn", "c", "reward_yuan", "withdrawn_yuan",
               "withdrawn_share")
    kinds = ["text", "text", "int", "int", "int", "text", "text"]
    return labelled_table(labels, "withdrawn", columns, kinds, rows,
                          note=labels.t("rw.withdrawn_note"), section="rw")


def repro_items(meta: dict, labels: Labels) -> list[tuple[str, str]]:
    """The reproducibility block (run ID, the hashes, version, commit) as (label, value)."""
    r = meta.get("reproducibility") or {}
    return [
        (labels.t("rw.repro.run_id"), str(r.get("run_id", ""))),
        (labels.t("rw.repro.policy", file=r.get("policy_file", "")),
         str(r.get("policy_sha256", ""))),
        (labels.t("rw.repro.inputs", n=r.get("inputs_count", 0)),
         str(r.get("inputs_sha256", ""))),
        (labels.t("rw.repro.published"), str(r.get("published_sha256", ""))),
        (labels.t("rw.repro.version"), str(r.get("version", ""))),
        (labels.t("rw.repro.commit"), str(r.get("commit", ""))),
    ]


def repro_method(meta: dict, labels: Labels) -> str:
    """How the combined digests are made, with the published tables named."""
    files = " ".join((meta.get("reproducibility") or {}).get("published_files", []))
    return labels.t("rw.repro.method", files=files)
