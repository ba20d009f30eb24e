"""The disclosure gate: before a period is published, every table in ``public/`` is read back
(CSV, XLSX, JSON) and checked against the disclosure rule of DESIGN §6; a violation stops the
publication with one line naming the file and the cell.

A cell is *sensitive* when a sensitive attribute defines it: a row of a long table whose
dimension is a sensitive one (its code or its label in either language) and whose category is
the sensitive side (not ``否``/``No``), or a column whose heading names a sensitive attribute.
Rules checked: a sensitive count of 1 to ``threshold - 1`` people is never shown as a number;
where one cell of a group is hidden, another is too (else the group's published total gives
it away); a share next to a hidden count is hidden too.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from pipeline import catalog, messages
from pipeline.disclosure import is_sensitive_category
from pipeline.errors import ValidationFailed

DIMENSION_HEADINGS = {"dimension"}
CATEGORY_HEADINGS = {"category"}
SHARE_HINTS = ("share", "rate", "占比", "比例", "比重")
SHOWN_HIDDEN = ("×",)


@dataclass(frozen=True)
class Sheet:
    """One table of a published file: where it is, its headings and its rows (cell values
    as read: numbers or text)."""

    where: str
    headers: list[str]
    rows: list[list[object]]
    first_row: int  # the row number of ``rows[0]`` as a person sees it


def sensitive_labels(dimensions: Sequence[str]) -> set[str]:
    """Every way a sensitive attribute is named: its code and its label in each edition."""
    labels = {d.lower() for d in dimensions}
    for lang in messages.LANGS:
        for d in dimensions:
            if messages.has(f"dims.{d}", lang):
                labels.add(messages.t(f"dims.{d}", lang).lower())
            if messages.has(f"col.{d}_counted", lang):
                labels.add(messages.t(f"col.{d}_counted", lang).lower())
    return labels


def check_public(folder: Path, dimensions: Sequence[str], threshold: int) -> int:
    """Check every table of the public files in ``folder``; the number of tables checked.
    Raises ValidationFailed (one line: file, cell, value) at the first violation."""
    labels = sensitive_labels(dimensions)
    names = {catalog.relative_path(e.key).as_posix() for e in catalog.ENTRIES
             if e.layer == catalog.REPORTS and e.audience == catalog.PUBLIC}
    checked = 0
    for name in sorted(names):
        path = Path(folder) / name
        if not path.is_file():
            continue
        for sheet in _tables(path, name):
            check_sheet(sheet, labels, threshold)
            checked += 1
    return checked


def _tables(path: Path, name: str) -> Iterator[Sheet]:
    if path.suffix == ".csv":
        import csv

        rows = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()))
        if rows:
            yield Sheet(name, rows[0], [[_number(c) for c in r] for r in rows[1:]], 2)
    elif path.suffix == ".xlsx":
        yield from _workbook(path, name)
    elif path.suffix == ".json":
        data = json.loads(path.read_text(encoding="utf-8"))
        flat = dict(_flatten(data))
        yield Sheet(name, list(flat), [list(flat.values())], 1)


def _workbook(path: Path, name: str) -> Iterator[Sheet]:
    """Each sheet's table: the first row with several filled cells is its header."""
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    for ws in wb.worksheets:
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
        head = next((i for i, r in enumerate(rows)
                     if sum(c not in (None, "") for c in r) >= 2), None)
        if head is None:
            continue
        headers = ["" if c is None else str(c) for c in rows[head]]
        yield Sheet(f"{name}（{ws.title}）", headers, rows[head + 1:], head + 2)
    wb.close()


def _flatten(data: object, prefix: str = "") -> Iterator[tuple[str, object]]:
    if isinstance(data, dict):
        for k, v in data.items():
            yield from _flatten(v, f"{prefix}{k}.")
    else:
        yield prefix.rstrip("."), data


def _number(text: str) -> object:
    try:
        value = float(text)
    except ValueError:
        return text
    return int(value) if value.is_integer() else value


def check_sheet(sheet: Sheet, labels: set[str], threshold: int) -> None:
    """Check one table (see the module notes)."""
    heads = [h.strip().lower() for h in sheet.headers]
    dim_col = next((i for i, h in enumerate(heads) if h in DIMENSION_HEADINGS
                    or h in _localized("col.dimension")), None)
    cat_col = next((i for i, h in enumerate(heads) if h in CATEGORY_HEADINGS
                    or h in _localized("col.category")), None)
    if dim_col is not None and cat_col is not None:
        _check_long(sheet, dim_col, cat_col, labels, threshold)
    wide = [i for i, h in enumerate(heads) if any(label in h for label in labels)]
    for col in wide:
        cells = [(i, r[col]) for i, r in enumerate(sheet.rows) if col < len(r)]
        _check_group(sheet, col, cells, threshold, total_published=True)


def _localized(key: str) -> set[str]:
    return {messages.t(key, lang).strip().lower() for lang in messages.LANGS
            if messages.has(key, lang)}


def _check_long(sheet: Sheet, dim_col: int, cat_col: int, labels: set[str],
                threshold: int) -> None:
    """Rows of a sensitive dimension: each count column is one group."""
    groups: dict[str, list[int]] = {}
    for i, row in enumerate(sheet.rows):
        if len(row) > dim_col and str(row[dim_col]).strip().lower() in labels:
            groups.setdefault(str(row[dim_col]), []).append(i)
    for rows in groups.values():
        sensitive = [i for i in rows if is_sensitive_category(sheet.rows[i][cat_col])]
        for col, heading in enumerate(sheet.headers):
            if col in (dim_col, cat_col):
                continue
            cells = [(i, sheet.rows[i][col]) for i in rows if col < len(sheet.rows[i])]
            if any(h in heading.lower() for h in SHARE_HINTS):
                _check_shares(sheet, col, cells, rows)
                continue
            _check_group(sheet, col, cells, threshold, total_published=True,
                         sensitive=set(sensitive))


def _check_group(sheet: Sheet, col: int, cells: list[tuple[int, object]], threshold: int,
                 total_published: bool, sensitive: set[int] | None = None) -> None:
    """No small sensitive count shown; never exactly one hidden cell in a published group."""
    for i, value in cells:
        if (sensitive is None or i in sensitive) and isinstance(value, int | float) and (
                0 < value < threshold):
            _fail(sheet, i, col, value, "small")
    hidden = [i for i, v in cells if isinstance(v, str) and _is_hidden(v)]
    if total_published and len(hidden) == 1:
        _fail(sheet, hidden[0], col, cells[[i for i, _ in cells].index(hidden[0])][1], "alone")


def _check_shares(sheet: Sheet, col: int, cells: list[tuple[int, object]], rows: list[int]
                  ) -> None:
    """A share beside a hidden count is hidden too."""
    for i, value in cells:
        row = sheet.rows[i]
        counts_hidden = any(isinstance(v, str) and _is_hidden(v) for v in row)
        if counts_hidden and isinstance(value, int | float):
            _fail(sheet, i, col, value, "share")


def _is_hidden(value: str) -> bool:
    v = value.strip()
    return v.startswith("<") or v in SHOWN_HIDDEN


def _fail(sheet: Sheet, i: int, col: int, value: object, why: str) -> None:
    raise ValidationFailed(key=f"disclosure_{why}", file=sheet.where,
                           row=sheet.first_row + i, column=sheet.headers[col], value=value)
