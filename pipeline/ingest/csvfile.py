"""CSV rosters: Arrow's parser for plain files (the fast path), pandas' or the csv module
for quoted or ragged ones."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pandas as pd

from pipeline.errors import InputError
from pipeline.ingest.headers import HeaderMap, find_header, missing_message
from pipeline.ingest.table import FileRead, body_frame, records_under
from pipeline.ingest.text import decode_bytes, head_lines, lines


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
        head = list(csv.reader(head_lines(text)))
    except csv.Error as exc:
        raise InputError(f"{source_file}: not a readable CSV ({exc})") from None
    header_idx = find_header(head, hmap)
    if header_idx is None:
        raise InputError(f"{source_file}: {missing_message(head, hmap)}")
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
            grid = list(csv.reader(lines(text)))
        except csv.Error as exc:
            raise InputError(f"{source_file}: not a readable CSV ({exc})") from None
        rest = grid[header_idx + 1:]
        width = max([len(header)] + [len(r) for r in rest])
        body = body_frame(rest, width)
    records, skipped, ignored, suggestions = records_under(
        header, body, header_idx + 2, hmap, known_schools)
    return FileRead(source_file, records, encoding=encoding, skipped_lines=skipped,
                    ignored_columns=ignored, suggestions=suggestions)


