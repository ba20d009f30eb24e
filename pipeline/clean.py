"""Stage 01 rules: each raw record normalised, mapped, checked, and given its own reasons.

Pure functions over DataFrames and plain values (no files, no threads, no configuration
objects). The work is split so that the stage can run the two halves side by side:

- :func:`map_fields` normalises and maps every submitted field but the ID number;
- :func:`student_ids` checks the ID numbers and gives each student an integer code and a
  salted key;
- :func:`apply_rules` joins the two and applies the row rules (DESIGN §3).

:func:`prepare` runs them one after the other. What happens between rows (supersession,
cross-school duplicates) is in :mod:`pipeline.dedup`; the stage's tables in
:mod:`pipeline.reconcile`.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.config import FIELDS
from pipeline.normalise import (
    build_lookup,
    check_ids,
    clean_label_text,
    completed_years,
    key_text,
    labels_at,
    map_enum,
    map_text,
    normalise_id,
    parse_admission,
    split_aliases,
)

# Stable reason codes, in the order they are listed on a row.
REASONS = (
    "INVALID_ID",
    "ID_AS_NUMBER",
    "UNKNOWN_SCHOOL",
    "BAD_DATE",
    "AMBIGUOUS_DATE",
    "OUT_OF_WINDOW",
    "IMPLAUSIBLE_AGE",
    "LEVEL_NOT_ALLOWED",
    "SHORT_TRAINING",
    "UNKNOWN_TARGET_GROUP",
    "UNKNOWN_STATUS",
    "CROSS_SCHOOL_DUPLICATE",
)
OWN_REASONS = REASONS[:-1]  # every reason but the one between schools
SUBMITTED = tuple(f for f in FIELDS if f not in ("name", "id_number"))
ENUM_FIELDS = ("target_group", "level", "status", "disabled", "study_mode", "class_type",
               "education_kind")
DEFAULT_EDUCATION_KIND = "学制教育"
SHORT_TRAINING = "短期培训"
MISSING_MAJOR = "（未填写）"
OTHER_INDUSTRY = "其他"


@dataclass(frozen=True)
class Rules:
    """The programme's values the row rules use (DESIGN §1, §3)."""

    window_start: dt.date
    window_end: dt.date
    intake_cutoff: dt.date
    intake_labels: tuple[str, str]  # (autumn, spring)
    age_min: int
    age_max: int
    levels_by_school_type: Mapping[str, tuple[str, ...]]
    social_groups: tuple[str, ...]


@dataclass(frozen=True)
class Lookups:
    """Reference tables and enumerations turned into matching dictionaries."""

    school_by_key: dict[str, str]
    school_type: dict[str, str]
    major_by_key: dict[str, str]
    industry_of_major: dict[str, str]
    enums: dict[str, dict[str, str]]

    @classmethod
    def build(cls, schools: pd.DataFrame, majors: pd.DataFrame,
              enumerations: Mapping[str, tuple[str, ...]],
              synonyms: Mapping[str, Mapping[str, tuple[str, ...]]]) -> Lookups:
        """Matching keys of every school name and alias, major, and enumerated value
        (``enumerations``: field → canonical values; ``synonyms``: field → canonical →
        other spellings)."""
        school_spellings = {
            row.school_id: [row.school_name, *split_aliases(row.aliases)]
            for row in schools.itertuples(index=False)
        }
        major_spellings = {
            row.major: split_aliases(row.aliases) for row in majors.itertuples(index=False)
        }
        enums = {}
        for fld, values in enumerations.items():
            variants = {v: () for v in values}
            variants.update(synonyms.get(fld, {}))
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


@dataclass(frozen=True)
class StudentIds:
    """The ID work of one frame of rows (:func:`student_ids`)."""

    id_text: pd.Series  # normalised ID text
    checks: pd.DataFrame  # :func:`pipeline.normalise.check_ids`
    valid_code: np.ndarray  # one integer per valid ID number (-1 for the other rows)
    n_valid: int
    student_key: np.ndarray  # salted hash of the ID (uint64)


def student_ids(id_number: pd.Series, latest_birth: dt.date, salt: bytes) -> StudentIds:
    """Check the ID numbers, give each valid number an integer code (factorised on the
    number's value) and every row a salted key (a hash of the number, else of its text)."""
    id_text = normalise_id(id_number.fillna("").astype(str))
    ids = check_ids(id_text, latest_birth=latest_birth)
    valid = ids["id_valid"].to_numpy()
    valid_code = np.full(len(id_text), -1, dtype=np.int64)
    codes, uniques = pd.factorize(ids["id_value"].to_numpy()[valid])
    valid_code[valid] = codes
    key_source = ids["id18"].fillna(id_text)
    student_key = pd.util.hash_array(
        key_source.to_numpy(dtype=object), hash_key=salt.hex()[:16], categorize=False
    ).astype(np.uint64)
    return StudentIds(id_text, ids, valid_code, len(uniques), student_key)


