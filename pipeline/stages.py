"""One function per stage: read the previous stage's files, call the logic, write its own.

The notebooks call these (and show their results); ``kuozhao bench`` calls them in-process.
"""

from __future__ import annotations

import calendar
import contextlib
import datetime as dt
import logging
import time
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd

from pipeline import io, resources
from pipeline.clean import (
    CleanResult,
    Lookups,
    clean_as_published,
    contested_rows,
    finish,
    prepare,
    resolve,
    superseding_folder,
)
from pipeline.config import (
    CLASS_TYPES,
    GENDERS,
    STATUSES,
    STUDY_MODES,
    YES_NO,
    PipelineConfig,
    load_pipeline_config,
    load_salt,
)
from pipeline.context import StageContext
from pipeline.errors import InputError
from pipeline.fulfilment import flag_arrays, sums_by, sums_by_code
from pipeline.ingest import HeaderMap, log_notes, raw_files, read_file, repeated_text

log = logging.getLogger(__name__)
READ_THREADS = 2  # raw files read at once (the machines have 2 cores)


@contextlib.contextmanager
def timed(step: str) -> Iterator[None]:
    """Log how long a step of a stage took (debug level: ``kuozhao bench`` shows them)."""
    started = time.perf_counter()
    yield
    log.debug("step %s %.2f s", step, time.perf_counter() - started)


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
    if not (ctx.raw_dir / ctx.period).is_dir():
        # An existing but empty month is fine: nothing new arrived, the figures still stand.
        raise InputError(f"{ctx.raw_dir / ctx.period}: no folder for period {ctx.period}")
    parts, file_rows, unreadable, skipped_sheets = [], [], [], []
    # Files are read two at a time: Arrow's parser and calamine work outside Python's lock,
    # so one file's parsing overlaps another's Python work. Results come in file order.
    pool = ThreadPoolExecutor(max_workers=READ_THREADS)
    try:
        reads = [pool.submit(read_file, path, source_file, hmap, known, notes=False)
                 for source_file, path in files]
        for (source_file, _), future in zip(files, reads, strict=True):
            try:
                got = future.result()
            except InputError as exc:
                if not ctx.skip_unreadable:
                    raise
                problem = str(exc).split(": ", 1)[-1]
                unreadable.append({"source_file": source_file, "problem": problem})
                file_rows.append({"source_file": source_file, "raw_rows": 0, "skipped_lines": 0,
                                  "problem": problem})
                log.warning("skipped unreadable file %s", exc)
                continue
            log_notes(got)  # in file order, whichever thread finished first
            parts.append(got.records)
            file_rows.append({
                "source_file": source_file,
                "encoding": got.encoding,
                "sheets": got.sheets,
                "raw_rows": len(got.records),
                "skipped_lines": got.skipped_lines,
                "ignored_columns": got.ignored_columns,
                "header_suggestions": got.suggestions,
            })
            skipped_sheets += [{"source_file": source_file, "sheet": s} for s in got.skipped_sheets]
    finally:
        pool.shutdown(cancel_futures=True)
    if not parts:
        raise InputError(f"{ctx.raw_dir}: none of the raw files up to {ctx.period} is readable")
    raw = pd.concat(parts, ignore_index=True)
    read = [r for r in file_rows if "problem" not in r]
    counts = [r["raw_rows"] for r in read]
    raw["source_file"] = repeated_text([r["source_file"] for r in read], counts)
    raw["folder"] = repeated_text([r["source_file"].split("/")[0] for r in read], counts)
    files_df = pd.DataFrame(file_rows)
    report = {
        "files": read,
        "unreadable_files": unreadable,
        "skipped_sheets": skipped_sheets,
        "skipped_lines": int(files_df["skipped_lines"].sum()),
    }
    return raw, files_df, report


