"""What stage 05 renders from, and the one function that reads it from a period's folder.

The renderer itself never reads a file: :func:`pipeline.render.render_all` takes a
:class:`StageData` (frames and dicts already loaded). :func:`load_stage_files` builds one from
the files stages 01–04 wrote into one period's output folder; file names come from the
catalogue (:mod:`pipeline.catalog`), so this is the one place to re-point when the stage
files move.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
#: Optional files of a period folder, by the StageData field they fill (CSV copies of
#: processed tables in a hand-made folder such as the tests' fixture period).
OPTIONAL = {"groups": "groups.csv", "revisions_by_school": "revisions_by_school.csv",
            "rewards_list": "rewards.csv"}
#: A copy of the quota table in a hand-made period folder: its ``school_name_en`` column
#: gives the English school names.
SCHOOLS_CSV = "schools.csv"

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
        "first_published_source",
    }
)


@dataclass(frozen=True)
class Masthead:
    """The office details of one issue: ``config/publication.yaml`` resolved for a period
    (issue number, release date). Texts with an ``_en`` twin are given in both languages;
    the others (the 编制/审核/签发 units, the policy's title) are translated, where the
    English catalogue knows them, as data values."""

    issuing_unit: str
    issuing_unit_en: str
    series: str
    series_en: str
    issue: int
    released: str  # ISO date
    compiled_by: str
    reviewed_by: str
    approved_by: str
    policy_citation: str
    policy_title: str
    source_note: str
    source_note_en: str

    @classmethod
    def of(cls, publication: Any, first_period: str, period: str) -> Masthead:
        """The masthead of ``period`` from a :class:`pipeline.publication.Publication`."""
        names = ("issuing_unit", "issuing_unit_en", "series", "series_en", "compiled_by",
                 "reviewed_by", "approved_by", "policy_citation", "policy_title",
                 "source_note", "source_note_en")
        released: dt.date = publication.released(period)
        return cls(issue=publication.issue(first_period, period),
                   released=released.isoformat(),
                   **{n: getattr(publication, n) for n in names})


def shipped_masthead(period: str) -> Masthead:
    """The masthead of ``period`` under the shipped configuration (``config/``)."""
    from pipeline import resources
    from pipeline.settings import load_settings

    settings = load_settings(resources.default_config_dir())
    return Masthead.of(settings.publication, settings.pipeline.first_period, period)


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
    Optional: ``groups`` (fulfilment per school type and district in the configured order;
    without it the renderer sums the per-school table), ``revisions_by_school``,
    ``rewards_list`` (rewards.csv, the public reward list; without it the annex takes the
    list from ``rewards``), ``names_en`` (English school names by id, from the quota
    table's ``school_name_en``; a school without one keeps its Chinese name) and
    ``masthead`` (the issue's office details; without it the bulletin has none).
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
    groups: pd.DataFrame | None = None
    revisions_by_school: pd.DataFrame | None = None
    rewards_list: pd.DataFrame | None = None
    names_en: Mapping[str, str] = field(default_factory=dict)
    masthead: Masthead | None = None


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


def load_stage_files(folder: Path, masthead: Masthead | None = None) -> StageData:
    """Read the stage files of one flat period folder; InputError naming any that is missing
    or broken. The optional files (:data:`OPTIONAL`, ``disabled_by_school.csv``) are read
    when they are there; ``masthead`` defaults to the shipped configuration's."""
    folder = Path(folder)
    paths = {name: folder / entry(key).name for name, key in REQUIRED.items()}
    missing = [p.name for p in paths.values() if not p.is_file()]
    if missing:
        raise InputError(f"{folder}: missing stage files {', '.join(missing)}")
    loaded = {name: _read(path) for name, path in paths.items()}
    optional = {name: folder / file for name, file in
                {**OPTIONAL, "disabled_by_school": DISABLED_BY_SCHOOL_CSV}.items()}
    schools = loaded.pop("schools").sort_values("school_id", kind="stable")
    period = str(loaded["summary"].get("period", ""))
    return StageData(
        schools=schools.reset_index(drop=True),
        **{name: _read(path) if path.is_file() else None for name, path in optional.items()},
        names_en=_names_en(folder / SCHOOLS_CSV),
        masthead=masthead or shipped_masthead(period),
        **loaded,
    )


def _names_en(path: Path) -> dict[str, str]:
    """English school names by id from a copy of the quota table (none without one)."""
    if not path.is_file():
        return {}
    table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    if "school_name_en" not in table:
        return {}
    return {sid: name.strip() for sid, name in zip(table["school_id"], table["school_name_en"],
                                                   strict=True) if name.strip()}
