"""What was published, kept: each publication appends its public figures to
``reports/archive/<period>/<sequence>-<run_id>.json`` (never rewritten). "First published"
is read from here: the entry with the lowest sequence for a month.

The same run published twice (identical inputs) adds no second entry.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from pipeline import io

ARCHIVE = "archive"
FIGURES = ("counted", "admitted", "registered", "fulfilment_rate", "raw_rows", "clean_rows",
           "quarantined_rows", "superseded_rows")


def entries(archive: Path, period: str) -> list[dict]:
    """A period's archived publications, first published first."""
    folder = Path(archive) / period
    if not folder.is_dir():
        return []
    found = [json.loads(p.read_text(encoding="utf-8")) for p in folder.glob("*.json")]
    return sorted(found, key=lambda e: e["sequence"])


def first_published(archive: Path, months: list[str]) -> dict[str, dict]:
    """The first archived publication of each month that has one."""
    out = {}
    for month in months:
        found = entries(archive, month)
        if found:
            out[month] = found[0]
    return out


def append(archive: Path, period: str, run_id: str, summary: dict,
           by_school: dict[str, int]) -> Path:
    """Add a publication of ``period`` (its public figures) unless this run's is there."""
    folder = Path(archive) / period
    folder.mkdir(parents=True, exist_ok=True)
    existing = entries(archive, period)
    for entry in existing:
        if entry["run_id"] == run_id:
            return folder / f"{entry['sequence']:03d}-{run_id}.json"
    sequence = 1 + max((e["sequence"] for e in existing), default=0)
    path = folder / f"{sequence:03d}-{run_id}.json"
    tmp = folder / f".{path.name}.{os.getpid()}"
    io.write_json(tmp, {"period": period, "run_id": run_id, "sequence": sequence,
                        **{k: summary.get(k) for k in FIGURES}, "by_school": by_school})
    os.link(tmp, path)  # never overwrites an entry
    tmp.unlink()
    return path
