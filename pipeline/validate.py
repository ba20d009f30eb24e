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

import logging
import re
import shutil
import time
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline import resources
from pipeline.errors import ValidationFailed
from pipeline.io import plain
from pipeline.suites import (
    SUITE_NAMES,
    ValidationParams,
    blank_to_na,
    digit_shape,
    fill,
    load_suites,
    prepare_enrollment,
    prepare_schools,
    standing_by_school,
)

__all__ = ["SUITE_NAMES", "ValidationParams", "digit_shape", "gate", "load_suites",
           "validate_all"]
logger = logging.getLogger(__name__)

SEVERITY_RANK = {"info": 1, "warning": 2, "critical": 3}
RESULT_FORMAT = {"result_format": "BASIC", "partial_unexpected_count": 5}
DATA_DOCS_SITE = "kuozhao_data_docs"
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
            "element_count": plain(detail.get("element_count")),
            "unexpected_count": plain(detail.get("unexpected_count")),
            "unexpected_percent": _round(detail.get("unexpected_percent")),
            "observed_value": _observed(cfg.type, detail),
            "description": fill(meta.get("description", cfg.type), values_zh),
            "description_en": fill(meta.get("description_en", cfg.type), values_en),
        }
        missing = ((detail.get("details") or {}).get("mismatched") or {}).get("missing")
        if missing:
            row["missing_columns"] = [str(c) for c in missing]
            row["observed_value"] = None
        if column in SAMPLE_SAFE_COLUMNS and detail.get("partial_unexpected_list"):
            sample = dict.fromkeys(plain(v) for v in detail["partial_unexpected_list"])
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
    value = plain(value)
    return round(float(value), 4) if isinstance(value, (int, float)) else None


def _observed(expectation: str, detail: dict[str, Any]) -> Any:
    """The observed value of aggregate expectations, or the share of expected rows."""
    if "observed_value" in detail:
        observed = detail["observed_value"]
        if isinstance(observed, (list, tuple, set)):
            return [plain(v) for v in observed]
        return plain(observed)
    count, bad = detail.get("element_count"), detail.get("unexpected_count")
    missing = detail.get("missing_count") or 0
    if expectation == "expect_column_values_to_be_in_set" and count and bad is not None:
        nonmissing = count - missing
        return round(1 - bad / nonmissing, 4) if nonmissing else None
    return None


