"""Revisions: each earlier month as first published against the figure known now, and why it
moved — late submissions, corrections, supersessions — by school.

Pure functions over the records stage 01 keeps (their deduplication keys, folders, states,
admission dates and statuses) and the figures the archive says were published. For a month M:

- *then*: the students counted as M would have published them (only the folders up to M);
- *now*: the students counted at M's end with every folder received since;
- a student counted now and not then is a **late submission** if no folder up to M held a
  row of them, a **correction** if their row then was quarantined, else a **supersession**
  (a clean row then, not counted, updated by a later one);
- a student counted then and not now is a **supersession** if a later row replaced theirs,
  else **other** (a later submission of the same student by another school won);
- where the archive's first-published figure differs from the re-derived one (the month was
  published from other inputs or by another version), the difference is **other** too, so
  that the causes add up to the revision.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from pipeline.dedup import clean_as_published, contested_rows, own_reason, superseding_folder
from pipeline.fulfilment import flag_arrays

CAUSES = ("late_submissions", "corrections", "supersessions", "other")
COLUMNS = ("folder", "dedup_key", "student_code", "id_valid", "school_id", "status",
           "admission_date", "order", "own_reason", "state")


def by_school(records: pd.DataFrame, month_ends: list[tuple[str, dt.date]],
              registered_statuses: tuple[str, ...], basis: str) -> pd.DataFrame:
    """Per month and school: ``then`` (re-derived as first published), ``now``, and the
    change split into :data:`CAUSES` (``now - then`` is their sum)."""
    rows = records[list(COLUMNS)].reset_index(drop=True)
    nxt = superseding_folder(rows)
    own = own_reason(rows)
    contested = contested_rows(rows, own)
    key = rows["dedup_key"].to_numpy()
    school_of = pd.Series(rows["school_id"].to_numpy(), index=key).groupby(level=0).first()
    clean_now = (rows["state"] == "clean").to_numpy()
    admission = rows["admission_date"].to_numpy()
    registered = rows["status"].isin(registered_statuses).to_numpy()
    folder = rows["folder"].to_numpy()
    parts = []
    for month, end in month_ends:
        ok_then = clean_as_published(rows, nxt, month, registered_statuses, own=own,
                                     contested=contested)
        counts = flag_arrays(admission, registered, end, basis)[2]
        sets = _key_sets(key, folder <= month, ok_then, ok_then & counts, clean_now & counts)
        parts.append(_per_school(sets, school_of).assign(month=month))
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=["month", "school_id", "then", "now", *CAUSES])
    return out[["month", "school_id", "then", "now", *CAUSES]]


def _key_sets(key: np.ndarray, in_prefix: np.ndarray, clean_then: np.ndarray,
              counted_then: np.ndarray, counted_now: np.ndarray) -> dict[str, np.ndarray]:
    """The students (deduplication keys) of each kind for one month."""
    known = key >= 0
    then = np.unique(key[counted_then])
    now = np.unique(key[counted_now])
    present = np.unique(key[in_prefix & known])
    later = np.unique(key[~in_prefix & known])
    was_clean = np.unique(key[clean_then])
    added, removed = np.setdiff1d(now, then), np.setdiff1d(then, now)
    seen = np.intersect1d(added, present)
    return {
        "then": then, "now": now,
        "late": np.setdiff1d(added, present),
        "corrected": np.setdiff1d(seen, was_clean),
        "updated": np.intersect1d(added, was_clean),
        "replaced": np.intersect1d(removed, later),
        "lost": np.setdiff1d(removed, later),
    }


def _per_school(sets: dict[str, np.ndarray], school_of: pd.Series) -> pd.DataFrame:
    """Counts of each kind of student per school."""
    def count(keys: np.ndarray) -> pd.Series:
        return school_of.reindex(keys).value_counts()

    out = pd.DataFrame({
        "then": count(sets["then"]), "now": count(sets["now"]),
        "late_submissions": count(sets["late"]), "corrections": count(sets["corrected"]),
        "supersessions": count(sets["updated"]).sub(count(sets["replaced"]), fill_value=0),
        "other": -count(sets["lost"]),
    }).fillna(0).astype(np.int64)
    return out.rename_axis("school_id").reset_index().sort_values("school_id",
                                                                  kind="stable")


def table(per_school: pd.DataFrame, first_published: dict[str, int]) -> pd.DataFrame:
    """``revisions.csv``: per month, the first-published figure (from the archive where the
    month was published by kuozhao, else re-derived and labelled so), the re-derived one,
    the current one, the revision and its causes."""
    months = per_school.groupby("month", sort=True)[["then", "now", *CAUSES]].sum()
    rows = []
    for month, m in months.iterrows():
        published = first_published.get(month)
        first = int(m["then"]) if published is None else int(published)
        rows.append({
            "month": month, "first_published": first,
            "first_published_source": "rederived" if published is None else "archive",
            "rederived": int(m["then"]), "current": int(m["now"]),
            "revision": int(m["now"]) - first,
            **{c: int(m[c]) for c in CAUSES[:3]},
            "other": int(m["other"]) + int(m["then"]) - first,
        })
    return pd.DataFrame(rows, columns=["month", "first_published", "first_published_source",
                                       "rederived", "current", "revision", *CAUSES])
