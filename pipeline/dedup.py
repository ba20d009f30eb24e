"""Between rows: which submission of a student stands, and which school counts a student
enrolled in two (DESIGN §3, "Records are never lost").

Pure functions over the prepared rows of :mod:`pipeline.clean` (or the records stage 01 keeps
in processed data, which carry the same integer keys): :func:`resolve` decides each row's
state; :func:`clean_as_published` which rows were clean when only the folders up to a month
had arrived (the figures as they would have been published then).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.clean import OWN_REASONS, REASONS
from pipeline.normalise import labels_at


def resolve(prep: pd.DataFrame, registered_statuses: tuple[str, ...]) -> pd.DataFrame:
    """State of each prepared row: superseded, quarantined (with reasons) or clean.

    The latest submission of a student by a school stands (rows in submission order);
    earlier ones are superseded. Among standing rows that are otherwise clean, a student
    in two schools counts once: the registered record wins, else the earlier admission,
    else the earlier submission; the others get ``CROSS_SCHOOL_DUPLICATE``.
    Returns ``state``, ``reasons`` and ``winner_school_id`` on the same index.
    """
    superseded = superseding_folder(prep).notna().to_numpy()
    own = np.column_stack([prep["r_" + c].to_numpy() for c in OWN_REASONS])
    standing_ok = ~superseded & ~own.any(axis=1)

    cross = np.zeros(len(prep), dtype=bool)
    winner = pd.Series(None, index=prep.index, dtype=object)
    won = cross_school_losers(
        prep.loc[standing_ok & prep["id_valid"].to_numpy(), list(CROSS_COLUMNS)],
        registered_statuses)
    cross[prep.index.get_indexer(won.index)] = True
    winner.loc[won.index] = won.to_numpy()

    flags = np.column_stack([own, cross])
    quarantined = ~superseded & flags.any(axis=1)
    flags[~quarantined] = False  # reasons are listed on quarantined rows only
    state = np.where(superseded, 0, np.where(quarantined, 1, 2))
    winner = winner.where(quarantined, None)
    return pd.DataFrame(
        {"state": labels_at(["superseded", "quarantined", "clean"], state, index=prep.index),
         "reasons": _join_codes(flags, prep.index), "winner_school_id": winner},
        index=prep.index,
    )


def superseding_folder(prep: pd.DataFrame) -> pd.Series:
    """Per row, the folder of the next submission of the same student by the same school
    (NA when there is none). Rows with an invalid ID are matched on the normalised ID text,
    as DESIGN §3 says; a row with no ID at all identifies nobody and is never superseded.

    ``prep["dedup_key"]`` holds one integer per (school, student) pair (-1: no ID); rows are
    in submission order.
    """
    key = prep["dedup_key"].to_numpy()
    folder_code, folders = pd.factorize(prep["folder"])
    order = np.argsort(key, kind="stable")  # each pair's rows together, in submission order
    k = key[order]
    same = (k[1:] == k[:-1]) & (k[1:] >= 0)
    nxt_sorted = np.full(len(k), -1, dtype=np.int64)
    nxt_sorted[:-1][same] = folder_code[order][1:][same]
    nxt = np.empty_like(nxt_sorted)
    nxt[order] = nxt_sorted
    return labels_at(list(folders), nxt, index=prep.index)


CROSS_COLUMNS = ("student_code", "school_id", "status", "admission_date", "order")


def cross_school_losers(cand: pd.DataFrame, registered_statuses: tuple[str, ...]) -> pd.Series:
    """Among standing, otherwise clean rows with a valid ID: the rows that lose to the same
    student's record in another school, with the winning school as value. The registered
    record wins, else the earlier admission, else the earlier submission."""
    multi = cand["student_code"].duplicated(keep=False)
    if not multi.any():
        return pd.Series([], dtype=object)
    c = cand.loc[multi, list(CROSS_COLUMNS)]
    c = c.assign(
        student=c["student_code"],
        not_registered=~c["status"].isin(registered_statuses),
    ).sort_values(["student", "not_registered", "admission_date", "order"], kind="stable")
    first = ~c["student"].duplicated(keep="first")
    win_school = c["school_id"].where(first).ffill()
    return win_school[~first.to_numpy()].astype(object)


def clean_as_published(prep: pd.DataFrame, next_folder: pd.Series, month: str,
                       registered_statuses: tuple[str, ...], own: np.ndarray | None = None,
                       contested: np.ndarray | None = None) -> np.ndarray:
    """Which rows were clean when only the folders up to ``month`` had arrived (the state
    ``resolve`` gives on that prefix), without resolving the prefix again.

    ``own`` (rows with a reason of their own) and ``contested`` (:func:`contested_rows`)
    may be given when several months are asked for; they do not depend on the month.
    """
    in_prefix = (prep["folder"] <= month).to_numpy()
    superseded = (next_folder <= month).fillna(False).to_numpy(dtype=bool)
    if own is None:
        own = own_reason(prep)
    ok = in_prefix & ~superseded & ~own
    candidates = ok & prep["id_valid"].to_numpy()
    if contested is not None:
        candidates &= contested
    lost = cross_school_losers(prep.loc[candidates, list(CROSS_COLUMNS)], registered_statuses)
    ok[prep.index.get_indexer(lost.index)] = False
    return ok


def own_reason(rows: pd.DataFrame) -> np.ndarray:
    """Whether each row has a reason of its own (any but the cross-school rule): the
    ``own_reason`` column of kept records, else the ``r_<CODE>`` columns of prepared rows."""
    if "own_reason" in rows.columns:
        return rows["own_reason"].to_numpy(dtype=bool)
    return rows[["r_" + c for c in OWN_REASONS]].to_numpy().any(axis=1)


def contested_rows(prep: pd.DataFrame, own: np.ndarray) -> np.ndarray:
    """Rows that could ever lose to another school: a valid ID with no reason of its own
    that another such row shares. The others are never cross-school duplicates, whatever
    the month, so the rule need not look at them."""
    eligible = prep["id_valid"].to_numpy() & ~own
    out = np.zeros(len(prep), dtype=bool)
    codes = prep["student_code"].to_numpy()[eligible]
    out[eligible] = pd.Series(codes).duplicated(keep=False).to_numpy()
    return out


def _join_codes(flags: np.ndarray, index: pd.Index) -> pd.Series:
    """';'-joined reason codes per row, vectorised over the distinct flag patterns."""
    weights = 2.0 ** np.arange(flags.shape[1])  # float products: exact, and BLAS-fast
    pattern = (flags.astype(np.float64) @ weights).astype(np.int64)
    texts = [""] * (1 << flags.shape[1])
    for p in np.flatnonzero(np.bincount(pattern, minlength=1)):
        texts[p] = ";".join(c for i, c in enumerate(REASONS) if (p >> i) & 1)
    return labels_at(texts, pattern, index=index)
