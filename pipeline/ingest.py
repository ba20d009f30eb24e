"""Reading raw submissions as schools send them.

A roster may be CSV (UTF-8, UTF-8 with BOM, GBK/GB18030, detected from its bytes) or a
workbook (XLSX/XLS, every sheet). Every value is read as text: ID numbers never pass through
a float. The table is found as the first row whose cells, through the header map, name the
required fields; title lines above it are not records. Under the header, fully blank rows and
footer lines (totals, sign-offs, remarks) are skipped and counted; a line that looks like a
student record (an ID-shaped value, or a known school name) is always a record.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.config import FIELDS
from pipeline.errors import InputError
from pipeline.normalise import key_text, labels_at, map_unique

log = logging.getLogger(__name__)

SUPPORTED = (".csv", ".xlsx", ".xlsm", ".xls")
HEADER_SCAN_ROWS = 50
FOOTER_WORDS = ("合计", "总计", "小计", "填表人", "审核人", "负责人", "填报日期", "填报单位",
                "制表", "备注", "说明")
_ID_SHAPE = re.compile(r"\d{17}[\dXx]|\d{15}|\d(?:\.\d+)?[eE]\+\d{2}")
# The same shapes in ASCII digits, for Arrow's regex engine on a whole column.
_ID_SHAPE_ASCII = r"[0-9]{17}[0-9Xx]|[0-9]{15}|[0-9](?:\.[0-9]+)?[eE]\+[0-9]{2}"
_HEADER_NOISE = re.compile(r"[*＊:：]|[(（](必填|选填|必选)[)）]")


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


class HeaderMap:
    """Resolves header cells to fields via the configured spellings."""

    def __init__(self, header_map: dict[str, tuple[str, ...]], required: tuple[str, ...]):
        self.lookup: dict[str, str] = {}
        for fld, spellings in header_map.items():
            for spelling in spellings:
                self.lookup.setdefault(self.key(spelling), fld)
        self.required = tuple(required)

    @staticmethod
    def key(cell: object) -> str:
        """The matching key of a header cell."""
        return _HEADER_NOISE.sub("", key_text(str(cell))) if cell is not None else ""

    def resolve(self, cells: list[str]) -> dict[int, str]:
        """Column index → field, first occurrence of each field only."""
        found: dict[int, str] = {}
        taken: set[str] = set()
        for i, cell in enumerate(cells):
            fld = self.lookup.get(self.key(cell))
            if fld and fld not in taken:
                found[i] = fld
                taken.add(fld)
        return found

    def is_header(self, cells: list[str]) -> bool:
        """Whether a row names every required field."""
        return set(self.required) <= set(self.resolve(cells).values())

    def suggest(self, cell: str) -> str | None:
        """The closest known header for an unknown one, if any is close."""
        match = difflib.get_close_matches(self.key(cell), list(self.lookup), n=1, cutoff=0.6)
        return match[0] if match else None


# ---------------------------------------------------------------- decoding

def decode_bytes(data: bytes, name: str) -> tuple[str, str]:
    """Decode a text file's bytes, detecting the encoding; InputError if not text."""
    if not data.strip():
        raise InputError(f"{name}: the file is empty")
    if data.startswith(b"\xef\xbb\xbf"):
        return _strict(data[3:], "utf-8", name), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _strict(data, "utf-16", name), "utf-16"
    if b"\x00" in data[:8192]:
        raise InputError(f"{name}: binary data, not a text (CSV) file")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data[:200_000], cp_isolation=["gb18030", "big5", "utf_16"]).best()
    encoding = best.encoding if best is not None else "gb18030"
    if encoding in ("gbk", "gb2312", "hz", "gb18030"):
        encoding = "gb18030"
    return _strict(data, encoding, name), encoding


def _strict(data: bytes, encoding: str, name: str) -> str:
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        raise InputError(f"{name}: unreadable text (not UTF-8, GBK/GB18030 or UTF-16)") from None
    if "\x00" in text[:8192]:
        raise InputError(f"{name}: binary data, not a text (CSV) file")
    return text


# ---------------------------------------------------------------- grids

