"""The catalogue: every file the pipeline reads or writes, named once.

Each entry says what a file is called, where it lives (``processed``: the hand-off between
stages, never published; ``reports``: what a run publishes), who may read it (its audience)
and which stage writes it. Stages, the manifest, the renderer and the tests take file names
from here; nothing else spells them.

A :class:`Files` object binds the catalogue to one period's folders and reads and writes
entries by key, choosing the reader and writer from the file's kind.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROCESSED = "processed"
REPORTS = "reports"
PUBLIC = "public"
INTERNAL = "internal"
SCHOOL = "school"
TOP = "top"
AUDIENCES = (PUBLIC, INTERNAL, SCHOOL, TOP)
# The folder of each audience inside a period's reports folder (DESIGN §6): what the office may
# post, what stays with the office and the evaluators, what goes to one school.
AUDIENCE_FOLDERS = {PUBLIC: "public", INTERNAL: "internal", SCHOOL: "schools/{school_id}",
                    TOP: ""}


@dataclass(frozen=True)
class Entry:
    """One file (or folder) of the pipeline.

    ``name`` may hold ``{school_id}`` for one file per school. ``audience`` is None for
    processed files, which no person reads.
    """

    key: str
    name: str
    layer: str
    stage: str
    audience: str | None = None
    description: str = ""

    @property
    def kind(self) -> str:
        """The file's format, from its name (``dir`` for a folder)."""
        suffix = Path(self.name).suffix
        return suffix[1:] if suffix else "dir"

    @property
    def per_school(self) -> bool:
        """Whether there is one file per school."""
        return "{school_id}" in self.name or self.audience == SCHOOL


def _p(key: str, name: str, stage: str, description: str) -> Entry:
    return Entry(key, name, PROCESSED, stage, None, description)


def _r(key: str, name: str, stage: str, audience: str, description: str) -> Entry:
    return Entry(key, name, REPORTS, stage, audience, description)


ENTRIES = (
    # ---- processed: stage to stage, no names, no full ID numbers
    _p("run", "run.json", "01_clean", "the ID of the run that wrote this folder"),
    _p("enrollment", "enrollment.parquet", "01_clean",
       "the clean records, keyed by a salted hash of the ID number"),
    _p("records", "records.parquet", "01_clean",
       "every raw record's fate, with the integer keys the monthly vintages need"),
    _p("quarantine_rows", "quarantine.parquet", "01_clean",
       "the quarantined records with their submitted values (no name, no ID number)"),
    _p("files", "files.parquet", "01_clean", "every raw file read, with its skipped lines"),
    _p("reading_note", "reading.txt", "01_clean",
       "the raw files as they are read (names the file a dead kernel was reading)"),
    _p("reconciliation_table", "reconciliation.parquet", "01_clean",
       "per source file: raw = clean + quarantined + superseded"),
    _p("breakdowns_raw", "breakdowns.parquet", "03_fulfilment",
       "the breakdowns before disclosure control (for the renderer)"),
    _p("groups", "groups.parquet", "03_fulfilment",
       "fulfilment per school type and per district"),
    _p("disabled_by_school", "disabled_by_school.parquet", "03_fulfilment",
       "disabled people counted per school, before disclosure control"),
    _p("reward_inputs", "reward_inputs.parquet", "03_fulfilment", "DESIGN §5 inputs per school"),
    _p("evidence_rows", "evidence.parquet", "03_fulfilment",
       "the admitted clean records and the counts each enters (masked IDs)"),
    _p("rewards_meta", "rewards_meta.json", "04_rewards",
       "the reward policy, the pool and how much of it was allocated; for the decision "
       "documents: reproducibility (run ID, hashes, version, commit), the 公示 and 复核 dates, "
       "the sensitivity families, each school's files and pending rows"),
    # ---- reports: what a run publishes
    _r("summary", "summary.json", "03_fulfilment", PUBLIC, "the period's key figures"),
    _r("fulfilment_by_school", "fulfilment_by_school.csv", "03_fulfilment", PUBLIC,
       "quota fulfilment per school"),
    _r("breakdowns", "breakdowns.csv", "03_fulfilment", PUBLIC,
       "admitted, registered and counted by each dimension, small sensitive cells hidden"),
    _r("series", "series.csv", "03_fulfilment", PUBLIC, "the monthly series against the target"),
    _r("revisions", "revisions.csv", "03_fulfilment", PUBLIC,
       "each month as first published against the figure known now"),
    _r("revisions_by_school", "revisions_by_school.csv", "03_fulfilment", PUBLIC,
       "each month's revision by school and cause"),
    _r("rewards", "rewards.csv", "04_rewards", PUBLIC, "the reward list (公示)"),
    _r("bulletin_html", "bulletin.html", "05_bulletin", PUBLIC, "the monthly bulletin"),
    _r("bulletin_pdf", "bulletin.pdf", "05_bulletin", PUBLIC, "the monthly bulletin"),
    _r("tables", "tables.xlsx", "05_bulletin", PUBLIC, "the bulletin's tables"),
    _r("rewards_detail", "rewards_detail.csv", "04_rewards", INTERNAL,
       "every number behind each reward decision"),
    _r("sensitivity_families", "sensitivity_families.csv", "04_rewards", INTERNAL,
       "each school's range of rank and amount in each sensitivity family"),
    _r("rewards_html", "rewards.html", "05_bulletin", INTERNAL, "the evaluator report"),
    _r("rewards_pdf", "rewards.pdf", "05_bulletin", INTERNAL, "the evaluator report"),
    _r("reconciliation", "reconciliation.csv", "01_clean", INTERNAL,
       "per source file: raw = clean + quarantined + superseded"),
    _r("quarantine", "quarantine.csv", "01_clean", INTERNAL,
       "every quarantined row with its reasons and masked ID"),
    _r("ingest_report", "ingest_report.json", "01_clean", INTERNAL,
       "what was read from each file"),
    _r("validation", "validation.json", "02_validate", INTERNAL, "the data-quality checks"),
    _r("data_docs", "data_docs", "02_validate", INTERNAL, "Great Expectations Data Docs"),
    _r("evidence", "evidence/{school_id}.xlsx", "04_rewards", INTERNAL,
       "the records behind each count of a school's reward decision"),
    _r("feedback", "feedback.xlsx", "01_clean", SCHOOL,
       "a school's quarantined rows and why"),
    _r("decision_html", "decision.html", "05_bulletin", SCHOOL,
       "a school's decision letter (告知书)"),
    _r("decision_pdf", "decision.pdf", "05_bulletin", SCHOOL,
       "a school's decision letter (告知书)"),
    _r("manifest", "manifest.json", "run", TOP,
       "inputs, outputs and policy with SHA-256, parameters, versions, timings"),
    _r("notebooks", "notebooks", "run", TOP, "the executed stage notebooks"),
)
CATALOG: dict[str, Entry] = {e.key: e for e in ENTRIES}


