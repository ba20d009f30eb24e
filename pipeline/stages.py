"""One function per stage: read from the catalogue, call the core, write to the catalogue.

The notebooks call these and show their results; ``kuozhao bench`` calls them in-process.
Everything here is the edge of the pipeline: files, threads and configuration are turned
into frames and plain values for the pure modules (:mod:`pipeline.clean`, :mod:`pipeline.dedup`,
:mod:`pipeline.reconcile`, :mod:`pipeline.fulfilment`, :mod:`pipeline.rewards`) and back.
"""

from __future__ import annotations

import calendar
import contextlib
import datetime as dt
import logging
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd

from pipeline import catalog, clean, io, resources
from pipeline.config import CLASS_TYPES, STUDY_MODES, YES_NO, PipelineConfig, load_salt
from pipeline.context import StageContext
from pipeline.dedup import resolve
from pipeline.disclosure import protect_long_table
from pipeline.evidence import write_evidence
from pipeline.ingest import HeaderMap, Reader, SchoolNames, ingest_all
from pipeline.reconcile import CleanResult, finish
from pipeline.settings import load_settings

log = logging.getLogger(__name__)


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


def month_index(period: str) -> int:
    """Months since year 0 of a YYYY-MM period (differences are month counts)."""
    return int(period[:4]) * 12 + int(period[5:7]) - 1


def files_of(ctx: StageContext) -> catalog.Files:
    """The catalogue bound to the stage's period."""
    return catalog.Files(processed=ctx.period_processed, reports=ctx.out_dir)


def archive_of(ctx: StageContext) -> Path:
    """The archive of what was published: beside the period folders of the output root (the
    run's staging folder sits in that root too)."""
    from pipeline.archive import ARCHIVE

    return ctx.out_dir.parent / ARCHIVE


def load_reference(ctx: StageContext, cfg: PipelineConfig) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The quota table and the majors table, checked."""
    schools = io.read_schools(ctx.reference_dir, tuple(cfg.levels_by_school_type), cfg.target)
    majors = io.read_majors(ctx.reference_dir, cfg.industries)
    return schools, majors


def clean_rules(cfg: PipelineConfig) -> clean.Rules:
    """The row rules' values from the configuration."""
    return clean.Rules(
        window_start=cfg.window_start, window_end=cfg.window_end,
        intake_cutoff=cfg.intake_cutoff, intake_labels=cfg.intake_labels,
        age_min=cfg.age_min, age_max=cfg.age_max,
        levels_by_school_type=dict(cfg.levels_by_school_type), social_groups=cfg.social_groups,
    )


def side_by_side(first: Callable[[], object], second: Callable[[], object]
                 ) -> tuple[object, object]:
    """Run two functions at once, ``first`` on a second thread (Arrow and NumPy release
    Python's lock; the machines have two cores); both results, in order."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        later = pool.submit(first)
        got = second()
        return later.result(), got


# ---------------------------------------------------------------- stage 01

def reading_note(ctx: StageContext) -> Callable[[str], None]:
    """A callback that keeps, beside the stage files, the name of each raw file as it is
    read: if the stage's kernel dies, the run can say which file it was reading."""
    path = files_of(ctx).path("reading_note")
    path.parent.mkdir(parents=True, exist_ok=True)

    def note(source_file: str) -> None:
        with path.open("a", encoding="utf-8") as fh:
            fh.write(source_file + "\n")

    return note

def prepare_rows(raw: pd.DataFrame, lookups: clean.Lookups, rules: clean.Rules,
                 salt_bytes: bytes) -> pd.DataFrame:
    """:func:`pipeline.clean.prepare`, with the ID numbers worked on beside the other fields."""
    raw = raw.reset_index(drop=True)
    ids, fields = side_by_side(
        lambda: clean.student_ids(raw["id_number"], rules.window_end, salt_bytes),
        lambda: clean.map_fields(raw, lookups, rules.social_groups))
    return clean.apply_rules(fields, ids, rules)