def vintages(prep: pd.DataFrame, cfg: PipelineConfig, period: str) -> pd.DataFrame:
    """Per month up to the period and per school: the figures as they would have been
    published then (only the folders up to that month). Counted on arrays: what does not
    depend on the month is worked out once."""
    needed = ["folder", "dedup_key", "student_code", "id_valid", "school_id", "status",
              "admission_date", "order", *[c for c in prep.columns if c.startswith("r_")]]
    prep = prep[needed]
    nxt = superseding_folder(prep)
    own = prep[[c for c in needed if c.startswith("r_")]].to_numpy().any(axis=1)
    contested = contested_rows(prep, own)
    school, schools = pd.factorize(prep["school_id"], sort=True)
    admission = prep["admission_date"].to_numpy()
    registered_status = prep["status"].isin(cfg.registered_statuses).to_numpy()
    rows = []
    for month in months(cfg.first_period, period):
        ok = clean_as_published(prep, nxt, month, cfg.registered_statuses, own=own,
                                contested=contested)
        flags = flag_arrays(admission, registered_status, as_of(month), cfg.counting_basis)
        per = sums_by_code(school, schools, dict(zip(("admitted", "registered", "counted"),
                                                     flags, strict=True)),
                           rows=ok, name="school_id")
        rows.append(per.reset_index().assign(month=month))
    out = pd.concat(rows, ignore_index=True)
    return out[["month", "school_id", "admitted", "registered", "counted"]].astype(
        {"admitted": "int64", "registered": "int64", "counted": "int64"})


def _write_table(result: CleanResult, name: str, path: Path) -> None:
    io.write_parquet(path, getattr(result, name))


def clean_stage(ctx: StageContext) -> dict:
    """Stage 01: ingest, normalise, check, deduplicate, quarantine, reconcile."""
    cfg = load_pipeline_config(ctx.config_dir)
    salt = load_salt(ctx.config_dir)
    schools, majors = load_reference(ctx, cfg)
    lookups = Lookups.build(schools, majors, cfg)
    hmap = HeaderMap(cfg.header_map, cfg.required_fields)
    with timed("ingest"):
        raw, files_df, report = ingest_all(ctx, hmap, lookups.known_school_keys)
    with timed("prepare"):
        prep = prepare(raw, lookups, cfg, salt)
    del raw
    with timed("resolve"):
        states = resolve(prep, cfg.registered_statuses)
    with timed("finish"):
        result = finish(prep, states, files_df)

    p, o = ctx.period_processed, ctx.out_dir
    # The stage files are written (Arrow, outside Python's lock) while the vintages are
    # worked out and the published tables written.
    with ThreadPoolExecutor(max_workers=2) as writer:
        # The enrollment table is filtered on that thread too (``CleanResult.enrollment``).
        writes = [writer.submit(_write_table, result, name, p / f"{name}.parquet")
                  for name in ("enrollment", "records", "quarantine")]
        with timed("vintages"):
            vint = vintages(prep, cfg, ctx.period)
        del prep
        io.write_parquet(p / "vintages.parquet", vint)
        io.write_csv(o / "reconciliation.csv", result.reconciliation)
        qcols = ["source_file", "source_row", "school_id", "reasons", "id_masked"]
        io.write_csv(o / "quarantine.csv", result.quarantine[qcols])
        report["unmapped_majors"] = result.unmapped_majors.to_dict("records")
        report["gender_mismatch_rows"] = result.gender_mismatch_rows
        io.write_json(o / "ingest_report.json", report)
        with timed("parquet (waited)"):
            for write in writes:
                write.result()
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


# ---------------------------------------------------------------- stage 03

def _month_index(period: str) -> int:
    return int(period[:4]) * 12 + int(period[5:7]) - 1