def _cell_text(value: object) -> str:
    """A workbook cell as the text a person sees (IDs never through a float)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 2**53:
            return str(int(value))
        # A long number (an ID typed into a number cell) keeps every digit the float still
        # holds, in scientific notation: distinct people stay distinct, and it can never pass
        # as a valid ID.
        return repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


# ---------------------------------------------------------------- tables

def _body_frame(rows: list[list[str]], width: int) -> pd.DataFrame:
    """Rows of cells (ragged) as a frame of text with columns 0..width-1."""
    if not rows:
        return pd.DataFrame({i: pd.Series([], dtype=object) for i in range(width)})
    padded = [r + [""] * (width - len(r)) for r in rows]
    return pd.DataFrame(padded, columns=range(width), dtype=object).fillna("").astype(str)


def _table(
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
    ignored = [c.strip() for i, c in enumerate(header) if i not in columns and str(c).strip()]
    suggestions = {}
    for c in ignored:
        near = hmap.suggest(c)
        if near:
            suggestions[c] = near
    n = len(frame)
    id_col = next((i for i, f in columns.items() if f == "id_number"), None)
    # Record-like: an ID-shaped value (the ID column first, other cells only where needed)
    # or a known school name. On the ID column the pattern runs in Arrow (ASCII digits);
    # the other shapes (full-width digits) are still caught below, cell by cell.
    record_like = np.zeros(n, dtype=bool)
    if id_col is not None and n:
        record_like = frame[id_col].str.contains(_ID_SHAPE_ASCII, regex=True).to_numpy(
            dtype=bool).copy()
    # Blank: every mapped cell is whitespace (a record-like row is not blank). Each column is
    # looked at only for the rows still blank.
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
    skip = blank | footer
    kept = np.flatnonzero(~skip)
    m = len(kept)
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


def repeated_text(values: list[str], counts: list[int]) -> pd.Series:
    """``values[0]`` ``counts[0]`` times, then ``values[1]`` ``counts[1]`` times, … as an
    Arrow-backed text column, built from codes (no Python string per row)."""
    return labels_at(values, np.repeat(np.arange(len(values)), np.asarray(counts, np.int64)))


def _find_header(grid: list[list[str]], hmap: HeaderMap) -> int | None:
    for i, row in enumerate(grid[:HEADER_SCAN_ROWS]):
        if row and hmap.is_header([str(c) for c in row]):
            return i
    return None


_LINE_END = re.compile(r"\r\n|\n|\r")


def _head_lines(text: str) -> list[str]:
    """The first ``HEADER_SCAN_ROWS`` physical lines (``\\r\\n``, ``\\n`` or ``\\r`` ends one, as
    for the CSV parsers), read from the start of the text only."""
    lines: list[str] = []
    pos = 0
    for m in _LINE_END.finditer(text):
        lines.append(text[pos:m.start()])
        pos = m.end()
        if len(lines) == HEADER_SCAN_ROWS:
            return lines
    if pos < len(text):
        lines.append(text[pos:])
    return lines


def _lines(text: str) -> list[str]:
    """Every physical line, split as :func:`_head_lines` and the CSV parsers split them."""
    lines = _LINE_END.split(text)
    if lines and lines[-1] == "":
        lines.pop()  # the end of the last line, not a line
    return lines


def _arrow_body(data: bytes, header_idx: int, width: int) -> pd.DataFrame | None:
    """The lines under the header with Arrow's CSV parser (the fast path), one frame row per
    physical line, Arrow-backed text. ``data`` is UTF-8 without a BOM. None when the lines
    need the careful path: quotes, or a line with another number of cells than the header.
    An empty line is a line of empty cells, as for the other parsers (no line is dropped)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    pos = 0
    for _ in range(header_idx + 1):
        m = _LINE_END_BYTES.search(data, pos)
        if m is None:
            return None
        pos = m.end()
    if pos >= len(data) or b'"' in data:  # quotes anywhere: a cell may hold a line break
        return None
    names = [str(i) for i in range(width)]
    try:
        table = pacsv.read_csv(
            pa.BufferReader(pa.py_buffer(data)[pos:]),  # no copy of the bytes
            read_options=pacsv.ReadOptions(column_names=names),
            parse_options=pacsv.ParseOptions(quote_char=False, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.large_string()),
                strings_can_be_null=False, quoted_strings_can_be_null=False),
        )
    except pa.ArrowInvalid:
        return None
    frame = table.to_pandas()
    frame.columns = range(width)
    return frame


_LINE_END_BYTES = re.compile(rb"\r\n|\n|\r")


