"""The raw folder: one folder per month (``YYYY-MM``), and every entry of a month folder
either read or listed with the reason it was not (DESIGN §3; nothing ignored in silence).

Subfolders of a month (``2020-04/补报/``) are read as part of the month, their path kept in
the provenance; files are taken in the order of their path within the month. Hidden files,
office lock files (``~$…``), READMEs and documents that are not rosters (``说明.docx``,
``Thumbs.db``) are listed, not read. A folder whose name looks like a month but is not
``YYYY-MM`` (``2020年4月``, ``2020-4``) is refused with a line that names it.
"""

from __future__ import annotations

import re
from pathlib import Path

from pipeline.errors import InputError

MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
_MONTHISH = re.compile(r"(?:19|20)\d{2}\s*[-_./年]?\s*(\d{1,2})\s*月?")
ROSTER_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".xls", ".ods", ".xml", ".htm",
                   ".html", ".et")
READMES = ("readme.md", "readme.txt", "readme")


def periods_in(raw_dir: Path) -> list[str]:
    """Monthly folders (YYYY-MM) under the raw folder, sorted; InputError naming a folder
    that looks like a month but is not written YYYY-MM."""
    raw_dir = Path(raw_dir)
    if not raw_dir.is_dir():
        raise InputError(key="raw_folder_missing", folder=str(raw_dir))
    folders = [p.name for p in raw_dir.iterdir() if p.is_dir()]
    for name in sorted(folders):
        m = _MONTHISH.fullmatch(name.strip())
        if m and not MONTH.fullmatch(name) and 1 <= int(m.group(1)) <= 12:
            raise InputError(key="bad_month_folder", folder=str(raw_dir / name),
                             suggestion=f"{name.strip()[:4]}-{int(m.group(1)):02d}")
    return sorted(n for n in folders if MONTH.fullmatch(n))


def _reason(rel: Path) -> str | None:
    """Why an entry of a month folder is not read (None: it is read as a roster)."""
    if any(part.startswith(".") for part in rel.parts):
        return "hidden"
    if rel.name.startswith("~$"):
        return "office_lock"
    if rel.name.lower() in READMES:
        return "readme"
    if rel.suffix.lower() not in ROSTER_SUFFIXES:
        return "not_a_roster"
    return None


def month_entries(raw_dir: Path, month: str) -> tuple[list[tuple[str, Path]], list[dict]]:
    """(the files read: source file ``<month>/<path>`` and path; the entries listed instead,
    with their reason) of one month folder, in path order."""
    folder = Path(raw_dir) / month
    read, listed = [], []
    for p in sorted(folder.rglob("*"), key=lambda q: q.relative_to(folder).as_posix()):
        rel = p.relative_to(folder)
        if p.is_dir():
            if any(part.startswith(".") for part in rel.parts) and rel.name.startswith("."):
                listed.append({"entry": f"{month}/{rel.as_posix()}/", "reason": "hidden"})
            continue
        reason = _reason(rel)
        if reason is None:
            read.append((f"{month}/{rel.as_posix()}", p))
        elif not any(part.startswith(".") for part in rel.parts[:-1]):
            listed.append({"entry": f"{month}/{rel.as_posix()}", "reason": reason})
    return read, listed


def raw_files(raw_dir: Path, period: str) -> list[tuple[str, Path]]:
    """(source_file, path) of every submission in the folders up to the period, in order."""
    return [f for month in periods_in(raw_dir) if month <= period
            for f in month_entries(raw_dir, month)[0]]


def listed_entries(raw_dir: Path, period: str) -> list[dict]:
    """Every entry of the folders up to the period that is not read, with its reason."""
    return [e for month in periods_in(raw_dir) if month <= period
            for e in month_entries(raw_dir, month)[1]]