def fulfilment_stage(ctx: StageContext) -> dict:
    """Stage 03: counts, breakdowns, the monthly series, revisions, reward inputs."""
    from pipeline import fulfilment as ful

    cfg = load_pipeline_config(ctx.config_dir)
    schools, _ = load_reference(ctx, cfg)
    p, o = ctx.period_processed, ctx.out_dir
    enrollment = io.read_parquet(p / "enrollment.parquet", columns=list(ful.ENROLLMENT_COLUMNS))
    records = io.read_parquet(p / "records.parquet", columns=["file_school_id", "state"])
    vint = io.read_parquet(p / "vintages.parquet")
    recon = io.read_csv(o / "reconciliation.csv")
    end = as_of(ctx.period)
    f = ful.flags(enrollment, end, cfg.counting_basis, cfg.registered_statuses)

    per_school = ful.by_school(enrollment, f, schools, cfg.autumn_label)
    orders = {
        "school_type": tuple(cfg.levels_by_school_type),
        "intake": (cfg.autumn_label, cfg.spring_label),
        "target_group": cfg.target_groups,
        "group_kind": ("社会人员", "应往届毕业生"),
        "disabled": YES_NO,
        "industry": cfg.industries,
        "level": cfg.levels,
        "study_mode": STUDY_MODES,
        "class_type": CLASS_TYPES,
    }
    breakdowns = ful.breakdowns(enrollment, f, schools, cfg.social_groups, orders)
    month_ends = [(m, as_of(m)) for m in months(cfg.first_period, ctx.period)]
    known_now = ful.series(enrollment, month_ends, cfg.target, cfg.trajectory_start,
                           cfg.trajectory_end, cfg.counting_basis, cfg.registered_statuses)
    vintage_totals = vint.groupby("month")["counted"].sum()
    revisions = ful.revisions(vintage_totals, known_now)
    months_left = _month_index(cfg.window_end.strftime("%Y-%m")) - _month_index(ctx.period)
    projection = ful.projection(known_now, cfg.projection_months, months_left,
                                cfg.window_end, cfg.target)
    inputs = ful.reward_inputs(enrollment, f, records, schools, cfg.intake_cutoff,
                               cfg.social_groups)
    disabled_by_school = sums_by(enrollment["school_id"], {
        "disabled_counted": f["counted"].to_numpy() & enrollment["disabled"].to_numpy(),
        "total_counted": f["counted"].to_numpy(),
    })
    disabled_by_school = schools[["school_id", "school_name"]].merge(
        disabled_by_school, left_on="school_id", right_index=True, how="left"
    ).fillna({"disabled_counted": 0, "total_counted": 0}).astype(
        {"disabled_counted": "int64", "total_counted": "int64"})

    counted = int(f["counted"].sum())
    prev = known_now["counted"].iloc[-2] if len(known_now) > 1 else None
    summary = {
        "period": ctx.period,
        "as_of": end.isoformat(),
        "target": cfg.target,
        "admitted": int(f["admitted"].sum()),
        "registered": int(f["registered"].sum()),
        "counted": counted,
        "fulfilment_rate": counted / cfg.target,
        "raw_rows": int(recon["raw_rows"].sum()),
        "clean_rows": int(recon["clean_rows"].sum()),
        "quarantined_rows": int(recon["quarantined_rows"].sum()),
        "superseded_rows": int(recon["superseded_rows"].sum()),
        "skipped_lines": int(recon["skipped_lines"].sum()),
        "counting_basis": cfg.counting_basis,
        "intake_cutoff": cfg.intake_cutoff.isoformat(),
        "window_start": cfg.window_start.isoformat(),
        "window_end": cfg.window_end.isoformat(),
        "previous_period": known_now["month"].iloc[-2] if len(known_now) > 1 else None,
        "previous_counted": None if prev is None else int(prev),
        "change_since_last_month": None if prev is None else counted - int(prev),
        "target_trajectory": float(known_now["target_trajectory"].iloc[-1]),
        "projection": projection,
        "synthetic": io.is_synthetic(ctx.reference_dir),
    }
    io.write_json(o / "summary.json", summary)
    io.write_csv(o / "fulfilment_by_school.csv", per_school)
    io.write_csv(o / "breakdowns.csv", breakdowns)
    io.write_csv(o / "series.csv", known_now)
    io.write_csv(o / "revisions.csv", revisions)
    io.write_csv(o / "disabled_by_school.csv", disabled_by_school)
    io.write_parquet(p / "reward_inputs.parquet", inputs)
    return summary


# ---------------------------------------------------------------- stage 04

def rewards_stage(ctx: StageContext) -> dict:
    """Stage 04: gates, components, score, rank, allocation and sensitivity."""
    from pipeline import rewards as rw
    from pipeline.render import Labels, reward_reasons

    policy = rw.load_reward_policy(ctx.config_dir / "rewards.yaml")
    inputs = io.read_parquet(ctx.period_processed / "reward_inputs.parquet")
    detail = rw.compute_rewards(inputs, policy)
    sens = rw.sensitivity(inputs, policy)
    detail = detail.merge(sens, on="school_id", how="left")
    detail["reason"] = reward_reasons(detail, Labels(ctx.lang))
    table = rw.rewards_table(detail)
    meta = {**rw.allocation_summary(detail, policy), "policy": policy.to_dict()}
    io.write_csv(ctx.out_dir / "rewards.csv", table)
    io.write_csv(ctx.out_dir / "rewards_detail.csv", detail)
    io.write_json(ctx.out_dir / "rewards_meta.json", meta)
    return meta


