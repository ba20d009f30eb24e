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
    change split into :data:`CAUSES` (``now - then`` is their sum). Students are dense
    integer codes and each kind a boolean array over them: no set of keys is built."""
    rows = records[list(COLUMNS)].reset_index(drop=True)
    nxt = superseding_folder(rows)
    own = own_reason(rows)
    contested = contested_rows(rows, own)
    student, k = _students(rows["dedup_key"].to_numpy())
    school_codes, schools = pd.factorize(rows["school_id"], sort=True)
    school_of = np.full(k, -1, dtype=np.int64)
    known = student >= 0
    school_of[student[known][::-1]] = school_codes[known][::-1]  # the first row's school
    clean_now = (rows["state"] == "clean").to_numpy()
    admission = rows["admission_date"].to_numpy()
    registered = rows["status"].isin(registered_statuses).to_numpy()
    folder = rows["folder"].to_numpy()
    parts = []
    for month, end in month_ends:
        ok_then = clean_as_published(rows, nxt, month, registered_statuses, own=own,
                                     contested=contested)
        counts = flag_arrays(admission, registered, end, basis)[2]
        kinds = _kinds(student, k, folder <= month, ok_then, ok_then & counts,
                       clean_now & counts)
        parts.append(_per_school(kinds, school_of, schools).assign(month=month))
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=["month", "school_id", "then", "now", *CAUSES])
    return out[["month", "school_id", "then", "now", *CAUSES]]


def _students(key: np.ndarray) -> tuple[np.ndarray, int]:
    """Dense codes 0..k-1 of the deduplication keys (-1 stays -1), and k."""
    codes, uniques = pd.factorize(np.where(key >= 0, key, -1))
    missing = np.flatnonzero(np.asarray(uniques) < 0)
    if len(missing):  # -1 was factorised as a key of its own: map it back to -1
        codes = np.where(codes == missing[0], -1, codes - (codes > missing[0]))
        return codes, len(uniques) - 1
    return codes, len(uniques)


def _mark(student: np.ndarray, k: int, rows: np.ndarray) -> np.ndarray:
    """A boolean per student: whether any of the given rows is theirs."""
    out = np.zeros(k, dtype=bool)
    at = student[rows & (student >= 0)]
    out[at] = True
    return out


def _kinds(student: np.ndarray, k: int, in_prefix: np.ndarray, clean_then: np.ndarray,
           counted_then: np.ndarray, counted_now: np.ndarray) -> dict[str, np.ndarray]:
    """Per student (boolean arrays) for one month: counted then, counted now, and the
    causes of a difference."""
    then, now = _mark(student, k, counted_then), _mark(student, k, counted_now)
    present, later = _mark(student, k, in_prefix), _mark(student, k, ~in_prefix)
    was_clean = _mark(student, k, clean_then)
    added, removed = now & ~then, then & ~now
    return {
        "then": then, "now": now, "late": added & ~present,
        "corrected": added & present & ~was_clean, "updated": added & was_clean,
        "replaced": removed & later, "lost": removed & ~later,
    }


def _per_school(kinds: dict[str, np.ndarray], school_of: np.ndarray, schools: object
                ) -> pd.DataFrame:
    """Counts of each kind of student per school (schools with any)."""
    n = len(schools)
    ok = school_of >= 0

    def count(mask: np.ndarray) -> np.ndarray:
        return np.bincount(school_of[mask & ok], minlength=n)

    out = pd.DataFrame({
        "school_id": np.asarray(schools, dtype=object),
        "then": count(kinds["then"]), "now": count(kinds["now"]),
        "late_submissions": count(kinds["late"]), "corrections": count(kinds["corrected"]),
        "supersessions": count(kinds["updated"]) - count(kinds["replaced"]),
        "other": -count(kinds["lost"]),
    })
    busy = out[["then", "now", "late_submissions", "corrections", "supersessions",
                "other"]].ne(0).any(axis=1)
    return out[busy].reset_index(drop=True).astype({c: np.int64 for c in out.columns
                                                   if c != "school_id"})


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
