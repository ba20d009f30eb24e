"""Text rosters (CSV, tab-separated "Unicode text"): Arrow's parser for plain files (the fast
path), pandas' for ragged ones, and the careful path for quoted ones (:mod:`.text`). Whatever
the path, the number of lines it gives is checked against the physical lines of the file."""

from __future__ import annotations

import io
import re
import warnings

import numpy as np
import pandas as pd

from pipeline.errors import InputError
from pipeline.ingest.headers import HEADER_SCAN_ROWS, find_header, missing_fields_error
from pipeline.ingest.roster import Place, Reader, read_table
from pipeline.ingest.table import FileRead, body_frame
from pipeline.ingest.text import (
    count_lines,
    decode_bytes,
    logical_lines,
    physical_lines,
    sniff_delimiter,
)

_LINE_END_BYTES = re.compile(rb"\r\n|\n|\r")
_LINE_END = re.compile(r"\r\n|\n|\r")


def read_csv_file(data: bytes, source_file: str, stem: str, reader: Reader) -> FileRead:
    """One text roster (any supported encoding and delimiter)."""
    text, encoding = decode_bytes(data, source_file)
    head = _head(text)
    delimiter = sniff_delimiter(head)
    if '"' in text:
        return _careful(text, encoding, delimiter, source_file, stem, reader)
    cells = [line.split(delimiter) for line in head]
    header_idx = find_header(cells, reader.hmap)
    if header_idx is None:
        raise missing_fields_error(source_file, cells, reader.hmap)
    utf8 = data[3:] if encoding == "utf-8-sig" else (
        data if encoding == "utf-8" else text.encode("utf-8"))
    width = len(cells[header_idx])
    body, lines = _fast_body(utf8, header_idx, width, delimiter)
    if body is None:
        return _careful(text, encoding, delimiter, source_file, stem, reader)
    rows = np.arange(header_idx + 2, header_idx + 2 + lines, dtype=np.int64)
    got = read_table(cells[:header_idx], cells[header_idx], body, rows, reader,
                     Place(source_file, stem))
    return got.file_read(source_file, kind="csv", encoding=encoding, lines=lines)


def _head(text: str) -> list[str]:
    """The first ``HEADER_SCAN_ROWS`` physical lines, read from the start of the text only."""
    found: list[str] = []
    pos = 0
    for m in _LINE_END.finditer(text):
        found.append(text[pos:m.start()])
        pos = m.end()
        if len(found) == HEADER_SCAN_ROWS:
            return found
    if pos < len(text):
        found.append(text[pos:])
    return found


def _fast_body(data: bytes, header_idx: int, width: int, delimiter: str
               ) -> tuple[pd.DataFrame | None, int]:
    """The lines under the header, one frame row per physical line (Arrow's parser, else
    pandas' C parser for ragged lines), and how many physical lines there are; (None, n)
    when neither gives one row per line (the careful path then reads the file)."""
    pos = 0
    for _ in range(header_idx + 1):
        m = _LINE_END_BYTES.search(data, pos)
        if m is None:
            return (body_frame([], width), 0)
        pos = m.end()
    lines = count_lines(data[pos:])
    frame = _arrow_body(data, pos, width, delimiter) if lines else body_frame([], width)
    if frame is None:
        frame = _pandas_body(data[pos:], width, delimiter)
    if frame is None or len(frame) != lines:  # checked apart from the parser
        return None, lines
    return frame, lines


def _arrow_body(data: bytes, pos: int, width: int, delimiter: str) -> pd.DataFrame | None:
    """Arrow's CSV parser on the bytes from ``pos`` (no copy), every value text; None when a
    line has another number of cells than the header."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    names = [str(i) for i in range(width)]
    try:
        table = pacsv.read_csv(
            pa.BufferReader(pa.py_buffer(data)[pos:]),
            read_options=pacsv.ReadOptions(column_names=names),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, quote_char=False,
                                             ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.large_string()),
                strings_can_be_null=False, quoted_strings_can_be_null=False),
        )
    except pa.ArrowInvalid:
        return None
    frame = table.to_pandas()
    frame.columns = range(width)
    return frame


def _pandas_body(data: bytes, width: int, delimiter: str) -> pd.DataFrame | None:
    """The C parser of pandas, one frame row per physical line; None when a line has more cells
    than the header."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", pd.errors.ParserWarning)
        try:
            frame = pd.read_csv(
                io.BytesIO(data), header=None, names=range(width), index_col=False, dtype=str,
                na_filter=False, skip_blank_lines=False, engine="c", sep=delimiter,
                quoting=3, encoding="utf-8")
        except (pd.errors.ParserWarning, pd.errors.ParserError, pd.errors.EmptyDataError):
            return None
    return frame.astype(str)


def _careful(text: str, encoding: str, delimiter: str, source_file: str, stem: str,
             reader: Reader) -> FileRead:
    """Quoted files: lines grouped by :func:`pipeline.ingest.text.logical_lines`."""
    physical = physical_lines(text)
    logical = logical_lines(physical, delimiter)
    cells = [line.cells for line in logical[:HEADER_SCAN_ROWS]]
    header_idx = find_header(cells, reader.hmap)
    if header_idx is None:
        raise missing_fields_error(source_file, cells, reader.hmap)
    body = logical[header_idx + 1:]
    width = max([len(cells[header_idx])] + [len(line.cells) for line in body])
    frame = body_frame([line.cells for line in body], width)
    rows = np.array([line.first + 1 for line in body], dtype=np.int64)
    header = logical[header_idx]
    lines = len(physical) - header.first - header.spans
    continued = sum(line.spans - 1 for line in body)
    if len(body) + continued != lines:  # every physical line is in exactly one
        raise InputError(key="lines_unaccounted", file=source_file, line=header.first + 1)
    got = read_table(cells[:header_idx], cells[header_idx], frame, rows, reader,
                     Place(source_file, stem))
    return got.file_read(source_file, kind="csv", encoding=encoding, lines=lines,
                         continuation_lines=continued)
