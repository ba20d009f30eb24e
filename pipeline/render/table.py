"""The published table: what the HTML documents and the Excel annex both show.

A column's *kind* says how its cells are shown: numbers (``int``, ``pct``, ``dec``,
``dec2``, ``signed``; see :func:`pipeline.render.formats.format_cell`) or text — ``text``
(sentences, which wrap between words), ``name`` (a name or a value from a submission, kept
whole where it fits), ``code`` (a code such as ``CROSS_SCHOOL_DUPLICATE``, never broken) or
``path`` (a file name, which may break anywhere). A text cell longer than its kind's limit
(:data:`TEXT_LIMITS`) is shortened for display when the table is built, so that a cell of
10,000 characters costs the layout no more than a short one; the full value stays in the
internal files it came from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pipeline.render.formats import clip, format_cell

#: The longest text each text kind shows (characters, the ellipsis included).
TEXT_LIMITS = {"text": 200, "name": 40, "code": 40, "path": 100}


def _has_cjk(text: str) -> bool:
    """Whether a text holds a Chinese (CJK) character."""
    return any("\u2e80" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" for ch in text)


def css_class(kind: str, text: str = "") -> str:
    """The class of a cell of ``kind`` in the HTML (``num`` for every number kind); a name
    in Chinese is kept on one line (``nowrap``: WeasyPrint has no ``word-break: keep-all``,
    and a line may otherwise break between any two Chinese characters)."""
    if kind not in TEXT_LIMITS:
        return "num"
    return "name nowrap" if kind == "name" and _has_cjk(text) else kind


def _clipped(row: list[Any], kinds: Sequence[str]) -> list[Any]:
    """A row with its text cells shortened to their kind's limit."""
    return [clip(v, TEXT_LIMITS[k]) if isinstance(v, str) and k in TEXT_LIMITS else v
            for v, k in zip(row, kinds, strict=True)]


@dataclass
class Table:
    """A published table: headers, rows of cells (numbers or text), an optional total row.

    ``kinds`` gives each column's kind; ``cell_kinds`` (optional, one list per body row)
    overrides it for a table whose rows hold different kinds of value (the key figures).
    The xlsx annex writes the raw numbers with a display format. ``sheet`` is the annex's
    sheet name (the title if empty); ``note`` is printed under the table, ``unit`` (单位：人)
    above it and ``source`` (资料来源) under it.
    """

    key: str
    title: str
    headers: list[str]
    kinds: list[str]
    rows: list[list[Any]]
    total: list[Any] | None = None
    note: str = ""
    sheet: str = ""
    cell_kinds: list[list[str]] | None = None
    unit: str = ""
    source: str = ""
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.rows = [_clipped(list(r), self.row_kinds(i)) for i, r in enumerate(self.rows)]
        if self.total is not None:
            self.total = _clipped(list(self.total), self.kinds)

    def row_kinds(self, i: int) -> list[str]:
        """The kinds of the cells of body row ``i``."""
        return list(self.cell_kinds[i]) if self.cell_kinds else list(self.kinds)

    def formatted(self) -> list[list[str]]:
        """All body rows as display strings."""
        return [self._format(row, self.row_kinds(i)) for i, row in enumerate(self.rows)]

    def formatted_total(self) -> list[str] | None:
        """The total row as display strings."""
        return None if self.total is None else self._format(self.total, self.kinds)

    def cells(self) -> list[list[tuple[str, str]]]:
        """Body rows as (display text, CSS class) pairs."""
        out = []
        for i, row in enumerate(self.rows):
            kinds = self.row_kinds(i)
            out.append(self._classed(self._format(row, kinds), kinds))
        return out

    def total_cells(self) -> list[tuple[str, str]] | None:
        """The total row as (display text, CSS class) pairs."""
        text = self.formatted_total()
        return None if text is None else self._classed(text, self.kinds)

    @staticmethod
    def _classed(texts: list[str], kinds: Sequence[str]) -> list[tuple[str, str]]:
        return [(t, css_class(k, t)) for t, k in zip(texts, kinds, strict=True)]

    def header_cells(self) -> list[tuple[str, str]]:
        """The headers as (text, CSS class) pairs: ``num`` over a column of numbers."""
        return [(h, "num" if css_class(k) == "num" else "text")
                for h, k in zip(self.headers, self.kinds, strict=True)]

    def all_notes(self) -> list[str]:
        """The lines under the table: its note, further notes, then the source."""
        return [n for n in (self.note, *self.notes, self.source) if n]

    @staticmethod
    def _format(row: list[Any], kinds: Sequence[str]) -> list[str]:
        return [format_cell(v, k) for v, k in zip(row, kinds, strict=True)]


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
