"""Reading every raw file of a period: one file by its type, all files two at a time."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd

from pipeline.errors import InputError
from pipeline.ingest.csvfile import read_csv_file
from pipeline.ingest.folders import raw_files
from pipeline.ingest.headers import HeaderMap
from pipeline.ingest.table import FileRead, repeated_text
from pipeline.ingest.workbook import read_workbook

log = logging.getLogger(__name__)
SUPPORTED = (".csv", ".xlsx", ".xlsm", ".xls")
READ_THREADS = 2  # raw files read at once (the machines have 2 cores)


def read_file(
    path: Path, source_file: str, hmap: HeaderMap, known_schools: frozenset[str],
    notes: bool = True,
) -> FileRead:
    """Read one raw file by its type; InputError with one line when it is unusable.

    With ``notes`` (the default) what was noticed is logged at once (:func:`log_notes`);
    a caller reading files in parallel logs them itself, in file order.
    """
    suffix = path.suffix.lower()
    if suffix == ".csv":
        result = read_csv_file(path, source_file, hmap, known_schools)
    elif suffix in (".xlsx", ".xlsm", ".xls"):
        result = read_workbook(path, source_file, hmap, known_schools)
    else:
        raise InputError(f"{source_file}: unsupported file type {suffix or '(none)'}")
    if notes:
        log_notes(result)
    return result


def log_notes(result: FileRead) -> None:
    """Log what reading a file noticed: sheets and columns skipped, headers that look like
    known ones."""
    source_file = result.source_file
    if result.skipped_sheets:
        log.info("%s: sheets without the header row skipped: %s", source_file,
                 ", ".join(result.skipped_sheets))
    if result.ignored_columns:
        log.info("%s: columns not in the header map ignored: %s", source_file,
                 ", ".join(result.ignored_columns))
    for header, near in result.suggestions.items():
        log.warning("%s: unknown header %r looks like %r; add it to header_map in "
                    "config/pipeline.yaml if it is that field", source_file, header, near)


def ingest_all(raw_dir: Path, period: str, hmap: HeaderMap, known: frozenset[str],
               skip_unreadable: bool = False) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Read every raw file in the folders up to the period.

    Returns the raw records (text fields, ``source_file``, ``folder``, ``sheet``,
    ``source_row``), the files table (``source_file``, ``raw_rows``, ``skipped_lines``, and
    ``problem`` for a file left out with ``skip_unreadable``) and the ingest report.
    """
    files = raw_files(raw_dir, period)
    if not files:
        raise InputError(f"{raw_dir}: no raw submissions in folders up to {period}")
    if not (raw_dir / period).is_dir():
        raise InputError(f"{raw_dir / period}: no folder for period {period}")
    reads = _read_in_order(files, hmap, known, skip_unreadable)
    read = [got for got in reads if isinstance(got, FileRead)]
    if not read:
        raise InputError(f"{raw_dir}: none of the raw files up to {period} is readable")
    raw = pd.concat([got.records for got in read], ignore_index=True)
    counts = [len(got.records) for got in read]
    raw["source_file"] = repeated_text([got.source_file for got in read], counts)
    raw["folder"] = repeated_text([got.source_file.split("/")[0] for got in read], counts)
    rows = [_file_row(got) for got in reads]
    unreadable = [{"source_file": r["source_file"], "problem": r["problem"]}
                  for r in rows if "problem" in r]
    report = {
        "files": [r for r in rows if "problem" not in r],
        "unreadable_files": unreadable,
        "skipped_sheets": [{"source_file": got.source_file, "sheet": s}
                           for got in read for s in got.skipped_sheets],
        "skipped_lines": int(sum(got.skipped_lines for got in read)),
    }
    return raw, pd.DataFrame(rows), report


def _read_in_order(files: list[tuple[str, Path]], hmap: HeaderMap, known: frozenset[str],
                   skip_unreadable: bool) -> list[FileRead | InputError]:
    """Every file read, two at a time (Arrow's parser and calamine work outside Python's
    lock, so one file's parsing overlaps another's Python work), results in file order; an
    unreadable file stops the run unless ``skip_unreadable``, then its error stands in."""
    out: list[FileRead | InputError] = []
    pool = ThreadPoolExecutor(max_workers=READ_THREADS)
    try:
        futures = [pool.submit(read_file, path, source_file, hmap, known, notes=False)
                   for source_file, path in files]
        for (source_file, _), future in zip(files, futures, strict=True):
            try:
                got = future.result()
            except InputError as exc:
                if not skip_unreadable:
                    raise
                log.warning("skipped unreadable file %s", exc)
                exc.source_file = source_file
                out.append(exc)
                continue
            log_notes(got)  # in file order, whichever thread finished first
            out.append(got)
    finally:
        pool.shutdown(cancel_futures=True)
    return out


def _file_row(got: FileRead | InputError) -> dict:
    """One file's line of the files table and the ingest report."""
    if isinstance(got, InputError):
        problem = str(got).split(": ", 1)[-1]
        return {"source_file": got.source_file, "raw_rows": 0, "skipped_lines": 0,
                "problem": problem}
    return {
        "source_file": got.source_file,
        "encoding": got.encoding,
        "sheets": got.sheets,
        "raw_rows": len(got.records),
        "skipped_lines": got.skipped_lines,
        "ignored_columns": got.ignored_columns,
        "header_suggestions": got.suggestions,
    }
