"""Workbooks (XLSX, XLS): every sheet that has the header row, read as text."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.errors import InputError
from pipeline.ingest.headers import HeaderMap, find_header, missing_message
from pipeline.ingest.table import FileRead, body_frame, cell_text, records_under


def read_workbook(
    path: Path, source_file: str, hmap: HeaderMap, known_schools: frozenset[str]
) -> FileRead:
    """Every sheet of a workbook that has the header row, in order."""
    from python_calamine import CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises several types for broken zips/xml
        raise InputError(f"{source_file}: not a readable workbook ({type(exc).__name__})") from None
    parts, sheets, skipped_sheets = [], [], []
    skipped = 0
    ignored: list[str] = []
    suggestions: dict[str, str] = {}
    best_grid: list[list[str]] = []
    for name in wb.sheet_names:
        try:
            values = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
        except Exception as exc:
            raise InputError(
                f"{source_file}: sheet {name!r} cannot be read ({type(exc).__name__})"
            ) from None
        grid = [[cell_text(v) for v in row] for row in values]
        header_idx = find_header(grid, hmap)
        if header_idx is None:
            skipped_sheets.append(name)
            best_grid = best_grid or grid
            continue
        rest = grid[header_idx + 1:]
        width = max([len(grid[header_idx])] + [len(r) for r in rest])
        recs, sk, ign, sug = records_under(grid[header_idx], body_frame(rest, width),
                                    header_idx + 2, hmap, known_schools, sheet=name)
        parts.append(recs)
        sheets.append(name)
        skipped += sk
        ignored += [c for c in ign if c not in ignored]
        suggestions.update(sug)
    if not sheets:
        if not any(any(str(c).strip() for c in r) for r in best_grid):
            raise InputError(f"{source_file}: the workbook is empty")
        raise InputError(f"{source_file}: {missing_message(best_grid, hmap)}")
    return FileRead(source_file, pd.concat(parts, ignore_index=True), sheets=sheets,
                    skipped_sheets=skipped_sheets, skipped_lines=skipped,
                    ignored_columns=ignored, suggestions=suggestions)


