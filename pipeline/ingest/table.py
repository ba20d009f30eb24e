"""Records under a header row: what is a record, a blank line or a footer, as text cells
with their provenance (source row, sheet)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pipeline.config import FIELDS
from pipeline.ingest.headers import HeaderMap
from pipeline.normalise import key_text, labels_at, map_unique

FOOTER_WORDS = ("合计", "总计", "小计", "填表人", "审核人", "负责人", "填报日期", "填报单位",
                "制表", "备注", "说明")
_ID_SHAPE = re.compile(r"\d{17}[\dXx]|\d{15}|\d(?:\.\d+)?[eE]\+\d{2}")
# The same shapes in ASCII digits, for Arrow's regex engine on a whole column.
_ID_SHAPE_ASCII = r"[0-9]{17}[0-9Xx]|[0-9]{15}|[0-9](?:\.[0-9]+)?[eE]\+[0-9]{2}"


@dataclass
class FileRead:
    """What one raw file gave: its records and what ingest noticed about it."""

    source_file: str
    records: pd.DataFrame
    encoding: str | None = None
    sheets: list[str] = field(default_factory=list)
    skipped_sheets: list[str] = field(default_factory=list)
    skipped_lines: int = 0
    ignored_columns: list[str] = field(default_factory=list)
    suggestions: dict[str, str] = field(default_factory=dict)



def cell_text(value: object) -> str:
    """A workbook cell as the text a person sees (IDs never through a float)."""
    if value is None or isinstance(value, str):
        return value or ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return _float_text(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(
            sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _float_text(value: float) -> str:
    """A number cell: whole numbers without a decimal point; a long number (an ID typed into
    a number cell) keeps every digit the float still holds, in scientific notation, so that
    distinct people stay distinct and it can never pass as a valid ID."""
    if value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    return repr(value)


# ---------------------------------------------------------------- tables

def body_frame(rows: list[list[str]], width: int) -> pd.DataFrame:
    """Rows of cells (ragged) as a frame of text with columns 0..width-1."""
    if not rows:
        return pd.DataFrame({i: pd.Series([], dtype=object) for i in range(width)})
    padded = [r + [""] * (width - len(r)) for r in rows]
    return pd.DataFrame(padded, columns=range(width), dtype=object).fillna("").astype(str)


def records_under(
    header: list[str],
    frame: pd.DataFrame,
    first_row: int,
    hmap: HeaderMap,
    known_schools: frozenset[str],
    sheet: str = "",
) -> tuple[pd.DataFrame, int, list[str], dict[str, str]]:
    """Records under a header row: (records, skipped lines, ignored columns, suggestions).

    ``frame`` holds the lines under the header as text (columns 0..width-1), its first
    line being number ``first_row`` as a person sees it. The records carry the fields,
    ``source_row`` and ``sheet``.
    """
    header = [str(c) for c in header]
    columns = hmap.resolve(header)
    ignored, suggestions = unknown_headers(header, columns, hmap)
    skip = skipped_lines(frame, columns, known_schools)
    kept = np.flatnonzero(~skip)
    m, n = len(kept), len(frame)
    if m == n or (m and kept[-1] == m - 1):
        body = frame.iloc[:m]  # the lines skipped (if any) all close the table: a slice
    else:
        body = frame.iloc[kept]
    by_field = {fld: i for i, fld in columns.items()}
    data = {
        fld: body[by_field[fld]].reset_index(drop=True) if fld in by_field
        else repeated_text([""], [m])
        for fld in FIELDS
    }
    data["source_row"] = pd.Series(first_row + kept.astype(np.int64))
    data["sheet"] = repeated_text([sheet], [m])
    return pd.DataFrame(data, copy=False), int(skip.sum()), ignored, suggestions


def unknown_headers(header: list[str], columns: dict[int, str], hmap: HeaderMap
                    ) -> tuple[list[str], dict[str, str]]:
    """The headings the header map does not know (ignored), and the known heading each
    looks like, where one is close."""
    ignored = [c.strip() for i, c in enumerate(header) if i not in columns and str(c).strip()]
    suggestions = {}
    for c in ignored:
        near = hmap.suggest(c)
        if near:
            suggestions[c] = near
    return ignored, suggestions


def skipped_lines(frame: pd.DataFrame, columns: dict[int, str],
                  known_schools: frozenset[str]) -> np.ndarray:
    """Which lines under the header are not records: blank lines (every mapped cell is
    whitespace) and footer lines (a total, a sign-off, a remark), unless the line looks like
    a record (an ID-shaped value, or a known school name)."""
    n = len(frame)
    id_col = next((i for i, f in columns.items() if f == "id_number"), None)
    # On the ID column the pattern runs in Arrow (ASCII digits); the other shapes
    # (full-width digits) are still caught below, cell by cell.
    record_like = np.zeros(n, dtype=bool)
    if id_col is not None and n:
        record_like = frame[id_col].str.contains(_ID_SHAPE_ASCII, regex=True).to_numpy(
            dtype=bool).copy()
    # Each column is looked at only for the rows still blank.
    blank = ~record_like
    for c in sorted(columns, key=lambda c: c != id_col):
        rows = np.flatnonzero(blank)
        if not len(rows):
            break
        cells = frame[c] if len(rows) == n else frame[c].iloc[rows]
        blank[rows] = (cells.str.strip() == "").to_numpy(dtype=bool)
    todo = np.flatnonzero(~blank & ~record_like)
    school_col = next((i for i, f in columns.items() if f == "school"), None)
    if len(todo) and school_col is not None:
        like = map_unique(frame[school_col].iloc[todo], lambda v: key_text(v) in known_schools)
        record_like[todo] = like.to_numpy(dtype=bool)
        todo = todo[~record_like[todo]]
    # Footer words are looked for only where a line is neither blank nor record-like.
    footer = np.zeros(n, dtype=bool)
    for i in todo:
        cells = [str(v) for v in frame.iloc[i].tolist()]
        if any(_ID_SHAPE.search(v) for v in cells):
            continue
        text = key_text("".join(cells))
        footer[i] = any(w in text for w in FOOTER_WORDS)
    return blank | footer


def repeated_text(values: list[str], counts: list[int]) -> pd.Series:
    """``values[0]`` ``counts[0]`` times, then ``values[1]`` ``counts[1]`` times, … as an
    Arrow-backed text column, built from codes (no Python string per row)."""
    return labels_at(values, np.repeat(np.arange(len(values)), np.asarray(counts, np.int64)))