def reconciliation_check(recon: pd.DataFrame) -> pd.DataFrame:
    """Totals of the reconciliation, with a check that every file adds up."""
    cols = ["raw_rows", "clean_rows", "quarantined_rows", "superseded_rows", "skipped_lines"]
    totals = recon[cols].sum()
    adds_up = (recon["raw_rows"] == recon["clean_rows"] + recon["quarantined_rows"]
               + recon["superseded_rows"]).all()
    return pd.DataFrame({"total": totals}).T.assign(adds_up=bool(adds_up))


def quarantine_by_reason(quarantine: pd.DataFrame,
                         texts: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Rows carrying each reason code, with its text (``texts``: by code, from
    ``pipeline.render.Labels.reason_texts``; default: the Chinese texts with the programme
    window of the shipped configuration)."""
    from pipeline.render import Labels
    from pipeline.render.quality_tables import reason_counts

    if texts is None:
        cfg = load_pipeline_config(resources.default_config_dir())
        texts = Labels("zh-CN", window=(cfg.window_start, cfg.window_end)).reason_texts()
    counts = reason_counts(quarantine["reasons"])
    return counts.assign(explanation=counts["reason"].map(texts))


# ---------------------------------------------------------------- stage 02

def validation_params(cfg: PipelineConfig, period: str):
    """The configuration values the expectation suites are filled with."""
    from pipeline.validate import ValidationParams

    return ValidationParams(
        target=cfg.target,
        school_types=tuple(cfg.levels_by_school_type),
        industries=cfg.industries,
        levels_by_school_type=dict(cfg.levels_by_school_type),
        levels=cfg.levels,
        statuses=STATUSES,
        study_modes=STUDY_MODES,
        class_types=CLASS_TYPES,
        target_groups=cfg.target_groups,
        genders=GENDERS,
        window_start=cfg.window_start,
        window_end=cfg.window_end,
        intake_cutoff=cfg.intake_cutoff,
        as_of=as_of(period),
        age_min=cfg.age_min,
        age_max=cfg.age_max,
        raw_clean_share_mostly=cfg.raw_clean_share_mostly,
        intakes=(cfg.autumn_label, cfg.spring_label),
    )




def validate_stage(ctx: StageContext, data_docs: bool = True) -> dict:
    """Stage 02: the Great Expectations suites; a critical failure stops publication."""
    from pipeline.validate import gate, validate_all

    cfg = load_pipeline_config(ctx.config_dir)
    schools, majors = load_reference(ctx, cfg)
    p = ctx.period_processed
    records = io.read_parquet(p / "records.parquet", columns=["file_school_id", "state"])
    enrollment = io.read_parquet(p / "enrollment.parquet")
    summary = validate_all(
        schools, majors, records, enrollment, validation_params(cfg, ctx.period),
        resources.expectations_dir(),
        data_docs_dir=(ctx.out_dir / "data_docs") if data_docs else None,
    )
    io.write_json(ctx.out_dir / "validation.json", summary)
    gate(summary)
    return summary


# ---------------------------------------------------------------- stage 05

def bulletin_stage(ctx: StageContext) -> dict:
    """Stage 05: the bulletin, the evaluator report, the Excel annex, and each school's
    feedback workbook of quarantined rows."""
    from pipeline.render import (
        Labels,
        feedback_texts,
        load_stage_files,
        render_all,
        write_feedback,
    )

    cfg = load_pipeline_config(ctx.config_dir)
    paths = render_all(
        load_stage_files(ctx.out_dir), ctx.out_dir, lang=ctx.lang,
        sensitive_dimensions=cfg.disclosure_dimensions, threshold=cfg.disclosure_threshold,
        created=as_of(ctx.period).isoformat(),
    )
    quarantine = io.read_parquet(ctx.period_processed / "quarantine.parquet")
    texts = feedback_texts(Labels(ctx.lang, window=(cfg.window_start, cfg.window_end)))
    paths["feedback"] = write_feedback(ctx.out_dir, quarantine, texts)
    return paths


def published_files(out_dir: Path) -> pd.DataFrame:
    """The files of a period's output folder with their sizes. Data docs and the executed
    notebooks are left out: the notebook of the stage showing this table is still being
    written, with papermill's timings in it, so its size would vary from run to run."""
    rows = [
        {"file": str(p.relative_to(out_dir)), "kib": round(p.stat().st_size / 1024, 1)}
        for p in sorted(Path(out_dir).rglob("*"))
        if p.is_file() and not {"data_docs", "notebooks"} & set(p.relative_to(out_dir).parts)
    ]
    return pd.DataFrame(rows, columns=["file", "kib"])
