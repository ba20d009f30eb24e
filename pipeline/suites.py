"""The expectation suites and the frames they validate.

The suites are JSON files in ``expectations/`` (versioned with the code). Configuration
reaches them through GE's suite parameters (:meth:`ValidationParams.suite_parameters`); rules
GE cannot express on one column (intake against the cutoff, level against the school type,
the masked-ID shape) are computed here as derived columns of the frames validated.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from pipeline.errors import ConfigError

if TYPE_CHECKING:
    import great_expectations as gx

SUITE_NAMES = ("reference_schools", "reference_majors", "raw_submissions", "clean_records")
SEVERITIES = ("info", "warning", "critical")
MASKED_RE = r"[0-9]{6}\*{8}[0-9]{3}[0-9X]"
MASKED_SHAPE = "999999********9999"
# Number columns the clean_records suite checks with expect_column_values_to_be_between.
BETWEEN_COLUMNS = ("admission_ymd", "age", "years")

@dataclass(frozen=True)
class ValidationParams:
    """Every configured value the suites need, passed down as plain values."""

    target: int
    school_types: tuple[str, ...]
    industries: tuple[str, ...]
    levels_by_school_type: dict[str, tuple[str, ...]]
    levels: tuple[str, ...]
    statuses: tuple[str, ...]
    study_modes: tuple[str, ...]
    class_types: tuple[str, ...]
    target_groups: tuple[str, ...]
    genders: tuple[str, ...]
    window_start: date
    window_end: date
    intake_cutoff: date
    as_of: date
    age_min: int
    age_max: int
    raw_clean_share_mostly: float = 0.9
    intakes: tuple[str, str] = ("2019秋季", "2020春季")  # (on/before the cutoff, after it)

    def suite_parameters(self, school_ids: list[str]) -> dict[str, Any]:
        """Values for the suites' ``{"$PARAMETER": name}`` placeholders."""
        return {
            "target": int(self.target),
            "school_types": list(self.school_types),
            "industries": list(self.industries),
            "levels": list(self.levels),
            "statuses": list(self.statuses),
            "study_modes": list(self.study_modes),
            "class_types": list(self.class_types),
            "target_groups": list(self.target_groups),
            "genders": list(self.genders),
            "intakes": list(self.intakes),
            "school_ids": list(school_ids),
            "window_start_ymd": _ymd(self.window_start),
            "window_end_ymd": _ymd(self.window_end),
            "age_min": int(self.age_min),
            "age_max": int(self.age_max),
            "raw_clean_share_mostly": float(self.raw_clean_share_mostly),
        }

    def description_values(self, sep: str) -> dict[str, Any]:
        """Values for the ``{name}`` placeholders of the descriptions (lists joined by ``sep``)."""
        values: dict[str, Any] = {}
        for key, value in self.__dict__.items():
            if isinstance(value, tuple):
                values[key] = sep.join(str(v) for v in value)
            elif isinstance(value, date):
                values[key] = value.isoformat()
            elif not isinstance(value, dict):
                values[key] = value
        return values


def _ymd(d: date) -> int:
    return d.year * 10000 + d.month * 100 + d.day


class _Blank(dict):
    """format_map mapping that leaves unknown placeholders as they are."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def fill(text: str, values: dict[str, Any]) -> str:
    """A description with its ``{name}`` placeholders filled (unknown ones left as they are),
    on one line."""
    try:
        filled = text.format_map(_Blank(values))
    except (ValueError, TypeError):
        filled = text
    return " ".join(filled.split())


# --------------------------------------------------------------------------- suites


def load_suites(expectations_dir: Path) -> dict[str, gx.ExpectationSuite]:
    """Read the suite JSON files; every expectation must name its severity and description.

    Raises:
        ConfigError: a suite file is missing or malformed, or an expectation lacks
            ``severity`` or ``meta.description``.
    """
    import great_expectations as gx

    suites: dict[str, gx.ExpectationSuite] = {}
    for name in SUITE_NAMES:
        path = Path(expectations_dir) / f"{name}.json"
        try:
            spec = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigError(f"{path}: cannot read the expectation suite ({exc})") from exc
        for i, exp in enumerate(spec.get("expectations", [])):
            if exp.get("severity") not in SEVERITIES:
                raise ConfigError(f"{path}: expectation {i} ({exp.get('type')}) needs a severity")
            if not (exp.get("meta") or {}).get("description"):
                raise ConfigError(
                    f"{path}: expectation {i} ({exp.get('type')}) needs meta.description"
                )
        try:
            suites[name] = gx.ExpectationSuite(**spec)
        except Exception as exc:  # GE raises pydantic and its own errors
            raise ConfigError(f"{path}: invalid expectation suite ({exc})") from exc
    return suites


# --------------------------------------------------------------------------- derived frames


def blank_to_na(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of a small reference table where blank text cells are missing values."""
    text = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
    return frame.assign(
        **{c: frame[c].where(frame[c].astype("str").str.strip() != "") for c in text}
    )


