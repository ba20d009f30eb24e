"""One function per stage: read the previous stage's files, call the logic, write its own.

The notebooks call these (and show their results); ``kuozhao bench`` calls them in-process.
"""

from __future__ import annotations

import calendar
import datetime as dt
import logging
from pathlib import Path

import pandas as pd

from pipeline import io
from pipeline.clean import REASON_TEXT_ZH, Lookups, finish, prepare, resolve
from pipeline.config import PipelineConfig, load_pipeline_config, load_salt
from pipeline.context import StageContext
from pipeline.errors import InputError
from pipeline.ingest import HeaderMap, read_file, raw_files

log = logging.getLogger(__name__)


def as_of(period: str) -> dt.date:
    """The last day of a period (YYYY-MM)."""
    y, m = int(period[:4]), int(period[5:7])
    return dt.date(y, m, calendar.monthrange(y, m)[1])


def months(first: str, last: str) -> list[str]:
    """Every YYYY-MM from first to last inclusive."""
    y, m = int(first[:4]), int(first[5:7])
    out = []
    while f"{y:04d}-{m:02d}" <= last:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def load_reference(ctx: StageContext, cfg: PipelineConfig) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The quota table and the majors table, checked."""
    schools = io.read_schools(ctx.reference_dir, tuple(cfg.levels_by_school_type), cfg.target)
    majors = io.read_majors(ctx.reference_dir, cfg.industries)
    return schools, majors


# ---------------------------------------------------------------- stage 01

def ingest_all(ctx: StageContext, hmap: HeaderMap, known: frozenset[str]):
    """Read every raw file up to the period. Returns (raw records, files table, report)."""
    files = raw_files(ctx.raw_dir, ctx.period)
    if not files:
        raise InputError(f"{ctx.raw_dir}: no raw submissions in folders up to {ctx.period}")
    if ctx.period not in {sf.split("/")[0] for sf, _ in files}:
        raise InputError(f"{ctx.raw_dir / ctx.period}: no raw submissions for period {ctx.period}")
    parts, file_rows, unreadable, skipped_sheets = [], [], [], []
    for source_file, path in files:
        try:
            got = read_file(path, source_file, hmap, known)
        except InputError as exc:
            if not ctx.skip_unreadable:
                raise
            unreadable.append({"source_file": source_file, "problem": str(exc).split(": ", 1)[-1]})
            log.warning("skipped unreadable file %s", exc)
            continue
        recs = got.records.assign(source_file=source_file, folder=source_file.split("/")[0])
        parts.append(recs)
        file_rows.append({
            "source_file": source_file,
            "encoding": got.encoding,
            "sheets": got.sheets,
            "raw_rows": len(recs),
            "skipped_lines": got.skipped_lines,
            "ignored_columns": got.ignored_columns,
            "header_suggestions": got.suggestions,
        })
        skipped_sheets += [{"source_file": source_file, "sheet": s} for s in got.skipped_sheets]
    if not parts:
        raise InputError(f"{ctx.raw_dir}: none of the raw files up to {ctx.period} is readable")
    raw = pd.concat(parts, ignore_index=True)
    files_df = pd.DataFrame(file_rows)
    report = {
        "files": file_rows,
        "unreadable_files": unreadable,
        "skipped_sheets": skipped_sheets,
        "skipped_lines": int(files_df["skipped_lines"].sum()),
    }
    return raw, files_df, report


def vintages(prep: pd.DataFrame, cfg: PipelineConfig, period: str) -> pd.DataFrame:
    """Per month up to the period and per school: the figures as they would have been
    published then (only the folders up to that month)."""
    rows = []
    for month in months(cfg.first_period, period):
        mask = (prep["folder"] <= month).to_numpy()
        if not mask.any():
            continue
        sub = prep[mask]
        st = resolve(sub, cfg.registered_statuses)
        clean = sub[st["state"].to_numpy() == "clean"]
        admitted = clean["admission_date"] <= pd.Timestamp(as_of(month))
        registered = admitted & clean["status"].isin(cfg.registered_statuses)
        counted = registered if cfg.counting_basis == "registered" else admitted
        per = pd.DataFrame({
            "school_id": clean["school_id"],
            "admitted": admitted, "registered": registered, "counted": counted,
        }).groupby("school_id").sum()
        per = per.reset_index().assign(month=month)
        rows.append(per)
    if not rows:
        return pd.DataFrame(columns=["month", "school_id", "admitted", "registered", "counted"])
    out = pd.concat(rows, ignore_index=True)
    return out[["month", "school_id", "admitted", "registered", "counted"]].astype(
        {"admitted": "int64", "registered": "int64", "counted": "int64"})


def clean_stage(ctx: StageContext) -> dict:
    """Stage 01: ingest, normalise, check, deduplicate, quarantine, reconcile."""
    cfg = load_pipeline_config(ctx.config_dir)
    salt = load_salt(ctx.config_dir)
    schools, majors = load_reference(ctx, cfg)
    lookups = Lookups.build(schools, majors, cfg)
    hmap = HeaderMap(cfg.header_map, cfg.required_fields)
    raw, files_df, report = ingest_all(ctx, hmap, lookups.known_school_keys)

    prep = prepare(raw, lookups, cfg, salt)
    del raw
    result = finish(prep, resolve(prep, cfg.registered_statuses), files_df)
    vint = vintages(prep, cfg, ctx.period)
    del prep

    p, o = ctx.period_processed, ctx.out_dir
    io.write_parquet(p / "enrollment.parquet", result.enrollment)
    io.write_parquet(p / "records.parquet", result.records)
    io.write_parquet(p / "quarantine.parquet", result.quarantine)
    io.write_parquet(p / "vintages.parquet", vint)
    io.write_csv(o / "reconciliation.csv", result.reconciliation)
    qcols = ["source_file", "source_row", "school_id", "reasons", "id_masked"]
    io.write_csv(o / "quarantine.csv", result.quarantine[qcols])
    report["unmapped_majors"] = result.unmapped_majors.to_dict("records")
    report["gender_mismatch_rows"] = result.gender_mismatch_rows
    io.write_json(o / "ingest_report.json", report)
    from pipeline.feedback import write_feedback

    write_feedback(o / "feedback", result.quarantine, REASON_TEXT_ZH)
    recon = result.reconciliation
    return {
        "files": len(recon),
        "raw_rows": int(recon["raw_rows"].sum()),
        "clean_rows": int(recon["clean_rows"].sum()),
        "quarantined_rows": int(recon["quarantined_rows"].sum()),
        "superseded_rows": int(recon["superseded_rows"].sum()),
        "skipped_lines": int(recon["skipped_lines"].sum()),
        "unreadable_files": len(report["unreadable_files"]),
    }