def entry(key: str) -> Entry:
    """The catalogue entry of ``key`` (KeyError naming it when there is none)."""
    try:
        return CATALOG[key]
    except KeyError:
        raise KeyError(f"no catalogue entry {key!r}") from None


def written_by(stage: str, layer: str | None = None) -> tuple[Entry, ...]:
    """The entries a stage writes (of one layer, when given)."""
    return tuple(e for e in ENTRIES if e.stage == stage and layer in (None, e.layer))


def relative_path(key: str, school_id: str | None = None) -> Path:
    """An entry's path inside its layer's period folder (``school_id`` for one school's)."""
    e = entry(key)
    name = e.name.format(school_id=school_id) if e.per_school else e.name
    if e.layer == PROCESSED:
        return Path(name)
    folder = AUDIENCE_FOLDERS[e.audience or TOP].format(school_id=school_id)
    return Path(folder) / name


def audience_folder(audience: str) -> str:
    """The folder of an audience inside a period's reports folder (``schools`` for the
    folders of single schools)."""
    return AUDIENCE_FOLDERS[audience].split("/")[0]


@dataclass(frozen=True)
class Files:
    """The catalogue bound to one period: ``processed`` and ``reports`` are that period's
    folders (``data/processed/<period>``, ``reports/<period>`` or their staging copies)."""

    processed: Path
    reports: Path

    def path(self, key: str, school_id: str | None = None) -> Path:
        """Where the entry ``key`` lives for this period."""
        base = self.processed if entry(key).layer == PROCESSED else self.reports
        return base / relative_path(key, school_id)

    def read(self, key: str, columns: list[str] | None = None) -> Any:
        """Read an entry by its kind (parquet: only ``columns`` when given)."""
        from pipeline import io

        path, kind = self.path(key), entry(key).kind
        if kind == "parquet":
            return io.read_parquet(path, columns=columns)
        if kind == "json":
            return io.read_json(path)
        if kind == "csv":
            return io.read_csv(path)
        raise ValueError(f"{key}: a {kind} file is not read through the catalogue")

    def write(self, key: str, value: Any) -> Path:
        """Write a frame (parquet, csv) or a plain value (json) to the entry ``key``."""
        from pipeline import io

        path, kind = self.path(key), entry(key).kind
        writers = {"parquet": io.write_parquet, "csv": io.write_csv, "json": io.write_json}
        if kind not in writers:
            raise ValueError(f"{key}: a {kind} file is not written through the catalogue")
        writers[kind](path, value)
        return path
