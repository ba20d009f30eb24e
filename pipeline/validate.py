"""Stage 02: Great Expectations suites, severity gating and a compact summary.

The suites are JSON files in ``expectations/`` (versioned with the code). Every expectation
carries a native GE ``severity`` (``critical``/``warning``/``info``) and a ``meta`` with a
Chinese one-line ``description`` and an English ``description_en``; ``{name}`` placeholders in
the descriptions are filled from :class:`ValidationParams`.

Configuration reaches the suites through GE's own suite parameters: a kwarg written
``{"$PARAMETER": "window_start_ymd"}`` in the JSON is replaced at run time by
``ValidationDefinition.run(expectation_parameters=...)`` with the value of
:meth:`ValidationParams.suite_parameters`. Rules GE cannot express on one column (intake
against the cutoff, level against the school type, the masked-ID shape) are computed here as
derived columns and checked by the suites.

Personal data: the frames hold no name and no full ID number. ``id_masked`` is checked on a
shape column whose digits are all ``9``, so even a wrongly unmasked number could never show in
GE's results or Data Docs; sample values reach ``validation.json`` only for enumerated columns.
"""

from __future__ import annotations

import json
import logging
import math
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from pipeline.errors import ConfigError, ValidationFailed

if TYPE_CHECKING:
    import great_expectations as gx

logger = logging.getLogger(__name__)

SUITE_NAMES = ("reference_schools", "reference_majors", "raw_submissions", "clean_records")
SEVERITY_RANK = {"info": 1, "warning": 2, "critical": 3}
RESULT_FORMAT = {"result_format": "BASIC", "partial_unexpected_count": 5}
DATA_DOCS_SITE = "kuozhao_data_docs"
MASKED_RE = r"[0-9]{6}\*{8}[0-9]{3}[0-9X]"
MASKED_SHAPE = "999999********9999"
# Number columns the clean_records suite checks with expect_column_values_to_be_between.
BETWEEN_COLUMNS = ("admission_ymd", "age", "years")
# Columns whose unexpected values may be shown in validation.json: enumerations and codes only.
SAMPLE_SAFE_COLUMNS = frozenset(
    {
        "school_type",
        "ownership",
        "district",
        "industry",
        "state",
        "gender",
        "target_group",
        "level",
        "study_mode",
        "class_type",
        "education_kind",
        "status",
        "intake",
        "school_id",
        "years",
        "quota_is_whole",
        "intake_consistent",
        "level_allowed",
        "major_known",
    }
)


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


def _fill(text: str, values: dict[str, Any]) -> str:
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
            if exp.get("severity") not in SEVERITY_RANK:
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
    """``values`` with every digit replaced by ``9`` (nulls stay null).

    Equal to ``str.replace(r"\\d", "9")`` on every row, computed fast: rows already in the
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


def _context(data_docs_dir: Path | None) -> Any:
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
    )
    ctx = gx.get_context(mode="ephemeral", project_config=config)
    if data_docs_dir is not None:
        ctx.add_data_docs_site(
            DATA_DOCS_SITE,
            {
                "class_name": "SiteBuilder",
                "store_backend": {
                    "class_name": "TupleFilesystemStoreBackend",
                    "base_directory": str(Path(data_docs_dir).resolve()),
                },
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            },
        )
    return ctx


def _json_value(value: Any) -> Any:
    """A JSON-safe plain value (numpy scalars, dates, NaN)."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (date, pd.Timestamp)):
        return value.isoformat()
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def _summarise(
    suite_name: str,
    suite: Any,
    result: Any,
    values_zh: dict[str, Any],
    values_en: dict[str, Any],
    school_id: str | None,
) -> list[dict[str, Any]]:
    order = {exp.id: i for i, exp in enumerate(suite.expectations)}
    rows: list[tuple[int, dict[str, Any]]] = []
    for res in result.results:
        cfg = res.expectation_config
        kwargs = dict(cfg.kwargs)
        column = kwargs.get("column")
        if column is None and "column_list" in kwargs:
            column = ",".join(kwargs["column_list"])
        detail = res.result or {}
        meta = cfg.meta or {}
        row: dict[str, Any] = {
            "suite": suite_name,
            "expectation": cfg.type,
            "column": column,
            "school_id": school_id,
            "severity": str(getattr(cfg.severity, "value", cfg.severity)),
            "success": bool(res.success),
            "element_count": _json_value(detail.get("element_count")),
            "unexpected_count": _json_value(detail.get("unexpected_count")),
            "unexpected_percent": _round(detail.get("unexpected_percent")),
            "observed_value": _observed(cfg.type, detail),
            "description": _fill(meta.get("description", cfg.type), values_zh),
            "description_en": _fill(meta.get("description_en", cfg.type), values_en),
        }
        missing = ((detail.get("details") or {}).get("mismatched") or {}).get("missing")
        if missing:
            row["missing_columns"] = [str(c) for c in missing]
            row["observed_value"] = None
        if column in SAMPLE_SAFE_COLUMNS and detail.get("partial_unexpected_list"):
            sample = dict.fromkeys(_json_value(v) for v in detail["partial_unexpected_list"])
            row["unexpected_sample"] = list(sample)
        error = _error_message(res.exception_info)
        if error:
            row["error"] = error
        rows.append((order.get(cfg.id, len(order)), row))
    return [row for _, row in sorted(rows, key=lambda pair: pair[0])]