def clean_stage(ctx: StageContext) -> dict:
    """Stage 01: ingest, normalise, check, deduplicate, quarantine, reconcile."""
    cfg = load_settings(ctx.config_dir).pipeline
    schools, majors = load_reference(ctx, cfg)
    lookups = clean.Lookups.build(schools, majors, cfg.enumerations, cfg.synonyms)
    reader = Reader(HeaderMap(cfg.header_map, cfg.required_fields, cfg.month_headers),
                    SchoolNames(schools))
    with timed("ingest"):
        raw, files_table, report = ingest_all(ctx.raw_dir, ctx.period, reader,
                                              skip_unreadable=ctx.skip_unreadable,
                                              on_file=reading_note(ctx))
    with timed("prepare"):
        salt = load_salt(ctx.salt_dir or ctx.config_dir)
        prep = prepare_rows(raw, lookups, clean_rules(cfg), salt)
    del raw
    with timed("resolve"):
        states = resolve(prep, cfg.registered_statuses)
    with timed("finish"):
        result = finish(prep, states, files_table)
    del prep
    with timed("write"):
        write_clean(files_of(ctx), result, files_table, report, ctx.run_id,
                    feedback=lambda: write_school_feedback(ctx, cfg, result.quarantine))
    recon = result.reconciliation
    return {"files": len(recon), **{k: int(recon[k].sum()) for k in RECONCILED},
            "unreadable_files": len(report["unreadable_files"])}


RECONCILED = ("raw_rows", "clean_rows", "quarantined_rows", "superseded_rows", "skipped_lines")
QUARANTINE_COLUMNS = ["source_file", "source_row", "school_id", "reasons", "id_masked"]


def write_clean(files: catalog.Files, result: CleanResult, files_table: pd.DataFrame,
                report: dict, run_id: str, feedback: Callable[[], object] = lambda: None) -> None:
    """Stage 01's files: the stage files (Arrow writes them outside Python's lock, on a
    second thread; the enrollment table is filtered there too) while the published tables
    and the schools' feedback workbooks (``feedback``; Arrow and zlib build them, mostly
    outside the lock too) are written."""
    report = {**report, "unmapped_majors": result.unmapped_majors.to_dict("records"),
              "gender_mismatch_rows": result.gender_mismatch_rows}

    def stage_files() -> None:
        for key, frame in (("enrollment", result.enrollment), ("records", result.records),
                           ("quarantine_rows", result.quarantine),
                           ("files", files_table[["source_file", "skipped_lines"]]),
                           ("reconciliation_table", result.reconciliation)):
            files.write(key, frame)

    def published() -> None:
        files.write("run", {"run_id": run_id})
        files.write("reconciliation", result.reconciliation)
        files.write("quarantine", result.quarantine[QUARANTINE_COLUMNS])
        files.write("ingest_report", report)
        feedback()

    side_by_side(stage_files, published)


def write_school_feedback(ctx: StageContext, cfg: PipelineConfig,
                          quarantine: pd.DataFrame) -> list[Path]:
    """Each school's workbook of its quarantined rows, in the edition's language."""
    from pipeline.render import Labels, feedback_texts, write_feedback

    texts = feedback_texts(Labels(ctx.lang, window=(cfg.window_start, cfg.window_end)))
    return write_feedback(ctx.out_dir, quarantine, texts)


# ---------------------------------------------------------------- stage 02

def validation_params(cfg: PipelineConfig, period: str):
    """The configuration values the expectation suites are filled with."""
    from pipeline.config import GENDERS, STATUSES
    from pipeline.validate import ValidationParams

    return ValidationParams(
        target=cfg.target, school_types=tuple(cfg.levels_by_school_type),
        industries=cfg.industries, levels_by_school_type=dict(cfg.levels_by_school_type),
        levels=cfg.levels, statuses=STATUSES, study_modes=STUDY_MODES, class_types=CLASS_TYPES,
        target_groups=cfg.target_groups, genders=GENDERS, window_start=cfg.window_start,
        window_end=cfg.window_end, intake_cutoff=cfg.intake_cutoff, as_of=as_of(period),
        age_min=cfg.age_min, age_max=cfg.age_max,
        raw_clean_share_mostly=cfg.raw_clean_share_mostly, intakes=cfg.intake_labels,
    )


def validate_stage(ctx: StageContext, data_docs: bool = True) -> dict:
    """Stage 02: the Great Expectations suites; a critical failure stops publication."""
    from pipeline.validate import gate, validate_all

    cfg = load_settings(ctx.config_dir).pipeline
    schools, majors = load_reference(ctx, cfg)
    files = files_of(ctx)
    summary = validate_all(
        schools, majors, files.read("records", columns=["file_school_id", "state"]),
        files.read("enrollment"), validation_params(cfg, ctx.period),
        resources.expectations_dir(),
        data_docs_dir=files.path("data_docs") if data_docs else None,
    )
    files.write("validation", summary)
    gate(summary)
    return summary


# ---------------------------------------------------------------- stage 03

