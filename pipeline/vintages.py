"""The figures as each earlier month would have published them (the "vintages").

Worked out in stage 03 from the records stage 01 keeps in processed data: every raw record
with its folder, its school, status and admission date, and the integer keys of
deduplication (``dedup_key``, ``student_code``, ``id_valid``, ``own_reason``: codes of this
run, no personal data). A month's vintage is the state :func:`pipeline.dedup.resolve` would
give when only the folders up to that month had arrived, computed without resolving each
prefix again: what does not depend on the month is worked out once.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from pipeline.dedup import clean_as_published, contested_rows, own_reason, superseding_folder
from pipeline.fulfilment import flag_arrays, sums_by_code

# The record columns the vintages read.
VINTAGE_COLUMNS = ("folder", "dedup_key", "student_code", "id_valid", "school_id", "status",
                   "admission_date", "order", "own_reason")
FLAGS = ("admitted", "registered", "counted")


def vintages(records: pd.DataFrame, month_ends: list[tuple[str, dt.date]],
             registered_statuses: tuple[str, ...], basis: str) -> pd.DataFrame:
    """Per month and school: admitted, registered and counted as published then.

    ``month_ends`` lists each month (YYYY-MM) with its last day; ``basis`` is the counting
    basis (``registered`` or ``admitted``). Returns ``month, school_id, admitted,
    registered, counted`` (int64), schools with no clean record that month left out.
    """
    rows = records[list(VINTAGE_COLUMNS)].reset_index(drop=True)
    nxt = superseding_folder(rows)
    own = own_reason(rows)
    contested = contested_rows(rows, own)
    school, schools = pd.factorize(rows["school_id"], sort=True)
    admission = rows["admission_date"].to_numpy()
    registered_status = rows["status"].isin(registered_statuses).to_numpy()
    parts = []
    for month, end in month_ends:
        ok = clean_as_published(rows, nxt, month, registered_statuses, own=own,
                                contested=contested)
        flags = flag_arrays(admission, registered_status, end, basis)
        per = sums_by_code(school, schools, dict(zip(FLAGS, flags, strict=True)),
                           rows=ok, name="school_id")
        parts.append(per.reset_index().assign(month=month))
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in
                             (("month", object), ("school_id", object),
                              *((f, np.int64) for f in FLAGS))})
    out = pd.concat(parts, ignore_index=True)
    return out[["month", "school_id", *FLAGS]].astype(dict.fromkeys(FLAGS, "int64"))
