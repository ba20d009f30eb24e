"""Stage 01 logic: every raw record ends clean, quarantined (with reasons) or superseded.

Pure functions over DataFrames. ``prepare`` does the row-level work once (normalising,
mapping, ID checks, rules); ``resolve`` decides each row's state for any prefix of the
monthly folders (the published figures of earlier months are recomputed from the same
prepared rows).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pipeline.config import (
    CLASS_TYPES,
    EDUCATION_KINDS,
    FIELDS,
    GENDERS,
    STATUSES,
    STUDY_MODES,
    YES_NO,
    PipelineConfig,
)
from pipeline.normalise import (
    build_lookup,
    check_ids,
    clean_label_text,
    completed_years,
    key_text,
    labels_at,
    map_enum,
    normalise_id,
    parse_dates,
)

# Stable reason codes, in the order they are listed on a row.
REASONS = (
    "INVALID_ID",
    "ID_AS_NUMBER",
    "UNKNOWN_SCHOOL",
    "BAD_DATE",
    "OUT_OF_WINDOW",
    "IMPLAUSIBLE_AGE",
    "LEVEL_NOT_ALLOWED",
    "SHORT_TRAINING",
    "UNKNOWN_TARGET_GROUP",
    "UNKNOWN_STATUS",
    "CROSS_SCHOOL_DUPLICATE",
)
SUBMITTED = tuple(f for f in FIELDS if f not in ("name", "id_number"))
TEXT_KEY_OFFSET = 2 * 10**18  # above every ID value (10^17 × 11)


@dataclass(frozen=True)
class Lookups:
    """Reference tables and configuration turned into matching dictionaries."""

    school_by_key: dict[str, str]
    school_type: dict[str, str]
    major_by_key: dict[str, str]
    industry_of_major: dict[str, str]
    enums: dict[str, dict[str, str]]

    @classmethod
    def build(cls, schools: pd.DataFrame, majors: pd.DataFrame, cfg: PipelineConfig) -> Lookups:
        """Matching keys of every school name and alias, major and enumerated value."""
        school_spellings = {
            row.school_id: [row.school_name, *_split_aliases(row.aliases)]
            for row in schools.itertuples(index=False)
        }
        major_spellings = {
            row.major: _split_aliases(row.aliases) for row in majors.itertuples(index=False)
        }
        canon = {
            "target_group": cfg.target_groups,
            "level": cfg.levels,
            "status": STATUSES,
            "gender": GENDERS,
            "disabled": YES_NO,
            "study_mode": STUDY_MODES,
            "class_type": CLASS_TYPES,
            "education_kind": EDUCATION_KINDS,
        }
        enums = {}
        for fld, values in canon.items():
            variants = {v: () for v in values}
            variants.update(cfg.synonyms.get(fld, {}))
            enums[fld] = build_lookup(variants)
        return cls(
            school_by_key=build_lookup(school_spellings),
            school_type=dict(zip(schools.school_id, schools.school_type, strict=True)),
            major_by_key=build_lookup(major_spellings),
            industry_of_major=dict(zip(majors.major, majors.industry, strict=True)),
            enums=enums,
        )

    @property
    def known_school_keys(self) -> frozenset[str]:
        """Matching keys of every school spelling (to recognise record-like lines)."""
        return frozenset(self.school_by_key)


def _split_aliases(value: object) -> list[str]:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return []
    return [a.strip() for a in str(value).split("|") if a.strip()]


def prepare(raw: pd.DataFrame, lookups: Lookups, cfg: PipelineConfig, salt: bytes) -> pd.DataFrame:
    """Row-level work on every raw record, in submission order (the frame's order).

    ``raw`` holds the text fields of DESIGN §3 plus ``source_file``, ``folder``, ``sheet``
    and ``source_row``. The result holds normalised values, the row's own reasons (all but
    the cross-school rule), and its deduplication keys. It still holds the ID number
    (``id18``/``id_text``): it never leaves memory.
    """
    df = raw.reset_index(drop=True)
    out = pd.DataFrame(
        {
            "order": np.arange(len(df), dtype=np.int64),
            "source_file": df["source_file"].astype(str),
            "folder": df["folder"].astype(str),
            "sheet": df["sheet"].astype(str),
            "source_row": df["source_row"].astype(np.int64),
        }
    )
    # Text columns are worked out once per distinct value and decoded back onto the rows.
    codes, uniques = pd.factorize(df["school"].fillna(""))
    keys = [key_text(u) for u in uniques]
    school_ids = [lookups.school_by_key.get(k) for k in keys]
    out["school_id"] = labels_at(school_ids, codes)
    out["school_type"] = labels_at([lookups.school_type.get(i) for i in school_ids], codes)
    # Deduplication key of the school: the school, or its normalised text when unknown.
    dedup_school, _ = pd.factorize(
        np.array([i or "?" + k for i, k in zip(school_ids, keys, strict=True)], dtype=object)
    )
    dedup_school = dedup_school[codes]

    # The ID numbers are worked on by a second thread meanwhile (Arrow and NumPy release
    # Python's lock; the machines have two cores).
    pool = ThreadPoolExecutor(max_workers=1)
    id_work = pool.submit(_student_ids, df["id_number"], cfg.window_end, salt)
    declared = map_enum(df["gender"].fillna(""), lookups.enums["gender"])
    out["admission_date"] = parse_dates(df["admission_date"].fillna("").astype(str))

    for fld in ("target_group", "level", "status", "disabled", "study_mode", "class_type",
                "education_kind"):
        out[fld] = map_enum(df[fld].fillna(""), lookups.enums[fld])
    edu_blank = df["education_kind"].fillna("").str.strip() == ""
    out["education_kind"] = out["education_kind"].where(~edu_blank, "学制教育")
    out["social"] = out["target_group"].isin(cfg.social_groups)
    out["disabled"] = out["disabled"].eq("是").fillna(False).astype(bool)

    codes, uniques = pd.factorize(df["major"].fillna(""))
    labels = [clean_label_text(u) for u in uniques]
    canonical = [lookups.major_by_key.get(key_text(v)) for v in labels]
    known = np.array([c is not None for c in canonical] + [False], dtype=bool)
    out["major_known"] = known[codes]
    out["major"] = labels_at(
        [c or (v if v != "" else "（未填写）") for c, v in zip(canonical, labels, strict=True)],
        codes)
    out["industry"] = labels_at(
        [lookups.industry_of_major.get(c, "其他") if c else "其他" for c in canonical], codes)
    codes, uniques = pd.factorize(df["years"].fillna(""))
    years = np.array([_years(u) or 0 for u in uniques] + [0], dtype=np.int64)[codes]
    out["years"] = pd.arrays.IntegerArray(years, years == 0)

    try:
        id_text, ids, id_code, n_ids, student_key = id_work.result()
    finally:
        pool.shutdown()
    out["id_text"] = id_text
    out["id18"] = ids["id18"]
    out["id_valid"] = ids["id_valid"]
    out["id_as_number"] = ids["id_as_number"]
    out["birth_date"] = ids["birth_date"]
    out["gender"] = ids["gender_from_id"]
    out["gender_mismatch"] = (
        ids["id_valid"] & declared.notna() & (declared != ids["gender_from_id"])
    ).astype(bool)
    out["age"] = completed_years(out["birth_date"], out["admission_date"])

    # Rules on the row itself.
    adm = out["admission_date"]
    ws, we = pd.Timestamp(cfg.window_start), pd.Timestamp(cfg.window_end)
    allowed = {
        (t, lv) for t, lvs in cfg.levels_by_school_type.items() for lv in lvs
    }
    level_ok = _pairs_in(out["school_type"], out["level"], allowed)
    flags = {
        "INVALID_ID": ~out["id_valid"],
        "ID_AS_NUMBER": out["id_as_number"],
        "UNKNOWN_SCHOOL": out["school_id"].isna(),
        "BAD_DATE": adm.isna(),
        "OUT_OF_WINDOW": adm.notna() & ((adm < ws) | (adm > we)),
        "IMPLAUSIBLE_AGE": out["age"].notna()
        & ((out["age"] < cfg.age_min) | (out["age"] > cfg.age_max)).fillna(False),
        # A level that is none of the four is allowed for no school type; a real level is
        # judged against the school's type (not judged when the school is unknown).
        "LEVEL_NOT_ALLOWED": out["level"].isna() | (out["school_id"].notna() & ~level_ok),
        "SHORT_TRAINING": out["education_kind"].eq("短期培训").fillna(False),
        "UNKNOWN_TARGET_GROUP": out["target_group"].isna(),
        "UNKNOWN_STATUS": out["status"].isna(),
    }
    for code, flag in flags.items():
        out["r_" + code] = np.asarray(flag, dtype=bool)

    cutoff = pd.Timestamp(cfg.intake_cutoff)
    intake = np.where(adm.isna().to_numpy(), -1, (adm > cutoff).to_numpy().astype(np.int64))
    out["intake"] = labels_at([cfg.autumn_label, cfg.spring_label], intake)

    # Deduplication keys: ``dedup_key`` one integer per (school, student) pair (-1 for a row
    # with no ID at all, which identifies nobody), ``student_code`` one per valid ID (-1 for
    # the others).
    out["dedup_key"] = np.where(
        (id_text != "").to_numpy(dtype=bool),
        dedup_school.astype(np.int64) * (n_ids + 1) + id_code, -1)
    out["student_code"] = np.where(out["id_valid"].to_numpy(), id_code, -1).astype(np.int64)
    out["student_key"] = student_key
    out["id_masked"] = ids["id_masked"]
    for fld in SUBMITTED:
        out["submitted_" + fld] = df[fld].fillna("").astype(str)
    return out


def _student_ids(id_number: pd.Series, latest_birth: dt.date, salt: bytes
                 ) -> tuple[pd.Series, pd.DataFrame, np.ndarray, int, np.ndarray]:
    """The ID work of :func:`prepare`: (normalised ID text, :func:`check_ids` frame, integer
    code of each student, how many codes, salted keys).

    The student is the valid ID, else the normalised ID text. Codes are factorised on
    integers: a valid ID by its value, another by its text (offset past every value; the
    two never meet, a text that is a valid ID being valid). The salted key hashes the text.
    """
    id_text = normalise_id(id_number.fillna("").astype(str))
    ids = check_ids(id_text, latest_birth=latest_birth)
    valid = ids["id_valid"].to_numpy()
    key = ids["id_value"].to_numpy().copy()
    key[~valid] = TEXT_KEY_OFFSET + pd.factorize(id_text[~valid])[0]
    id_code, id_uniques = pd.factorize(key)
    key_source = ids["id18"].fillna(id_text)
    student_key = pd.util.hash_array(
        key_source.to_numpy(dtype=object), hash_key=salt.hex()[:16], categorize=False
    ).astype(np.uint64)
    return id_text, ids, id_code, len(id_uniques), student_key


_YEARS = re.compile(r"^\s*(\d{1,2})\s*(年制|年)?\s*$")


def _years(text: str) -> int | None:
    """学制 as whole years 1–6 (``3``, ``3年``, ``３年制``), else None."""
    m = _YEARS.match(unicodedata.normalize("NFKC", text))
    return int(m.group(1)) if m and 1 <= int(m.group(1)) <= 6 else None


def _pairs_in(types: pd.Series, levels: pd.Series, allowed: set[tuple[str, str]]
              ) -> np.ndarray:
    """Whether each row's (school type, level) pair is allowed (False where either is
    missing), looked up on the grid of distinct values."""
    tc, tu = pd.factorize(types)
    lc, lu = pd.factorize(levels)
    grid = np.array([[(t, lv) in allowed for lv in lu] for t in tu], dtype=bool).reshape(
        len(tu), len(lu))
    ok = np.zeros(len(types), dtype=bool)
    both = (tc >= 0) & (lc >= 0)
    ok[both] = grid[tc[both], lc[both]]
    return ok


def resolve(prep: pd.DataFrame, registered_statuses: tuple[str, ...]) -> pd.DataFrame:
    """State of each prepared row: superseded, quarantined (with reasons) or clean.

    The latest submission of a student by a school stands (rows in submission order);
    earlier ones are superseded. Among standing rows that are otherwise clean, a student
    in two schools counts once: the registered record wins, else the earlier admission,
    else the earlier submission; the others get ``CROSS_SCHOOL_DUPLICATE``.
    Returns ``state``, ``reasons`` and ``winner_school_id`` on the same index.
    """
    superseded = superseding_folder(prep).notna().to_numpy()
    own = np.column_stack([prep["r_" + c].to_numpy() for c in REASONS[:-1]])
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
        own = prep[[c for c in prep.columns if c.startswith("r_")]].to_numpy().any(axis=1)
    ok = in_prefix & ~superseded & ~own
    candidates = ok & prep["id_valid"].to_numpy()
    if contested is not None:
        candidates &= contested
    lost = cross_school_losers(prep.loc[candidates, list(CROSS_COLUMNS)], registered_statuses)
    ok[prep.index.get_indexer(lost.index)] = False
    return ok


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


def file_owner(prep: pd.DataFrame) -> pd.Series:
    """The school each file belongs to: the school most of its rows name (ties: lowest id)."""
    file_code, files = pd.factorize(prep["source_file"])
    known = prep["school_id"].notna().to_numpy()
    counts = pd.DataFrame({"file": file_code[known], "school_id": prep["school_id"][known]})
    counts = counts.groupby(["file", "school_id"]).size().reset_index(name="n")
    counts = counts.sort_values(["file", "n", "school_id"], ascending=[True, False, True])
    owner = counts.drop_duplicates("file").set_index("file")["school_id"]
    labels = [owner.get(i) for i in range(len(files))]
    return labels_at(labels, file_code, index=prep.index)


ENROLLMENT_COLUMNS = (
    "student_key", "id_masked", "school_id", "school_type", "gender", "birth_date", "age",
    "target_group", "social", "disabled", "major", "major_known", "industry", "level",
    "study_mode", "years", "class_type", "education_kind", "admission_date", "status",
    "intake", "folder", "source_file", "sheet", "source_row",
)
RECORD_COLUMNS = (
    "source_file", "sheet", "source_row", "folder", "file_school_id", "school_id", "state",
    "reasons", "winner_school_id", "admission_date", "status", "student_key",
)


@dataclass
class CleanResult:
    """The outputs of stage 01 for one period (no names, no full ID numbers)."""

    records: pd.DataFrame
    quarantine: pd.DataFrame
    reconciliation: pd.DataFrame
    gender_mismatch_rows: int
    unmapped_majors: pd.DataFrame
    enrollment_columns: pd.DataFrame = field(repr=False)  # of every row
    clean: np.ndarray = field(repr=False)

    @functools.cached_property
    def enrollment(self) -> pd.DataFrame:
        """The clean records, filtered when first asked for (stage 01 asks on the thread that
        writes its files, while the vintages are worked out)."""
        return self.enrollment_columns.loc[self.clean].reset_index(drop=True)


def clean(
    raw: pd.DataFrame,
    lookups: Lookups,
    cfg: PipelineConfig,
    salt: bytes,
    files: pd.DataFrame | None = None,
) -> CleanResult:
    """Clean every raw record of the folders given.

    ``files`` (``source_file``, ``skipped_lines``) lists every file read, so that a file
    with no records still appears in the reconciliation.
    """
    prep = prepare(raw, lookups, cfg, salt)
    return finish(prep, resolve(prep, cfg.registered_statuses), files)


def finish(prep: pd.DataFrame, states: pd.DataFrame, files: pd.DataFrame | None) -> CleanResult:
    """Assemble the stage's tables from prepared rows and their states."""
    prep = prep.assign(**{c: states[c] for c in states.columns})
    prep["file_school_id"] = file_owner(prep)
    records = prep[list(RECORD_COLUMNS)].reset_index(drop=True)

    state = prep["state"].to_numpy()
    clean = state == "clean"

    q_columns = ["source_file", "sheet", "source_row", "school_id", "reasons", "id_masked",
                 "winner_school_id", "file_school_id", *("submitted_" + f for f in SUBMITTED)]
    q = prep.loc[state == "quarantined", q_columns]
    quarantine = pd.DataFrame(
        {
            "source_file": q["source_file"],
            "sheet": q["sheet"],
            "source_row": q["source_row"],
            "school_id": q["school_id"].fillna(q["file_school_id"]),
            "reasons": q["reasons"],
            "id_masked": q["id_masked"],
            "winner_school_id": q["winner_school_id"],
            "file_school_id": q["file_school_id"],
            **{f: q["submitted_" + f] for f in SUBMITTED},
        }
    ).reset_index(drop=True)

    recon = reconcile(records, files)
    unmapped = (
        prep.loc[clean & ~prep["major_known"].to_numpy(), "major"].value_counts()
        .rename_axis("major").reset_index(name="rows")
        .sort_values(["rows", "major"], ascending=[False, True], kind="stable")
        .reset_index(drop=True)
    )
    return CleanResult(
        records=records,
        enrollment_columns=prep[list(ENROLLMENT_COLUMNS)],
        clean=clean,
        quarantine=quarantine,
        reconciliation=recon,
        gender_mismatch_rows=int(prep["gender_mismatch"].sum()),
        unmapped_majors=unmapped,
    )