def counting(cfg: PipelineConfig, period: str):
    """Stage 03's values from the configuration."""
    from pipeline.fulfilment import Counting

    deadline = cfg.window_end.strftime("%Y-%m")
    return Counting(
        period=period, as_of=as_of(period), basis=cfg.counting_basis,
        registered_statuses=cfg.registered_statuses, target=cfg.target,
        trajectory=(cfg.trajectory_start, cfg.trajectory_end),
        month_ends=tuple((m, as_of(m)) for m in months(cfg.first_period, period)),
        months_left=month_index(deadline) - month_index(period),
        deadline=cfg.window_end, projection_months=cfg.projection_months,
        intake_cutoff=cfg.intake_cutoff, autumn_label=cfg.autumn_label,
        social_groups=cfg.social_groups, orders=category_orders(cfg),
    )


def category_orders(cfg: PipelineConfig) -> dict[str, tuple[str, ...]]:
    """The configured order of each breakdown's categories."""
    return {
        "school_type": tuple(cfg.levels_by_school_type), "district": cfg.districts,
        "intake": cfg.intake_labels,
        "target_group": cfg.target_groups, "group_kind": ("社会人员", "应往届毕业生"),
        "disabled": YES_NO, "industry": cfg.industries, "level": cfg.levels,
        "study_mode": STUDY_MODES, "class_type": CLASS_TYPES,
    }


def fulfilment_stage(ctx: StageContext) -> dict:
    """Stage 03: counts, breakdowns, the monthly series, revisions, reward inputs."""
    from pipeline import archive
    from pipeline import fulfilment as ful
    from pipeline import revisions as rev

    cfg = load_settings(ctx.config_dir).pipeline
    schools, _ = load_reference(ctx, cfg)
    files = files_of(ctx)
    records = files.read("records", columns=sorted({*rev.COLUMNS, "file_school_id"}))
    c = counting(cfg, ctx.period)
    published = archive.first_published(archive_of(ctx), [m for m, _ in c.month_ends])
    got = ful.period_figures(
        files.read("enrollment", columns=list(ful.ENROLLMENT_COLUMNS)), records,
        files.read("reconciliation_table"), schools, c,
        # This very publication, run again on the same inputs, is not an earlier one.
        {m: e["counted"] for m, e in published.items() if e["run_id"] != ctx.run_id})
    summary = {**got.summary, "window_start": cfg.window_start.isoformat(),
               "window_end": cfg.window_end.isoformat(),
               "synthetic": io.is_synthetic(ctx.reference_dir)}
    public_breakdowns = protect_long_table(got.breakdowns, cfg.disclosure_dimensions,
                                           cfg.disclosure_threshold)
    for key, value in (("summary", summary), ("fulfilment_by_school", got.per_school),
                       ("breakdowns", public_breakdowns), ("breakdowns_raw", got.breakdowns),
                       ("series", got.series),
                       ("revisions", got.revisions),
                       ("revisions_by_school", got.revisions_by_school), ("groups", got.groups),
                       ("disabled_by_school", got.disabled_by_school),
                       ("reward_inputs", got.reward_inputs), ("evidence_rows", got.evidence)):
        files.write(key, value)
    return summary


# ---------------------------------------------------------------- stage 04

def rewards_stage(ctx: StageContext) -> dict:
    """Stage 04: gates, components, score, rank, allocation; sensitivity by family, distance
    in persons, pending corrections, concentration (:func:`pipeline.decisions.decision_detail`);
    the evidence workbooks; and, in ``rewards_meta.json``, what the decision documents need:
    reproducibility, the 公示 and 复核 dates, each school's files and pending rows."""
    from pipeline import decisions as dec
    from pipeline import rewards as rw
    from pipeline.manifest import inputs as run_inputs
    from pipeline.provenance import reproducibility
    from pipeline.render import Labels, reward_reasons

    settings = load_settings(ctx.config_dir)
    policy, files = settings.policy, files_of(ctx)
    inputs = files.read("reward_inputs")
    detail, families = dec.decision_detail(inputs, policy)
    detail["reason"] = reward_reasons(detail, Labels(ctx.lang))
    records = files.read("records", columns=["file_school_id", "state", "source_file", "sheet",
                                             "source_row", "id_masked", "reasons"])
    evidence = files.read("evidence_rows")
    write_evidence(files.path("evidence", "x").parent, evidence, records,
                   inputs["school_id"].tolist())
    files.write("rewards", rw.rewards_table(detail))
    files.write("rewards_detail", detail)
    files.write("sensitivity_families", families)
    found = run_inputs(ctx.raw_dir, ctx.reference_dir, ctx.config_dir, ctx.period)
    summary = {**rw.allocation_summary(detail, policy), "reproducibility": reproducibility(
        ctx.run_id, ctx.config_dir / "rewards.yaml", found,
        files.path("rewards").parent)}  # public/, rewards.csv written
    files.write("rewards_meta", {
        **summary, "policy": policy.to_dict(), "synthetic": io.is_synthetic(ctx.reference_dir),
        "notice": dec.notice(settings.publication, ctx.period),
        "families": families.to_dict("records"),
        "files_by_school": dec.school_files(records, evidence, {
            f["file"].removeprefix("raw/"): f["sha256"] for f in found}),
        "pending_by_school": dec.pending_rows(records),
    })
    return summary