def _csv_body(text: str, header_idx: int, width: int) -> pd.DataFrame | None:
    """The lines under the header with pandas' C parser, one frame row per physical line;
    None when a line has more cells than the header (the csv module instead)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", pd.errors.ParserWarning)
        try:
            frame = pd.read_csv(
                io.StringIO(text), header=None, skiprows=header_idx + 1, names=range(width),
                index_col=False, dtype=str, na_filter=False, skip_blank_lines=False,
                engine="c",
            )
        except (pd.errors.ParserWarning, pd.errors.ParserError, pd.errors.EmptyDataError):
            return None
    return frame.astype(str)


def read_csv_file(
    path: Path, source_file: str, hmap: HeaderMap, known_schools: frozenset[str]
) -> FileRead:
    """One CSV roster (any supported encoding)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{source_file}: cannot be read ({exc.strerror})") from None
    text, encoding = decode_bytes(data, source_file)
    try:
        head = list(csv.reader(_head_lines(text)))
    except csv.Error as exc:
        raise InputError(f"{source_file}: not a readable CSV ({exc})") from None
    header_idx = _find_header(head, hmap)
    if header_idx is None:
        raise InputError(f"{source_file}: {_missing_message(head, hmap)}")
    header = head[header_idx]
    if encoding == "utf-8":
        utf8 = data
    elif encoding == "utf-8-sig":
        utf8 = data[3:]
    else:
        utf8 = text.encode("utf-8")
    body = _arrow_body(utf8, header_idx, len(header))
    if body is None and '"' not in text:
        body = _csv_body(text, header_idx, len(header))
    if body is None:  # quoted cells (maybe spanning lines) or ragged lines: the csv module
        try:
            grid = list(csv.reader(_lines(text)))
        except csv.Error as exc:
            raise InputError(f"{source_file}: not a readable CSV ({exc})") from None
        rest = grid[header_idx + 1:]
        width = max([len(header)] + [len(r) for r in rest])
        body = _body_frame(rest, width)
    records, skipped, ignored, suggestions = _table(
        header, body, header_idx + 2, hmap, known_schools)
    return FileRead(source_file, records, encoding=encoding, skipped_lines=skipped,
                    ignored_columns=ignored, suggestions=suggestions)


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
        grid = [[_cell_text(v) for v in row] for row in values]
        header_idx = _find_header(grid, hmap)
        if header_idx is None:
            skipped_sheets.append(name)
            best_grid = best_grid or grid
            continue
        rest = grid[header_idx + 1:]
        width = max([len(grid[header_idx])] + [len(r) for r in rest])
        recs, sk, ign, sug = _table(grid[header_idx], _body_frame(rest, width),
                                    header_idx + 2, hmap, known_schools, sheet=name)
        parts.append(recs)
        sheets.append(name)
        skipped += sk
        ignored += [c for c in ign if c not in ignored]
        suggestions.update(sug)
    if not sheets:
        if not any(any(str(c).strip() for c in r) for r in best_grid):
            raise InputError(f"{source_file}: the workbook is empty")
        raise InputError(f"{source_file}: {_missing_message(best_grid, hmap)}")
    return FileRead(source_file, pd.concat(parts, ignore_index=True), sheets=sheets,
                    skipped_sheets=skipped_sheets, skipped_lines=skipped,
                    ignored_columns=ignored, suggestions=suggestions)


def _missing_message(grid: list[list[str]], hmap: HeaderMap) -> str:
    """Which required columns the best candidate header row lacks."""
    best: set[str] = set()
    for row in grid[:HEADER_SCAN_ROWS]:
        found = set(hmap.resolve([str(c) for c in row]).values())
        if len(found) > len(best):
            best = found
    if not best:
        return "no header row naming the required columns was found"
    missing = [f for f in hmap.required if f not in best]
    return "missing required column(s): " + ", ".join(missing)


def read_file(
    path: Path, source_file: str, hmap: HeaderMap, known_schools: frozenset[str],
    notes: bool = True,
) -> FileRead:
    """Read one raw file by its type; InputError with one line when it is unusable.

    With ``notes`` (the default) what was noticed is logged at once (:func:`log_notes`);
    a caller reading files in parallel logs them itself, in file order.
    """
    suffix = path.suffix.lower()
    if suffix == ".csv":
        result = read_csv_file(path, source_file, hmap, known_schools)
    elif suffix in (".xlsx", ".xlsm", ".xls"):
        result = read_workbook(path, source_file, hmap, known_schools)
    else:
        raise InputError(f"{source_file}: unsupported file type {suffix or '(none)'}")
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


# ---------------------------------------------------------------- folders

def periods_in(raw_dir: Path) -> list[str]:
    """Monthly folders (YYYY-MM) under the raw folder, sorted."""
    if not raw_dir.is_dir():
        raise InputError(f"{raw_dir}: raw data folder not found")
    return sorted(
        p.name for p in raw_dir.iterdir()
        if p.is_dir() and re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", p.name)
    )


def raw_files(raw_dir: Path, period: str) -> list[tuple[str, Path]]:
    """(source_file, path) of every submission in the folders up to the period, in order."""
    found = []
    for folder in periods_in(raw_dir):
        if folder > period:
            break
        for p in sorted((raw_dir / folder).iterdir(), key=lambda q: q.name):
            if p.is_file() and not p.name.startswith((".", "~$")) and p.name.lower() not in (
                "readme.md", "readme.txt"
            ):
                found.append((f"{folder}/{p.name}", p))
    return found