def reconcile(records: pd.DataFrame, files: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per source file: raw = clean + quarantined + superseded, and skipped lines."""
    file_code, names = pd.factorize(records["source_file"])
    state = records["state"].to_numpy()
    counts = pd.DataFrame(
        {s: np.bincount(file_code[state == s], minlength=len(names))
         for s in ("clean", "quarantined", "superseded")},
        index=pd.Index(np.asarray(names, dtype=object), name="source_file"),
    )
    table = pd.DataFrame(
        {
            "raw_rows": counts[["clean", "quarantined", "superseded"]].sum(axis=1),
            "clean_rows": counts["clean"],
            "quarantined_rows": counts["quarantined"],
            "superseded_rows": counts["superseded"],
        }
    )
    if files is not None and len(files):
        f = files.set_index("source_file")
        table = table.reindex(table.index.union(f.index), fill_value=0)
        table["skipped_lines"] = f["skipped_lines"].reindex(table.index).fillna(0)
    else:
        table["skipped_lines"] = 0
    table = table.astype(np.int64)
    if files is not None and "problem" in files.columns:
        # Files left out with --skip-unreadable: listed with no rows and the problem named.
        table["problem"] = files.set_index("source_file")["problem"].reindex(table.index)
        table["problem"] = table["problem"].fillna("")
    table = table.rename_axis("source_file").reset_index()
    return table.sort_values("source_file", kind="stable").reset_index(drop=True)
