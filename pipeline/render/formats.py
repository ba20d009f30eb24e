"""Numbers as the published documents show them, and numbers read back from table cells.

Every formatter takes a cell as it comes (an int, a float, NaN, None; some pass text such as
``<5`` through) and returns display text; an empty or NaN cell gives ``""``. The HTML tables
(:class:`pipeline.render.table.Table`), the Jinja filters and the message fields all use
these, so a figure looks the same everywhere.
"""

from __future__ import annotations

import math
from functools import partial
from typing import Any


def _missing(val: object) -> bool:
    """Whether a cell is empty (None or NaN)."""
    return val is None or (isinstance(val, float) and math.isnan(val))


def fmt_int(val: object) -> str:
    """Whole number with thousands separators; text (e.g. ``<5``) passes through."""
    if isinstance(val, str):
        return val
    if _missing(val):
        return ""
    return f"{round(float(val)):,}"


def fmt_signed(val: object) -> str:
    """Whole number with an explicit sign (``+175``, ``−12``, ``0``)."""
    if _missing(val):
        return ""
    n = round(float(val))
    return f"+{n:,}" if n > 0 else (f"−{abs(n):,}" if n < 0 else "0")


def fmt_pct(val: object, digits: int = 1) -> str:
    """A rate (0.8124) as a percentage (``81.2%``); text passes through."""
    if isinstance(val, str):
        return val
    if _missing(val):
        return ""
    return f"{float(val) * 100:.{digits}f}%"


def fmt_dec(val: object, digits: int = 4) -> str:
    """A decimal with fixed digits (``0.7788``)."""
    if _missing(val):
        return ""
    return f"{float(val):.{digits}f}"


def fmt_num(val: object, digits: int) -> str:
    """A decimal with thousands separators and fixed digits (``2,032,778.2833``)."""
    if _missing(val):
        return ""
    return f"{float(val):,.{digits}f}"


def fmt_g(val: object) -> str:
    """A policy number as written (``0.3``, ``1.2``, ``3``); empty counts as 0."""
    return f"{zero_if_missing(val):g}"


CELL_FORMATS = {
    "int": fmt_int,
    "pct": fmt_pct,
    "dec": fmt_dec,
    "signed": fmt_signed,
    "dec2": partial(fmt_dec, digits=2),
    "dec1": partial(fmt_num, digits=1),
}


def format_cell(val: Any, kind: str) -> str:
    """One table cell as display text: text as it is, booleans as ✓/✗, numbers by ``kind``
    (``int``, ``pct``, ``dec``, ``dec2``, ``dec1``, ``signed``; any other kind: ``str``)."""
    if isinstance(val, str) or val is None:
        return "" if val is None else val
    if isinstance(val, bool):
        return "✓" if val else "✗"
    return CELL_FORMATS.get(kind, str)(val)


def num(val: Any) -> float | None:
    """A number from a cell, None for empty/NaN/None or text that is not a number."""
    if val is None or val == "":
        return None
    try:
        x = float(val)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(x) else x


def whole(val: Any) -> int | None:
    """A whole number from a cell (rounded), None for empty/NaN/None."""
    x = num(val)
    return None if x is None else round(x)


def zero_if_missing(val: Any) -> float:
    """A number from a cell, 0 for empty/NaN/None or text."""
    x = num(val)
    return 0.0 if x is None else x


def rate(numerator: float, denominator: float) -> float:
    """A ratio whose zero denominator gives 0 (DESIGN §5)."""
    return float(numerator) / float(denominator) if denominator else 0.0


def clip(text: str, limit: int) -> str:
    """Text of at most ``limit`` characters: a longer one is cut and ends with ``…``."""
    return text if len(text) <= limit else text[: max(0, limit - 1)] + "…"


def short(name: object, width: int = 16) -> str:
    """A long label shortened for a chart axis (``…`` at the end)."""
    return clip(str(name), width)