# ---------------------------------------------------------------- stage 05

def render_data(files: catalog.Files, names_en: Mapping[str, str] | None = None,
                masthead=None):
    """What the renderer shows (:class:`pipeline.render.StageData`), read from the catalogue;
    ``names_en`` (English school names by id) and ``masthead`` (the issue's office details,
    :class:`pipeline.render.Masthead`) come from the reference and the configuration."""
    from pipeline.render import StageData, read_stage_csv

    def csv(key: str) -> pd.DataFrame:
        return read_stage_csv(files.path(key))

    def optional(key: str, read: Callable[[str], object]):
        return read(key) if files.path(key).is_file() else None

    schools = csv("fulfilment_by_school").sort_values("school_id", kind="stable")
    return StageData(
        summary=files.read("summary"), schools=schools.reset_index(drop=True),
        breakdowns=files.read("breakdowns_raw"), series=csv("series"),
        revisions=csv("revisions"), rewards=csv("rewards_detail"),
        rewards_meta=files.read("rewards_meta"), validation=files.read("validation"),
        quarantine=csv("quarantine"), reconciliation=csv("reconciliation"),
        ingest=files.read("ingest_report"),
        disabled_by_school=files.read("disabled_by_school"),
        groups=optional("groups", files.read),
        revisions_by_school=optional("revisions_by_school", csv),
        rewards_list=optional("rewards", csv),
        names_en=dict(names_en or {}), masthead=masthead,
    )


def bulletin_stage(ctx: StageContext) -> dict:
    """Stage 05: the bulletin, the evaluator report, the Excel annex, the decision letters."""
    from pipeline.render import Masthead, letters_beside, render_all

    settings = load_settings(ctx.config_dir)
    cfg = settings.pipeline
    schools, _ = load_reference(ctx, cfg)
    names_en = {sid: name for sid, name in zip(schools["school_id"], schools["school_name_en"],
                                               strict=True) if name}
    masthead = Masthead.of(settings.publication, cfg.first_period, ctx.period)
    files = files_of(ctx)
    data = render_data(files, names_en, masthead)
    with letters_beside(data, files.reports, lang=ctx.lang):
        return render_all(
            data, files.reports, lang=ctx.lang,
            sensitive_dimensions=cfg.disclosure_dimensions, threshold=cfg.disclosure_threshold,
            created=as_of(ctx.period).isoformat(),
        )


# ---------------------------------------------------------------- shown by the notebooks

def reconciliation_check(recon: pd.DataFrame) -> pd.DataFrame:
    """Totals of the reconciliation, with a check that every file adds up."""
    totals = recon[list(RECONCILED)].sum()
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
        cfg = load_settings(resources.default_config_dir()).pipeline
        texts = Labels("zh-CN", window=(cfg.window_start, cfg.window_end)).reason_texts()
    counts = reason_counts(quarantine["reasons"])
    return counts.assign(explanation=counts["reason"].map(texts))


def published_files(out_dir: Path) -> pd.DataFrame:
    """The files of a period's output folder with their sizes. Data docs and the executed
    notebooks are left out: the notebook of the stage showing this table is still being
    written, with papermill's timings in it, so its size would vary from run to run."""
    left_out = {catalog.entry("data_docs").name, catalog.entry("notebooks").name}
    rows = [
        {"file": str(p.relative_to(out_dir)), "kib": round(p.stat().st_size / 1024, 1)}
        for p in sorted(Path(out_dir).rglob("*"))
        if p.is_file() and not left_out & set(p.relative_to(out_dir).parts)
    ]
    return pd.DataFrame(rows, columns=["file", "kib"])

