"""Tables that run over a page carry 续表 (continued) in their repeated caption.

A table's caption is the first row of its ``<thead>``, which WeasyPrint repeats on every page
the table reaches; the words "（续表）" must appear on the continuation pages only. So the
PDF is laid out twice when a table runs over: the first layout says, for every table
(``data-table``) that spans pages, at which body row (``data-row``) each following page
starts and how wide its columns came out; the template then prints such a table as parts,
each continuation part a table of its own that starts a new page with the caption
"… （续表）" and the same fixed column widths. Every part has the thead of the first
layout, so the second layout breaks exactly where the first did. A document in which no
table runs over is laid out once.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def _rows(box: Any, table: str | None = None) -> Iterator[tuple[str, str, Any]]:
    """("table", key, box) for each table box and ("row", key, index) for each body row,
    in document order under ``box``."""
    from weasyprint.formatting_structure import boxes

    element = getattr(box, "element", None)
    tag = getattr(box, "element_tag", None)
    if element is not None and tag == "table" and element.get("data-table"):
        table = element.get("data-table")
        if isinstance(box, boxes.TableBox):
            yield "table", table, box
    if table and element is not None and tag == "tr" and element.get("data-row") is not None:
        yield "row", table, int(element.get("data-row"))
        return
    for child in getattr(box, "children", ()):
        yield from _rows(child, table)


def page_breaks(document: Any) -> tuple[dict[str, list[int]], dict[str, list[float]]]:
    """From a laid-out WeasyPrint document: for each table that spans pages, the first body
    row of each page after its first; and the column widths (CSS px) of those tables."""
    first_rows: dict[str, list[int]] = {}
    widths: dict[str, list[float]] = {}
    for page in document.pages:
        seen: set[str] = set()
        for kind, key, item in _rows(page._page_box):  # noqa: SLF001 - WeasyPrint's layout
            if kind == "table":
                widths.setdefault(key, [float(w) for w in item.column_widths])
            elif key not in seen:
                seen.add(key)
                first_rows.setdefault(key, []).append(item)
    splits = {key: rows[1:] for key, rows in first_rows.items() if len(rows) > 1}
    return splits, {key: widths[key] for key in splits if key in widths}


def parts(n_rows: int, cuts: list[int]) -> list[tuple[int, int]]:
    """The (start, stop) body-row ranges of a table cut before each row of ``cuts``; the
    total row, if any, is row ``n_rows`` and falls in the last part."""
    bounds = [0, *sorted(c for c in set(cuts) if 0 < c <= n_rows), n_rows + 1]
    return [(bounds[i], min(bounds[i + 1], n_rows)) for i in range(len(bounds) - 1)]
