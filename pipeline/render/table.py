"""The published table: what the HTML documents and the Excel annex both show."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pipeline.render.formats import format_cell


@dataclass
class Table:
    """A published table: headers, rows of cells (numbers or text), an optional total row.

    ``kinds`` says per column how a cell is formatted in HTML (``text``, ``int``, ``pct``,
    ``dec``, ``dec2``, ``signed``; see :func:`pipeline.render.formats.format_cell`); the xlsx
    annex writes the raw numbers. ``sheet`` is the annex's sheet name (the title if empty).
    """

    key: str
    title: str
    headers: list[str]
    kinds: list[str]
    rows: list[list[Any]]
    total: list[Any] | None = None
    note: str = ""
    sheet: str = ""

    def formatted(self) -> list[list[str]]:
        """All body rows as display strings."""
        return [self._format(row) for row in self.rows]

    def formatted_total(self) -> list[str] | None:
        """The total row as display strings."""
        return None if self.total is None else self._format(self.total)

    def _format(self, row: list[Any]) -> list[str]:
        return [format_cell(v, k) for v, k in zip(row, self.kinds, strict=True)]


def labelled_table(
    labels: Any,
    key: str,
    columns: Sequence[str],
    kinds: list[str],
    rows: list[list[Any]],
    *,
    total: list[Any] | None = None,
    note: str = "",
    section: str = "",
) -> Table:
    """A table whose words come from the catalogue by ``key``.

    Without ``section``: title ``tables.<key>``, headers ``col.<column>``, and the annex
    sheet ``sheets.<key>`` when the catalogue names one (a table without one is not in the
    annex). With ``section`` (``rw``): key ``<section>_<key>``, title
    ``<section>.tables.<key>``, headers ``<section>.col.<column>``. ``labels`` is a
    :class:`~pipeline.render.labels.Labels`.
    """
    prefix = f"{section}." if section else ""
    sheet = f"{prefix}sheets.{key}"
    return Table(
        f"{section}_{key}" if section else key,
        labels.t(f"{prefix}tables.{key}"),
        labels.headers(f"{prefix}col", columns),
        kinds,
        rows,
        total,
        note,
        labels.t(sheet) if labels.has(sheet) else "",
    )
