"""Workbooks and what looks like one: every sheet that has the header row, read as text."""

from __future__ import annotations

import numpy as np

from pipeline.errors import InputError
from pipeline.ingest.grids import workbook_sheets
from pipeline.ingest.headers import find_header, missing_fields_error
from pipeline.ingest.roster import Place, Reader, TablesRead, read_table
from pipeline.ingest.table import FileRead, body_frame

KINDS = {"zip": "xlsx", "ole": "xls", "spreadsheetml": "spreadsheetml", "html": "html"}


def read_workbook(data: bytes, kind: str, source_file: str, stem: str, reader: Reader
                  ) -> FileRead:
    """Every sheet of a workbook that has the header row, in order; the others are listed
    as skipped (instructions, a cover)."""
    sheets = workbook_sheets(data, kind, source_file)
    tables = TablesRead()
    skipped_sheets: list[str] = []
    lines = 0
    for name, grid in sheets:
        header_idx = find_header(grid, reader.hmap)
        if header_idx is None:
            skipped_sheets.append(name)
            continue
        rest = grid[header_idx + 1:]
        width = max([len(grid[header_idx])] + [len(r) for r in rest])
        rows = np.arange(header_idx + 2, header_idx + 2 + len(rest), dtype=np.int64)
        read_table(grid[:header_idx], grid[header_idx], body_frame(rest, width), rows, reader,
                   Place(_where(source_file, name), stem, name), into=tables)
        lines += len(rest)
    if not tables.tables:
        _refuse(sheets, source_file, reader)
    got = tables.file_read(source_file, kind=KINDS[kind], lines=lines)
    got.skipped_sheets = skipped_sheets
    return got


def _where(source_file: str, sheet: str) -> str:
    """A file and sheet as a refusal names them."""
    return f"{source_file}（工作表“{sheet}”）" if sheet else source_file


def _refuse(sheets: list[tuple[str, list[list[str]]]], source_file: str, reader: Reader
            ) -> None:
    """No sheet has the header row: an empty workbook, or the best sheet's missing fields."""
    filled = [(name, grid) for name, grid in sheets
              if any(str(c).strip() for row in grid for c in row)]
    if not filled:
        raise InputError(key="empty_workbook", file=source_file)
    name, grid = max(filled, key=lambda ng: max(
        (len(reader.hmap.columns([str(c) for c in row])) for row in ng[1][:50]), default=0))
    raise missing_fields_error(_where(source_file, name if len(sheets) > 1 else ""), grid,
                               reader.hmap)