def _error_message(info: Any) -> str | None:
    """The first exception message of a result (GE nests them per metric), one line."""
    if not isinstance(info, dict):
        return None
    candidates = [info, *(v for v in info.values() if isinstance(v, dict))]
    for item in candidates:
        if item.get("raised_exception"):
            lines = str(item.get("exception_message") or "error").splitlines()
            return (lines[0] if lines else "error")[:300]
    return None


def _round(value: Any) -> float | None:
    value = _json_value(value)
    return round(float(value), 4) if isinstance(value, (int, float)) else None


def _observed(expectation: str, detail: dict[str, Any]) -> Any:
    """The observed value of aggregate expectations, or the share of expected rows."""
    if "observed_value" in detail:
        observed = detail["observed_value"]
        if isinstance(observed, (list, tuple, set)):
            return [_json_value(v) for v in observed]
        return _json_value(observed)
    count, bad = detail.get("element_count"), detail.get("unexpected_count")
    missing = detail.get("missing_count") or 0
    if expectation == "expect_column_values_to_be_in_set" and count and bad is not None:
        nonmissing = count - missing
        return round(1 - bad / nonmissing, 4) if nonmissing else None
    return None


def validate_all(
    schools: pd.DataFrame,
    majors: pd.DataFrame,
    records: pd.DataFrame,
    enrollment: pd.DataFrame,
    params: ValidationParams,
    expectations_dir: Path,
    data_docs_dir: Path | None = None,
) -> dict[str, Any]:
    """Run every suite with GE's own API and return the compact summary of ``validation.json``.

    An ephemeral GE context validates in-memory pandas batches: the reference tables once
    each, the raw submissions once per sending school (its non-superseded rows), the clean
    records once. Results use GE's ``BASIC`` format: ``SUMMARY`` adds, per expectation, row
    filters of the whole frame for index lists kuozhao does not publish (seconds at 1M rows).
    When ``data_docs_dir`` is given, GE's Data Docs are built there (their pages load CDN
    assets and are English only).

    Returns:
        ``{"success", "max_severity_failure", "counts", "results": [...]}`` where each result
        has suite, expectation, column, school_id, severity, success, element_count,
        unexpected_count, unexpected_percent, observed_value, description (Chinese) and
        description_en, plus ``unexpected_sample`` for enumerated columns and ``error`` when
        the expectation could not be evaluated.
    """
    import great_expectations as gx

    started = time.perf_counter()
    suites = load_suites(expectations_dir)
    ctx = _context(data_docs_dir)
    source = ctx.data_sources.add_pandas("kuozhao")

    school_ids = (
        sorted(schools["school_id"].dropna().astype(str).unique().tolist())
        if "school_id" in schools
        else []
    )
    expectation_parameters = params.suite_parameters(school_ids)
    values_zh = params.description_values("、")
    values_en = params.description_values(", ")
    prepared_schools = prepare_schools(schools)
    batches: list[tuple[str, str | None, pd.DataFrame]] = [
        ("reference_schools", None, prepared_schools),
        ("reference_majors", None, blank_to_na(majors)),
        *(("raw_submissions", sid, frame) for sid, frame in standing_by_school(records)),
        ("clean_records", None, prepare_enrollment(enrollment, prepared_schools, params)),
    ]

    definitions: dict[str, Any] = {}
    results: list[dict[str, Any]] = []
    for suite_name, school_id, frame in batches:
        if suite_name not in definitions:
            asset = source.add_dataframe_asset(suite_name)
            batch_definition = asset.add_batch_definition_whole_dataframe("whole")
            suite = ctx.suites.add(suites[suite_name])
            definitions[suite_name] = ctx.validation_definitions.add(
                gx.ValidationDefinition(name=suite_name, data=batch_definition, suite=suite)
            )
        t0 = time.perf_counter()
        result = definitions[suite_name].run(
            batch_parameters={"dataframe": frame},
            expectation_parameters=expectation_parameters,
            result_format=RESULT_FORMAT,
        )
        logger.debug("suite %s %s: %.2f s", suite_name, school_id or "", time.perf_counter() - t0)
        zh = {**values_zh, "school_id": school_id or "（未识别学校）"}
        en = {**values_en, "school_id": school_id or "(unidentified school)"}
        results.extend(
            _summarise(suite_name, definitions[suite_name].suite, result, zh, en, school_id)
        )

    if data_docs_dir is not None:
        Path(data_docs_dir).mkdir(parents=True, exist_ok=True)
        ctx.build_data_docs(site_names=[DATA_DOCS_SITE])

    failed = [r for r in results if not r["success"]]
    worst = max((SEVERITY_RANK[r["severity"]] for r in failed), default=0)
    max_failure = next((k for k, v in SEVERITY_RANK.items() if v == worst), None)
    summary = {
        "success": not failed,
        "max_severity_failure": max_failure,
        "counts": {
            "expectations": len(results),
            **{f"failed_{k}": sum(r["severity"] == k for r in failed) for k in SEVERITY_RANK},
        },
        "results": results,
    }
    logger.info(
        "validation: %d expectations, %d failed (max severity %s) in %.2f s",
        len(results),
        len(failed),
        max_failure,
        time.perf_counter() - started,
    )
    return summary