def validate_all(  # noqa: PLR0913, PLR0917 - the frames validated, one by one
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
    started = time.perf_counter()
    prepared_schools = prepare_schools(schools)
    batches: list[tuple[str, str | None, pd.DataFrame]] = [
        ("reference_schools", None, prepared_schools),
        ("reference_majors", None, blank_to_na(majors)),
        *(("raw_submissions", sid, frame) for sid, frame in standing_by_school(records)),
        ("clean_records", None, prepare_enrollment(enrollment, prepared_schools, params)),
    ]
    school_ids = (sorted(schools["school_id"].dropna().astype(str).unique().tolist())
                  if "school_id" in schools else [])
    ctx = _context(data_docs_dir)
    results = _run_batches(ctx, load_suites(expectations_dir), batches, params, school_ids)
    if data_docs_dir is not None:
        Path(data_docs_dir).mkdir(parents=True, exist_ok=True)
        ctx.build_data_docs(site_names=[DATA_DOCS_SITE])
        offline_data_docs(Path(data_docs_dir))
    summary = _summary(results)
    logger.info("validation: %d expectations, %d failed (max severity %s) in %.2f s",
                len(results), sum(not r["success"] for r in results),
                summary["max_severity_failure"], time.perf_counter() - started)
    return summary


# Where Great Expectations' pages load their assets from, and the copy kuozhao ships.
ASSETS = {
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": "bootstrap.min.css",
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": "bootstrap.min.js",
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js":
        "popper.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js":
        "bootstrap-table.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css":
        "bootstrap-table.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.min.js": "bootstrap-table-filter-control.min.js",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.css": "bootstrap-table-filter-control.css",
    "https://cdn.jsdelivr.net/npm/vega@5": "vega.min.js",
    "https://cdn.jsdelivr.net/npm/vega-lite@5": "vega-lite.min.js",
    "https://cdn.jsdelivr.net/npm/vega-embed@6": "vega-embed.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css":
        "fontawesome/css/all.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/"
    "bootstrap-datepicker.min.js": "bootstrap-datepicker.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/"
    "bootstrap-datepicker.min.css": "bootstrap-datepicker.min.css",
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/"
    "bootstrap-prefers-dark.css": "bootstrap-prefers-dark.min.css",
}
VENDOR = "static/vendor"
_REMOTE_IMAGE = re.compile(r'<img\s[^>]*src="https?://[^"]*"[^>]*>')
_REMOTE_LINK = re.compile(r'href="https?://[^"]*"')


def offline_data_docs(folder: Path) -> None:
    """Make Great Expectations' Data Docs open with no network: the assets they load from CDNs
    are copied from the package (``pipeline/datadocs_assets``) into ``static/vendor`` and every
    page points at them; remote images are dropped and remote links made inert."""
    vendor = folder / VENDOR
    shutil.copytree(resources.datadocs_assets_dir(), vendor, dirs_exist_ok=True)
    for page in folder.rglob("*.html"):
        depth = len(page.relative_to(folder).parts) - 1
        prefix = "../" * depth + VENDOR + "/"
        text = page.read_text(encoding="utf-8")
        for url, local in ASSETS.items():
            text = text.replace(f'"{url}"', f'"{prefix}{local}"')
        text = _REMOTE_IMAGE.sub("", text)
        text = _REMOTE_LINK.sub('href="#"', text)
        page.write_text(text, encoding="utf-8")


def _run_batches(ctx: Any, suites: dict[str, Any],
                 batches: list[tuple[str, str | None, pd.DataFrame]],
                 params: ValidationParams, school_ids: list[str]) -> list[dict[str, Any]]:
    """Validate each batch with its suite (one validation definition per suite)."""
    import great_expectations as gx

    source = ctx.data_sources.add_pandas("kuozhao")
    expectation_parameters = params.suite_parameters(school_ids)
    values_zh = params.description_values("、")
    values_en = params.description_values(", ")
    definitions: dict[str, Any] = {}
    results: list[dict[str, Any]] = []
    for suite_name, school_id, frame in batches:
        if suite_name not in definitions:
            asset = source.add_dataframe_asset(suite_name)
            batch_definition = asset.add_batch_definition_whole_dataframe("whole")
            suite = ctx.suites.add(suites[suite_name])
            definitions[suite_name] = ctx.validation_definitions.add(
                gx.ValidationDefinition(name=suite_name, data=batch_definition, suite=suite))
        t0 = time.perf_counter()
        result = definitions[suite_name].run(
            batch_parameters={"dataframe": frame},
            expectation_parameters=expectation_parameters, result_format=RESULT_FORMAT)
        logger.debug("suite %s %s: %.2f s", suite_name, school_id or "", time.perf_counter() - t0)
        zh = {**values_zh, "school_id": school_id or "（未识别学校）"}
        en = {**values_en, "school_id": school_id or "(unidentified school)"}
        results.extend(
            _summarise(suite_name, definitions[suite_name].suite, result, zh, en, school_id))
    return results


def _summary(results: list[dict[str, Any]]) -> dict[str, Any]:
    """Success, the most severe failure and counts per severity, over every result."""
    failed = [r for r in results if not r["success"]]
    worst = max((SEVERITY_RANK[r["severity"]] for r in failed), default=0)
    return {
        "success": not failed,
        "max_severity_failure": next((k for k, v in SEVERITY_RANK.items() if v == worst), None),
        "counts": {
            "expectations": len(results),
            **{f"failed_{k}": sum(r["severity"] == k for r in failed) for k in SEVERITY_RANK},
        },
        "results": results,
    }


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
