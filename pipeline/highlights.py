"""The bulletin's 主要特点: facts worked out from the period's published figures (pure).

A statistician reads more than the headline rate: how many schools are short of their quota
and by how much, whether the city's surplus is one school's, how the month changed on both
bases (against last month's figure as known now and as first published) and why last month
was revised, how many records still wait for a school's correction, where the period stands
against the deadline, and whether anything new came in. :func:`highlights` gathers these
from frames and dicts already loaded; the renderer turns them into sentences
(:mod:`pipeline.render.narrative`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

#: The causes a revision splits into (``revisions.csv``), in the order they are named.
CAUSES = ("late_submissions", "corrections", "supersessions", "other")
BEFORE, DEADLINE, AFTER = "before", "deadline", "after"


@dataclass(frozen=True)
class Fulfilment:
    """Schools against their quotas and the city against its target (people)."""

    schools: int
    counted: int
    target: int
    below: int = 0  # schools counted below their quota
    shortfall: int = 0  # their total shortfall
    above: int = 0  # schools counted above their quota
    surplus: int = 0  # their total surplus
    top_school: str = ""  # the school with the largest surplus ("" when none is over)
    top_surplus: int = 0

    @property
    def city_surplus(self) -> int:
        """Counted minus the target: positive over target, negative short of it."""
        return self.counted - self.target

    @property
    def top_exceeds_city(self) -> bool:
        """Whether the city is over its target by less than one school's surplus alone."""
        return 0 < self.city_surplus < self.top_surplus


@dataclass(frozen=True)
class Change:
    """The month-on-month change on both bases and the revision of the previous month."""

    previous_period: str | None = None
    previous_current: int | None = None  # last month as known now
    previous_first: int | None = None  # last month as first published (or re-derived)
    first_source: str | None = None  # "archive" or "rederived"
    change_current: int | None = None
    change_first: int | None = None
    causes: Mapping[str, int] = field(default_factory=dict)  # non-zero causes, in order

    @property
    def revision(self) -> int | None:
        """How much last month moved since it was first published."""
        if self.previous_current is None or self.previous_first is None:
            return None
        return self.previous_current - self.previous_first


@dataclass(frozen=True)
class Highlights:
    """Everything the 主要特点 paragraph says."""

    fulfilment: Fulfilment
    change: Change
    phase: str  # BEFORE, DEADLINE or AFTER the month of the programme's deadline
    quarantined: int  # records awaiting a school's correction
    quarantined_schools: int
    new_files: int | None  # rosters in the period's own folder (None: not known)


def _int(val: object) -> int | None:
    """A whole number from a cell or a JSON value; None for empty, NaN or text."""
    try:
        x = float(val)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(x) else round(x)


def fulfilment_facts(per_school: pd.DataFrame, counted: int, target: int) -> Fulfilment:
    """Schools below and above their quota (``school_id``, ``quota``, ``counted``), their
    shortfall and surplus, and the school with the largest surplus (ties: the first
    ``school_id``)."""
    diff = per_school["counted"].astype("int64") - per_school["quota"].astype("int64")
    ids = per_school["school_id"].astype(str)
    top = ""
    if (diff > 0).any():
        order = pd.DataFrame({"id": ids, "d": diff}).sort_values(["d", "id"],
                                                                 ascending=[False, True])
        top = str(order["id"].iloc[0])
    return Fulfilment(
        schools=len(per_school), counted=int(counted), target=int(target),
        below=int((diff < 0).sum()), shortfall=int(-diff[diff < 0].sum()),
        above=int((diff > 0).sum()), surplus=int(diff[diff > 0].sum()),
        top_school=top, top_surplus=int(diff.max()) if top else 0,
    )


def change_facts(summary: Mapping, revisions: pd.DataFrame | None) -> Change:
    """The change since last month on both bases (``summary.json``) and the causes of last
    month's revision (its row of ``revisions.csv``; causes that are zero are left out)."""
    prev = summary.get("previous_period")
    row: Mapping = {}
    if prev and revisions is not None and "month" in revisions:
        match = revisions[revisions["month"].astype(str) == str(prev)]
        row = match.iloc[0].to_dict() if len(match) else {}
    causes = {c: n for c in CAUSES if (n := _int(row.get(c)))}
    source = row.get("first_published_source")
    return Change(
        previous_period=prev or None,
        previous_current=_int(summary.get("previous_counted")),
        previous_first=_int(summary.get("previous_first_published")),
        first_source=str(source) if source else None,
        change_current=_int(summary.get("change_since_last_month")),
        change_first=_int(summary.get("change_vs_first_published")),
        causes=causes,
    )


def deadline_phase(period: str, window_end: str | None) -> str:
    """Whether ``period`` (YYYY-MM) is before, in or after the month of the deadline."""
    if not window_end:
        return BEFORE
    deadline = str(window_end)[:7]
    return BEFORE if period < deadline else (DEADLINE if period == deadline else AFTER)


def highlights(summary: Mapping, per_school: pd.DataFrame, revisions: pd.DataFrame | None,
               quarantine: pd.DataFrame | None, ingest: Mapping) -> Highlights:
    """The facts of one period (``summary.json``, ``fulfilment_by_school``, ``revisions``,
    ``quarantine`` with a ``school_id`` column, ``ingest_report.json``)."""
    counted, target = _int(summary.get("counted")) or 0, _int(summary.get("target")) or 0
    schools = 0
    if quarantine is not None and len(quarantine):
        ids = quarantine["school_id"].fillna("").astype(str)
        schools = int(ids[ids != ""].nunique())
    quarantined = _int(summary.get("quarantined_rows"))
    return Highlights(
        fulfilment=fulfilment_facts(per_school, counted, target),
        change=change_facts(summary, revisions),
        phase=deadline_phase(str(summary.get("period", "")), summary.get("window_end")),
        quarantined=quarantined if quarantined is not None else (
            0 if quarantine is None else len(quarantine)),
        quarantined_schools=schools,
        new_files=_int(ingest.get("new_files")),
    )
