"""Records under a header row: which line is a record and which is not (a blank line, a
footer, a template's example row, the header repeated), as text cells with their provenance
(source row, sheet), every line accounted for.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pipeline.config import FIELDS
from pipeline.ingest.headers import HeaderMap
from pipeline.normalise import key_text, labels_at

FOOTER_WORDS = ("合计", "总计", "小计", "填表人", "审核人", "负责人", "填报日期", "填报单位",
                "制表", "备注", "说明", "申请时间", "本表一式", "签字", "盖章")
# A date line left blank for a signature: 年  月  日 with no digits.
_BLANK_DATE = re.compile(r"年\s*月\s*日")
_ID_SHAPE = re.compile(r"\d{17}[\dXx]|\d{15}|\d(?:\.\d+)?[eE]\+\d{2}")
# The same shapes in ASCII digits, for Arrow's regex engine on a whole column.
_ID_SHAPE_ASCII = r"[0-9]{17}[0-9Xx]|[0-9]{15}|[0-9](?:\.[0-9]+)?[eE]\+[0-9]{2}"
EXAMPLE_MARK = "示例"
EXAMPLE_VALUE = "以选择为准"
NUMBER_HEADINGS = frozenset({"序号", "编号", "NO", "NO."})
# Fields a record fills and a footer line does not: a line with at most one of them filled
# and a footer word is a footer, even when it names the school (a 合计 line).
DATA_FIELDS = ("target_group", "major", "level", "status", "admission_date")
SKIP_KINDS = ("blank", "footer", "example", "header")


@dataclass
class FileRead:
    """What one raw file gave: its records and what ingest noticed about it."""

    source_file: str
    records: pd.DataFrame
    kind: str = "csv"
    encoding: str | None = None
    sheets: list[str] = field(default_factory=list)
    skipped_sheets: list[str] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)  # lines not records, by kind
    lines: int = 0  # physical lines (rows) under the headers
    continuation_lines: int = 0  # lines inside a quoted cell spanning several lines
    ignored_columns: list[str] = field(default_factory=list)
    suggestions: dict[str, str] = field(default_factory=dict)
    schools: list[dict] = field(default_factory=list)  # per table: where its school came from

    @property
    def skipped_lines(self) -> int:
        """Lines under the header that are not records."""
        return int(sum(self.skipped.values()))


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


def body_frame(rows: list[list[str]], width: int) -> pd.DataFrame:
    """Rows of cells (ragged) as a frame of text with columns 0..width-1."""
    if not rows:
        return pd.DataFrame({i: pd.Series([], dtype=object) for i in range(width)})
    padded = [r + [""] * (width - len(r)) for r in rows]
    return pd.DataFrame(padded, columns=range(width), dtype=object).fillna("").astype(str)


@dataclass(frozen=True)
class Table:
    """Records found under one header: the records, the lines skipped by kind, the headings
    not in the header map and the near misses among them."""

    records: pd.DataFrame
    skipped: dict[str, int]
    ignored: list[str]
    suggestions: dict[str, str]


def records_under(header: list[str], frame: pd.DataFrame, row_numbers: np.ndarray,
                  hmap: HeaderMap, sheet: str = "", school: str | None = None) -> Table:
    """Records under a header row.

    ``frame`` holds the lines under the header as text (columns 0..width-1); line ``i`` is
    row ``row_numbers[i]`` as a person sees it. A field named by two columns takes, per
    line, the first non-blank one. ``school``, when given, is the school of every record (a
    table without a school column). The records carry the fields, ``source_row``, ``sheet``
    and ``month_column`` (the admission date was given under a month heading).
    """
    header = [str(c) for c in header]
    columns = {f: [c for c in cs if c < frame.shape[1]] for f, cs in
               hmap.columns(header).items()}
    values = {f: _coalesce(frame, cs) for f, cs in columns.items() if cs}
    kinds = line_kinds(frame, header, values, hmap)
    kept = np.flatnonzero(kinds == RECORD)
    m = len(kept)
    if m == len(frame) or (m and kept[-1] == m - 1):
        pick = slice(0, m)  # the lines skipped (if any) all close the table: a slice
    else:
        pick = kept
    data = {fld: (values[fld].iloc[pick].reset_index(drop=True) if fld in values
                  else repeated_text([""], [m])) for fld in FIELDS}
    if school is not None:
        data["school"] = repeated_text([school], [m])
    data["source_row"] = pd.Series(np.asarray(row_numbers, dtype=np.int64)[kept])
    data["sheet"] = repeated_text([sheet], [m])
    month = any(hmap.is_month_column(header[c]) for c in columns.get("admission_date", [])[:1])
    data["month_column"] = np.full(m, month, dtype=bool)
    ignored, suggestions = unknown_headers(header, columns, hmap)
    counts = np.bincount(kinds, minlength=len(KINDS))
    skipped = {k: int(counts[i]) for i, k in enumerate(KINDS) if k in SKIP_KINDS}
    return Table(pd.DataFrame(data, copy=False), skipped, ignored, suggestions)


def _coalesce(frame: pd.DataFrame, cols: list[int]) -> pd.Series:
    """The first non-blank of several columns, line by line (one column: itself)."""
    out = frame[cols[0]]
    for c in cols[1:]:
        blank = (out.str.strip() == "").to_numpy(dtype=bool)
        if blank.any():
            out = out.where(~blank, frame[c])
    return out


def unknown_headers(header: list[str], columns: dict[str, list[int]], hmap: HeaderMap
                    ) -> tuple[list[str], dict[str, str]]:
    """The headings the header map does not know (ignored), and the known heading each
    looks like, where one is close."""
    mapped = {c for cs in columns.values() for c in cs}
    ignored = [c.strip() for i, c in enumerate(header) if i not in mapped and c.strip()]
    suggestions = {}
    for c in ignored:
        near = hmap.suggest(c)
        if near:
            suggestions[c] = near
    return ignored, suggestions


RECORD, BLANK, FOOTER, EXAMPLE, HEADER = range(5)
KINDS = ("record", "blank", "footer", "example", "header")


def line_kinds(frame: pd.DataFrame, header: list[str], values: dict[str, pd.Series],
               hmap: HeaderMap) -> np.ndarray:
    """Per line under the header, what it is (an index of :data:`KINDS`): a record, or a
    ``blank`` line (every mapped cell empty), a template's ``example`` row (a 序号 or name
    cell ``示例…``, or a value ``以选择为准``), the ``header`` repeated, or a ``footer`` (a
    total, a sign-off, a remark or a blank date line, with at most one data field filled and
    no ID-shaped value). A line with an ID-shaped value is a record unless it is an example;
    column-wide checks run in Arrow, and only lines that are neither blank nor ID-like are
    looked at one by one."""
    n = len(frame)
    kinds = np.zeros(n, dtype=np.int8)
    if not n:
        return kinds
    id_like = np.zeros(n, dtype=bool)
    if "id_number" in values:
        id_like = values["id_number"].str.contains(_ID_SHAPE_ASCII, regex=True).to_numpy(
            dtype=bool)
    rest = np.flatnonzero(~id_like)
    if len(rest):  # most lines are ID-like: the others are looked at one by one
        fields = list(values)
        mapped = list(zip(*(values[f].iloc[rest].tolist() for f in fields), strict=True))
        cells = frame.iloc[rest].astype(str).to_numpy().tolist()
        for j, i in enumerate(rest):
            kinds[i] = _kind_of(dict(zip(fields, mapped[j], strict=True)), cells[j], hmap)
    kinds[_examples(frame, header, values, hmap)] = EXAMPLE
    return kinds


def _kind_of(mapped: dict[str, str], cells: list[str], hmap: HeaderMap) -> int:
    """What a line without an ID-shaped value is: blank, the header repeated, a footer, or a
    record (``mapped``: its cells by field; ``cells``: all of them)."""
    if all(not str(v).strip() for v in mapped.values()):
        return BLANK
    probe = str(mapped.get("id_number", mapped.get("admission_date", ""))).strip()
    if probe and hmap.key(probe) in hmap.lookup and hmap.is_header(cells):
        return HEADER
    data = sum(1 for f in DATA_FIELDS if str(mapped.get(f, "")).strip())
    return FOOTER if data <= 1 and _is_footer(cells) else RECORD


def _is_footer(cells: list[str]) -> bool:
    """Whether a line's cells read as a footer (and hold no ID-shaped value)."""
    if any(_ID_SHAPE.search(v) for v in cells):
        return False
    joined = "".join(cells)
    text = key_text(joined)
    return any(w in text for w in FOOTER_WORDS) or (
        bool(_BLANK_DATE.search(joined)) and not re.search(r"\d", joined))