def prepare_schools(schools: pd.DataFrame) -> pd.DataFrame:
    """The quota table with blanks missing, ``quota`` numeric and a ``quota_is_whole`` column."""
    schools = blank_to_na(schools)
    quota = pd.to_numeric(schools["quota"], errors="coerce") if "quota" in schools else None
    if quota is None:
        return schools
    whole = quota.notna() & (quota.fillna(0) % 1 == 0)
    return schools.assign(quota=quota, quota_is_whole=whole.astype("boolean").mask(quota.isna()))


def prepare_enrollment(
    enrollment: pd.DataFrame, schools: pd.DataFrame, params: ValidationParams
) -> pd.DataFrame:
    """Clean records plus the derived columns the ``clean_records`` suite checks.

    Adds ``school_type`` (joined from the quota table when absent), ``id_masked_shape``
    (digits replaced by ``9``), ``admission_ymd`` (int yyyymmdd), ``intake_consistent`` and
    ``level_allowed`` (nullable booleans, NA where an input is missing). No input is mutated.
    """
    df = enrollment
    extra: dict[str, Any] = {}
    if "school_type" not in df.columns and "school_id" in df.columns:
        types = schools.drop_duplicates("school_id").set_index("school_id")["school_type"]
        extra["school_type"] = df["school_id"].map(types)
    school_type = extra.get("school_type", df.get("school_type"))

    if "id_masked" in df.columns:
        extra["id_masked_shape"] = digit_shape(df["id_masked"])
    if "admission_date" in df.columns:
        adm = pd.to_datetime(df["admission_date"], errors="coerce")
        ymd = adm.dt.year * 10000 + adm.dt.month * 100 + adm.dt.day
        extra["admission_ymd"] = ymd
        if "intake" in df.columns:
            early = (adm <= pd.Timestamp(params.intake_cutoff)).to_numpy()
            same = pd.Series(np.where(early, (df["intake"] == params.intakes[0]).to_numpy(),
                                      (df["intake"] == params.intakes[1]).to_numpy()),
                             index=df.index)
            extra["intake_consistent"] = same.astype("boolean").mask(
                adm.isna() | df["intake"].isna()
            )
    if school_type is not None and "level" in df.columns:
        allowed = pd.Series(False, index=df.index)
        for kind, levels in params.levels_by_school_type.items():
            allowed |= (school_type == kind).fillna(False) & df["level"].isin(list(levels))
        extra["level_allowed"] = allowed.astype("boolean").mask(
            school_type.isna() | df["level"].isna()
        )
    df = df.assign(**extra)
    between = [c for c in BETWEEN_COLUMNS if c in df.columns]
    return df.assign(**{c: plain_numbers(df[c]) for c in between})


def plain_numbers(values: pd.Series) -> pd.Series:
    """A number column as NumPy ``int64`` (``float64`` when some are missing).

    GE's ``expect_column_values_to_be_between`` compares NumPy numbers in one vectorised step
    but calls a Python function per row for nullable (``Int64``) columns: 3 s at 1M rows.
    Non-numeric text stays as it is, for GE to report.
    """
    if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        return values
    if values.isna().any():
        return values.astype("float64")
    return values.astype("int64")


def digit_shape(values: pd.Series) -> pd.Series:
    r"""``values`` with every digit replaced by ``9`` (nulls stay null).

    Equal to ``str.replace(r"\d", "9")`` on every row, computed fast: rows already in the
    masked form only need their last character looked at; the regex runs on the others.
    """
    from pipeline.normalise import labels_at, scatter_text

    text = values.astype("str").where(values.notna())
    masked = text.str.fullmatch(MASKED_RE).fillna(False).to_numpy(dtype=bool)
    last_x = text.str.endswith("X").fillna(False).to_numpy(dtype=bool)
    rest = np.flatnonzero(~masked & text.notna().to_numpy())
    if not len(rest):
        code = np.where(masked, last_x.astype(np.int64), -1)
        return labels_at([MASKED_SHAPE, MASKED_SHAPE[:-1] + "X"], code, index=values.index)
    shapes = np.where(last_x, MASKED_SHAPE[:-1] + "X", MASKED_SHAPE)
    on = np.flatnonzero(masked)
    return scatter_text(len(values), [
        (on, shapes[on].tolist()),
        (rest, text.iloc[rest].str.replace(r"\d", "9", regex=True).tolist()),
    ], index=values.index)


def standing_by_school(records: pd.DataFrame) -> list[tuple[str | None, pd.DataFrame]]:
    """Non-superseded rows per sending school (``file_school_id``), as ``state`` frames."""
    standing = records.loc[records["state"] != "superseded", ["file_school_id", "state"]]
    out: list[tuple[str | None, pd.DataFrame]] = []
    for key, group in standing.groupby("file_school_id", sort=True, dropna=False):
        school = None if pd.isna(key) else str(key)
        out.append((school, group[["state"]].reset_index(drop=True)))
    return out


# --------------------------------------------------------------------------- running