def student_codes(ids: StudentIds, names: pd.Series) -> tuple[np.ndarray, int]:
    """One integer per student: a valid ID number by its value; an invalid one by its
    normalised text *together with the normalised name* (DESIGN §3: a placeholder or one
    dummy value typed for a whole class never merges different people); -1 for a row with
    neither an ID text nor a name, which identifies nobody. Also how many codes there are."""
    code = ids.valid_code.copy()
    invalid = np.flatnonzero(code < 0)
    if not len(invalid):
        return code, ids.n_valid
    text = ids.id_text.iloc[invalid].astype(str).to_numpy(dtype=object)
    name = map_text(names.iloc[invalid].fillna("").astype(str), key_text).to_numpy(dtype=object)
    pairs = text + "\x1f" + name
    inner, uniques = pd.factorize(pairs)
    code[invalid] = ids.n_valid + inner
    code[invalid[(text == "") & (name == "")]] = -1
    return code, ids.n_valid + len(uniques)


def map_fields(raw: pd.DataFrame, lookups: Lookups, social_groups: tuple[str, ...]
               ) -> pd.DataFrame:
    """Every submitted field but the ID number, normalised and mapped, in row order.

    ``raw`` holds the text fields of DESIGN §3 plus ``source_file``, ``folder``, ``sheet``
    and ``source_row``. Text columns are worked out once per distinct value and decoded back
    onto the rows. ``dedup_school`` is the school's deduplication code (the school, or its
    normalised text when unknown); ``declared_gender`` the gender as submitted.
    """
    df = raw.reset_index(drop=True)
    out = pd.DataFrame({
        "order": np.arange(len(df), dtype=np.int64),
        "source_file": df["source_file"].astype(str),
        "folder": df["folder"].astype(str),
        "sheet": df["sheet"].astype(str),
        "source_row": df["source_row"].astype(np.int64),
    })
    codes, uniques = pd.factorize(df["school"].fillna(""))
    keys = [key_text(u) for u in uniques]
    school_ids = [lookups.school_by_key.get(k) for k in keys]
    out["school_id"] = labels_at(school_ids, codes)
    out["school_type"] = labels_at([lookups.school_type.get(i) for i in school_ids], codes)
    dedup_school, _ = pd.factorize(
        np.array([i or "?" + k for i, k in zip(school_ids, keys, strict=True)], dtype=object))
    out["dedup_school"] = dedup_school[codes].astype(np.int64)
    out["declared_gender"] = map_enum(df["gender"].fillna(""), lookups.enums["gender"])
    month_column = (df["month_column"].to_numpy(dtype=bool) if "month_column" in df.columns
                    else None)
    out["admission_date"], out["admission_month_only"] = parse_admission(
        df["admission_date"], month_column)
    out["name"] = df["name"].fillna("").astype(str)
    for fld in ENUM_FIELDS:
        out[fld] = map_enum(df[fld].fillna(""), lookups.enums[fld])
    edu_blank = df["education_kind"].fillna("").str.strip() == ""
    out["education_kind"] = out["education_kind"].where(~edu_blank, DEFAULT_EDUCATION_KIND)
    out["social"] = out["target_group"].isin(social_groups)
    out["disabled"] = out["disabled"].eq("是").fillna(False).astype(bool)
    out = out.assign(**_majors(df["major"], lookups))
    codes, uniques = pd.factorize(df["years"].fillna(""))
    years = np.array([_years(u) or 0 for u in uniques] + [0], dtype=np.int64)[codes]
    out["years"] = pd.arrays.IntegerArray(years, years == 0)
    for fld in SUBMITTED:
        out["submitted_" + fld] = df[fld].fillna("").astype(str)
    return out


def _majors(major: pd.Series, lookups: Lookups) -> dict[str, object]:
    """``major`` (the canonical name, else the submitted text cleaned), ``major_known`` and
    ``industry`` (``其他`` for a major not in the table)."""
    codes, uniques = pd.factorize(major.fillna(""))
    labels = [clean_label_text(u) for u in uniques]
    canonical = [lookups.major_by_key.get(key_text(v)) for v in labels]
    known = np.array([c is not None for c in canonical] + [False], dtype=bool)
    return {
        "major_known": known[codes],
        "major": labels_at([c or (v if v != "" else MISSING_MAJOR)
                            for c, v in zip(canonical, labels, strict=True)], codes),
        "industry": labels_at([lookups.industry_of_major.get(c, OTHER_INDUSTRY) if c
                               else OTHER_INDUSTRY for c in canonical], codes),
    }