def _examples(frame: pd.DataFrame, header: list[str], values: dict[str, pd.Series],
              hmap: HeaderMap) -> np.ndarray:
    """Which lines are a template's example rows (looked for only in the columns where a
    mark can be: the name and 序号 columns for ``示例``, every column for ``以选择为准``, each
    column first tested as a whole in Arrow)."""
    import pyarrow.compute as pc

    n = len(frame)
    out = np.zeros(n, dtype=bool)
    marked = [values[f] for f in ("name",) if f in values]
    marked += [frame[i] for i, h in enumerate(header)
               if hmap.key(h) in NUMBER_HEADINGS and i < frame.shape[1]]
    for col in marked:
        if _mentions(col, EXAMPLE_MARK, pc):
            out |= col.str.strip().str.startswith(EXAMPLE_MARK).to_numpy(dtype=bool)
    for c in frame.columns:
        if _mentions(frame[c], EXAMPLE_VALUE, pc):
            out |= frame[c].str.contains(EXAMPLE_VALUE, regex=False).to_numpy(dtype=bool)
    return out


def _mentions(col: pd.Series, text: str, pc) -> bool:
    """Whether any cell of a column contains ``text`` (one Arrow pass)."""
    try:
        import pyarrow as pa

        arr = pa.array(col.array) if not isinstance(col.array, pa.Array) else col.array
        return bool(pc.any(pc.match_substring(arr, text)).as_py())
    except (TypeError, ValueError, pa.ArrowException):
        return bool(col.astype(str).str.contains(text, regex=False).any())


def repeated_text(values: list[str], counts: list[int]) -> pd.Series:
    """``values[0]`` ``counts[0]`` times, then ``values[1]`` ``counts[1]`` times, … as an
    Arrow-backed text column, built from codes (no Python string per row)."""
    return labels_at(values, np.repeat(np.arange(len(values)), np.asarray(counts, np.int64)))