# --------------------------------------------------------------------------- gating


def failure_line(row: dict[str, Any]) -> str:
    """One line naming a failed expectation and what failed."""
    target = row["expectation"]
    if row.get("column"):
        target += f"({row['column']})"
    where = f"{row['suite']}"
    if row.get("school_id"):
        where += f"[{row['school_id']}]"
    if row.get("missing_columns"):
        what = "missing columns " + ", ".join(row["missing_columns"])
    elif row.get("error"):
        what = f"could not be evaluated: {row['error']}"
    elif row.get("unexpected_count") is not None:
        what = f"{row['unexpected_count']} of {row.get('element_count')} rows unexpected"
        if row.get("unexpected_sample"):
            what += " (e.g. " + ", ".join(str(v) for v in row["unexpected_sample"][:3]) + ")"
    else:
        what = f"observed {row.get('observed_value')}"
    return " ".join(f"{where} {target}: {what} — {row.get('description', '')}".split())


def gate(summary: dict[str, Any]) -> None:
    """Stop publication when a critical expectation failed.

    Raises:
        ValidationFailed: one line naming the first failed critical expectation (suite,
            expectation, column, unexpected count or observed value) and how many more failed.
    """
    if summary.get("max_severity_failure") != "critical":
        return
    critical = [
        r
        for r in summary.get("results", [])
        if not r.get("success") and r.get("severity") == "critical"
    ]
    if not critical:
        raise ValidationFailed("critical expectation failed (no detail in the summary)")
    more = f" (+{len(critical) - 1} more critical)" if len(critical) > 1 else ""
    raise ValidationFailed(f"critical expectation failed: {failure_line(critical[0])}{more}")
