"""Reading every raw file of a period: one file by what its bytes are (not only its name),
all files two at a time, every entry of the month folders read or listed."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd

from pipeline.errors import InputError
from pipeline.ingest.csvfile import read_csv_file
from pipeline.ingest.folders import listed_entries, raw_files
from pipeline.ingest.grids import sniff
from pipeline.ingest.roster import Reader
from pipeline.ingest.table import FileRead, repeated_text
from pipeline.ingest.workbook import read_workbook

log = logging.getLogger(__name__)
READ_THREADS = 2  # raw files read at once (the machines have 2 cores)
ZIP_SUFFIXES = (".xlsx", ".xlsm", ".ods")


def read_file(path: Path, source_file: str, reader: Reader, notes: bool = True) -> FileRead:
    """Read one raw file by what its bytes are; InputError with one line when it is unusable.

    With ``notes`` (the default) what was noticed is logged at once (:func:`log_notes`);
    a caller reading files in parallel logs them itself, in file order.
    """
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise InputError(key="cannot_read", file=source_file, problem=exc.strerror) from None
    suffix = Path(path).suffix.lower()
    if suffix == ".et":  # WPS's own format: calamine cannot read it
        raise InputError(key="resave_xlsx", file=source_file, what="WPS (.et)")
    kind = sniff(data)
    stem = Path(path).stem
    if kind != "text":
        result = read_workbook(data, kind, source_file, stem, reader)
    elif suffix in ZIP_SUFFIXES:  # a workbook's name but not a workbook's bytes
        raise InputError(key="unreadable_workbook", file=source_file)
    else:  # CSV, tab-separated text, or text saved with an .xls name
        result = read_csv_file(data, source_file, stem, reader)
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


def ingest_all(raw_dir: Path, period: str, reader: Reader, skip_unreadable: bool = False,
               on_file: Callable[[str], None] | None = None
               ) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Read every raw file in the folders up to the period.

    Returns the raw records (text fields, ``source_file``, ``folder``, ``sheet``,
    ``source_row``, ``month_column``), the files table (``source_file``, ``raw_rows``,
    ``skipped_lines``, and ``problem`` for a file left out with ``skip_unreadable``) and the
    ingest report. ``on_file`` is told each file's name before it is read.
    """
    files = raw_files(raw_dir, period)
    if not (Path(raw_dir) / period).is_dir():
        raise InputError(key="no_period_folder", folder=str(Path(raw_dir) / period),
                         period=period)
    if not files:
        raise InputError(key="no_raw_files", folder=str(raw_dir), period=period)
    reads = _read_in_order(files, reader, skip_unreadable, on_file)
    read = [got for got in reads if isinstance(got, FileRead)]
    if not read:
        raise InputError(key="none_readable", folder=str(raw_dir), period=period)
    raw = pd.concat([got.records for got in read], ignore_index=True)
    counts = [len(got.records) for got in read]
    raw["source_file"] = repeated_text([got.source_file for got in read], counts)
    raw["folder"] = repeated_text([got.source_file.split("/")[0] for got in read], counts)
    rows = [_file_row(got) for got in reads]
    report = {
        "files": [r for r in rows if "problem" not in r],
        "unreadable_files": [{"source_file": r["source_file"], "problem": r["problem"]}
                             for r in rows if "problem" in r],
        "skipped_sheets": [{"source_file": got.source_file, "sheet": s}
                           for got in read for s in got.skipped_sheets],
        "skipped_lines": int(sum(got.skipped_lines for got in read)),
        "listed_entries": listed_entries(raw_dir, period),
        "new_files": sum(1 for sf, _ in files if sf.split("/")[0] == period),
    }
    return raw, pd.DataFrame(rows), report


def _read_in_order(files: list[tuple[str, Path]], reader: Reader, skip_unreadable: bool,
                   on_file: Callable[[str], None] | None) -> list[FileRead | InputError]:
    """Every file read, two at a time (Arrow's parser and calamine work outside Python's
    lock, so one file's parsing overlaps another's Python work), results in file order; an
    unreadable file stops the run unless ``skip_unreadable``, then its error stands in."""

    def one(source_file: str, path: Path) -> FileRead:
        if on_file is not None:
            on_file(source_file)
        return read_file(path, source_file, reader, notes=False)

    out: list[FileRead | InputError] = []
    pool = ThreadPoolExecutor(max_workers=READ_THREADS)
    try:
        futures = [pool.submit(one, sf, path) for sf, path in files]
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
        return {"source_file": got.source_file, "raw_rows": 0, "skipped_lines": 0,
                "problem": str(got)}
    return {
        "source_file": got.source_file,
        "kind": got.kind,
        "encoding": got.encoding,
        "sheets": got.sheets,
        "raw_rows": len(got.records),
        "lines": got.lines,
        "skipped_lines": got.skipped_lines,
        "skipped_by_kind": {k: v for k, v in got.skipped.items() if v},
        "continuation_lines": got.continuation_lines,
        "ignored_columns": got.ignored_columns,
        "header_suggestions": got.suggestions,
        "school_from": got.schools,
    }
