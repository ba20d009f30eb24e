"""What stage 05 renders from, and the one function that reads it from a period's folder.

The renderer itself never reads a file: :func:`pipeline.render.render_all` takes a
:class:`StageData` (frames and dicts already loaded). :func:`load_stage_files` builds one from
the files stages 01–04 wrote into one period's output folder; file names come from the
catalogue (:mod:`pipeline.catalog`), so this is the one place to re-point when the stage
files move.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline.catalog import entry
from pipeline.errors import InputError

#: Catalogue keys of the files stage 05 needs, by the StageData field they fill.
REQUIRED = {
    "summary": "summary",
    "schools": "fulfilment_by_school",
    "breakdowns": "breakdowns",
    "series": "series",
    "revisions": "revisions",
    "rewards": "rewards_detail",
    "rewards_meta": "rewards_meta",
    "validation": "validation",
    "quarantine": "quarantine",
    "reconciliation": "reconciliation",
    "ingest": "ingest_report",
}
#: Stage 03 writes the disabled people per school as CSV into the period's reports folder
#: today; the catalogue's ``disabled_by_school`` entry is the processed parquet it moves to.
DISABLED_BY_SCHOOL_CSV = "disabled_by_school.csv"

#: Columns read as text (never numbers, empty stays ``""``).
TEXT_COLUMNS = frozenset(
    {
        "school_id",
        "school_name",
        "school_type",
        "district",
        "dimension",
        "category",
        "month",
        "as_of",
        "source_file",
        "reasons",
        "id_masked",
        "failed_gates",
        "reason",
    }
)


@dataclass(frozen=True)
class StageData:
    """Everything stage 05 renders, loaded.

    ``summary`` (summary.json), ``schools`` (fulfilment_by_school, sorted by school_id),
    ``breakdowns``, ``series``, ``revisions``, ``rewards`` (rewards_detail: every input,
    measure, gate, component, allocation step and sensitivity range per school),
    ``rewards_meta`` (pool, allocation and the policy under ``policy``), ``validation``
    (validation.json), ``quarantine`` (quarantine.csv: ``school_id`` and ``reasons`` are
    used), ``reconciliation``, ``ingest`` (ingest_report.json) and, when stage 03 wrote it,
    ``disabled_by_school`` (school_id, school_name, disabled_counted, total_counted).
    Boolean columns hold booleans, counts numbers, text columns text.
    """

    summary: dict
    schools: pd.DataFrame
    breakdowns: pd.DataFrame
    series: pd.DataFrame
    revisions: pd.DataFrame
    rewards: pd.DataFrame
    rewards_meta: dict
    validation: dict
    quarantine: pd.DataFrame
    reconciliation: pd.DataFrame
    ingest: dict
    disabled_by_school: pd.DataFrame | None = None


def read_stage_csv(path: Path) -> pd.DataFrame:
    """A stage CSV with text columns kept as text (empty, not NaN) and the rest inferred:
    ``True``/``False`` columns as booleans, anything else as numbers."""
    head = pd.read_csv(path, nrows=0, encoding="utf-8-sig")
    text = {c: str for c in head.columns if c in TEXT_COLUMNS}
    df = pd.read_csv(path, dtype=text, keep_default_na=False, na_values={}, encoding="utf-8-sig")
    for col in df.columns:
        if col in text:
            continue
        if df[col].dtype == object or str(df[col].dtype) == "str":
            low = df[col].astype(str).str.lower()
            if low.isin({"true", "false"}).all() and len(df):
                df[col] = low.eq("true")
            else:
                df[col] = pd.to_numeric(df[col], errors="coerce")
    return df


def _read(path: Path) -> pd.DataFrame | dict:
    """One stage file by its suffix; InputError naming it when it cannot be read."""
    try:
        if path.suffix == ".json":
            return json.loads(path.read_text(encoding="utf-8-sig"))
        return read_stage_csv(path)
    except (OSError, ValueError) as exc:
        kind = "readable JSON" if path.suffix == ".json" else "a readable CSV"
        raise InputError(f"{path}: not {kind} ({exc})") from exc


def load_stage_files(folder: Path) -> StageData:
    """Read the stage files of one period's output folder; InputError naming any that is
    missing or broken."""
    folder = Path(folder)
    paths = {field: folder / entry(key).name for field, key in REQUIRED.items()}
    missing = [p.name for p in paths.values() if not p.is_file()]
    if missing:
        raise InputError(f"{folder}: missing stage files {', '.join(missing)}")
    loaded = {field: _read(path) for field, path in paths.items()}
    disabled = folder / DISABLED_BY_SCHOOL_CSV
    schools = loaded.pop("schools").sort_values("school_id", kind="stable")
    return StageData(
        schools=schools.reset_index(drop=True),
        disabled_by_school=_read(disabled) if disabled.is_file() else None,
        **loaded,
    )