def apply_rules(fields: pd.DataFrame, ids: StudentIds, rules: Rules) -> pd.DataFrame:
    """Join the mapped fields and the ID work, and apply the row rules.

    The result holds normalised values, the row's own reasons (``r_<CODE>`` columns, all but
    the cross-school rule), the intake and the deduplication keys: ``dedup_key`` one integer
    per (school, student) pair (-1 for a row with no ID at all, which identifies nobody),
    ``student_code`` one per valid ID (-1 for the others). It still holds the ID number
    (``id18``/``id_text``): it never leaves memory.
    """
    checks = ids.checks
    out = fields.assign(
        id_text=ids.id_text.array, id18=checks["id18"].array,
        id_valid=checks["id_valid"].to_numpy(), id_as_number=checks["id_as_number"].to_numpy(),
        birth_date=checks["birth_date"].to_numpy(), gender=checks["gender_from_id"].array,
    )
    declared = out.pop("declared_gender")
    out["gender_mismatch"] = (out["id_valid"] & declared.notna()
                              & (declared != out["gender"])).astype(bool)
    out["age"] = completed_years(out["birth_date"], out["admission_date"])
    for code, flag in _own_reasons(out, rules).items():
        out["r_" + code] = np.asarray(flag, dtype=bool)
    adm = out["admission_date"]
    later = (adm > pd.Timestamp(rules.intake_cutoff)).to_numpy().astype(np.int64)
    out["intake"] = labels_at(list(rules.intake_labels), np.where(adm.isna().to_numpy(), -1,
                                                                  later))
    code, n_codes = student_codes(ids, out.pop("name"))
    out["dedup_key"] = np.where(code >= 0, out.pop("dedup_school").to_numpy() * (n_codes + 1)
                                + code, -1)
    out["student_code"] = np.where(out["id_valid"].to_numpy(), code, -1).astype(np.int64)
    out["student_key"] = ids.student_key
    out["id_masked"] = checks["id_masked"].array
    return out


def _own_reasons(out: pd.DataFrame, rules: Rules) -> dict[str, object]:
    """The rules on a row itself: one boolean column per reason code.

    A date known to the month only is judged on the month's first and last day: where the
    two answers differ (the window's or the intake cutoff's month, a 14th or 61st birthday
    within the month) the row is ``AMBIGUOUS_DATE``, never guessed.
    """
    adm = out["admission_date"]
    last = _month_last_day(adm, out["admission_month_only"].to_numpy(dtype=bool))
    ws, we = pd.Timestamp(rules.window_start), pd.Timestamp(rules.window_end)
    cutoff = pd.Timestamp(rules.intake_cutoff)
    inside = [(d >= ws) & (d <= we) for d in (adm, last)]
    age = [out["age"], completed_years(out["birth_date"], last)]
    plausible = [a.notna() & (a >= rules.age_min).fillna(False) & (a <= rules.age_max).fillna(
        False) for a in age]
    has_age = out["age"].notna()
    ambiguous = adm.notna() & ((inside[0] != inside[1]) | ((adm > cutoff) != (last > cutoff))
                               | (has_age & (plausible[0] != plausible[1])))
    allowed = {(t, lv) for t, lvs in rules.levels_by_school_type.items() for lv in lvs}
    level_ok = _pairs_in(out["school_type"], out["level"], allowed)
    return {
        "INVALID_ID": ~out["id_valid"],
        "ID_AS_NUMBER": out["id_as_number"],
        "UNKNOWN_SCHOOL": out["school_id"].isna(),
        "BAD_DATE": adm.isna(),
        "AMBIGUOUS_DATE": ambiguous,
        "OUT_OF_WINDOW": adm.notna() & ~inside[0] & ~inside[1],
        "IMPLAUSIBLE_AGE": has_age & ~plausible[0] & ~plausible[1],
        # A level that is none of the four is allowed for no school type; a real level is
        # judged against the school's type (not judged when the school is unknown).
        "LEVEL_NOT_ALLOWED": out["level"].isna() | (out["school_id"].notna() & ~level_ok),
        "SHORT_TRAINING": out["education_kind"].eq(SHORT_TRAINING).fillna(False),
        "UNKNOWN_TARGET_GROUP": out["target_group"].isna(),
        "UNKNOWN_STATUS": out["status"].isna(),
    }


def _month_last_day(adm: pd.Series, month_only: np.ndarray) -> pd.Series:
    """The last day a date can be: its month's last day where only the month is known."""
    if not month_only.any():
        return adm
    last = adm.to_numpy().copy()
    months = last[month_only].astype("datetime64[M]")
    last[month_only] = ((months + 1).astype("datetime64[D]") - 1).astype(last.dtype)
    return pd.Series(last, index=adm.index)


def prepare(raw: pd.DataFrame, lookups: Lookups, rules: Rules, salt: bytes) -> pd.DataFrame:
    """The row-level work on every raw record, in submission order (the frame's order):
    :func:`map_fields`, :func:`student_ids`, then :func:`apply_rules`."""
    ids = student_ids(raw["id_number"].reset_index(drop=True), rules.window_end, salt)
    return apply_rules(map_fields(raw, lookups, rules.social_groups), ids, rules)


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
