"""Text files as schools send them: the encoding detected from the bytes (UTF-8 with or
without BOM, GBK/GB18030, UTF-16 — Excel's and WPS's "Unicode text"), the delimiter (comma,
tab or semicolon), and the lines — every physical line accounted for: a line is a record of
its own, or part of a properly quoted cell that spans lines; a cell that opens with a quote
that never closes is read literally, as Excel does, not as the start of a multi-line field.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass

from pipeline.errors import InputError

_LINE_END = re.compile(r"\r\n|\n|\r")
DELIMITERS = (",", "\t", ";")
# A quoted cell may span at most this many physical lines; a quote still open after them
# (or at the end of the file) is read literally.
MAX_CELL_LINES = 20


def decode_bytes(data: bytes, name: str) -> tuple[str, str]:
    """Decode a text file's bytes, detecting the encoding; InputError if not text."""
    if not data.strip():
        raise InputError(key="empty_file", file=name)
    if data.startswith(b"\xef\xbb\xbf"):
        return _strict(data[3:], "utf-8", name), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _strict(data, "utf-16", name), "utf-16"
    if _looks_utf16le(data):
        return _strict(data, "utf-16-le", name), "utf-16-le"
    if b"\x00" in data[:8192]:
        raise InputError(key="binary_file", file=name)
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


def _looks_utf16le(data: bytes) -> bool:
    """UTF-16 without a byte-order mark: a zero in most odd bytes of the first ones."""
    head = data[:400]
    return len(head) >= 4 and head[1::2].count(0) >= 0.6 * len(head[1::2]) and (
        head[0::2].count(0) < 0.2 * len(head[0::2]))


def _strict(data: bytes, encoding: str, name: str) -> str:
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        raise InputError(key="unreadable_text", file=name) from None
    if "\x00" in text[:8192]:
        raise InputError(key="binary_file", file=name)
    return text


def physical_lines(text: str) -> list[str]:
    """Every physical line (CR LF, LF or CR ends one)."""
    found = _LINE_END.split(text)
    if found and found[-1] == "":
        found.pop()  # the end of the last line, not a line
    return found


def count_lines(data: bytes) -> int:
    """How many physical lines some bytes hold (fast: three byte counts)."""
    if not data:
        return 0
    ends = data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n")
    return ends + (0 if data.endswith((b"\n", b"\r")) else 1)


def sniff_delimiter(lines: list[str]) -> str:
    """The delimiter that splits the most of the first lines into several cells (a comma
    wins ties)."""
    def score(d: str) -> int:
        return sum(line.count(d) > 0 for line in lines) * 1000 + sum(
            line.count(d) for line in lines)

    best = max(DELIMITERS, key=score)
    return best if score(best) > 0 else ","


@dataclass(frozen=True)
class Line:
    """A logical line: its cells, the index of its first physical line, how many physical
    lines it takes (more than one when a quoted cell spans lines)."""

    cells: list[str]
    first: int
    spans: int = 1


def logical_lines(lines: list[str], delimiter: str) -> list[Line]:
    """The physical lines grouped into logical ones, every physical line in exactly one."""
    out: list[Line] = []
    i, n = 0, len(lines)
    while i < n:
        line = lines[i]
        if '"' not in line:
            out.append(Line(line.split(delimiter), i))
            i += 1
            continue
        spans = _quoted_span(lines, i, delimiter)
        if spans:
            out.append(Line(_parse(lines[i:i + spans], delimiter), i, spans))
            i += spans
        else:  # a quote that never closes: the line as it is, quotes and all
            out.append(Line(line.split(delimiter), i))
            i += 1
    return out


def _quoted_span(lines: list[str], i: int, delimiter: str) -> int:
    """How many physical lines from ``i`` a properly quoted record takes (0: it never
    closes within :data:`MAX_CELL_LINES` lines or before the end)."""
    state = _quote_state("", delimiter)
    for k in range(min(MAX_CELL_LINES, len(lines) - i)):
        state = _quote_state(lines[i + k], delimiter, state)
        if state is None:
            return 0
        if not state[0]:
            return k + 1
        state = (state[0], "\n")
    return 0


def _quote_state(text: str, delimiter: str, state: tuple[bool, str] | None = None
                 ) -> tuple[bool, str] | None:
    """Scan CSV text: (inside a quoted cell at the end, the last character); None when a
    closing quote is followed by something else than a delimiter (not proper quoting)."""
    inside, prev = state or (False, delimiter)
    j, n = 0, len(text)
    while j < n:
        ch = text[j]
        if inside:
            if ch == '"':
                if j + 1 < n and text[j + 1] == '"':
                    j += 2
                    continue
                inside = False
                if j + 1 < n and text[j + 1] != delimiter:
                    return None
        elif ch == '"' and prev in (delimiter, "\n"):
            inside = True
        prev = ch
        j += 1
    return inside, prev


def _parse(lines: list[str], delimiter: str) -> list[str]:
    """The cells of one properly quoted record (a line break inside a cell is kept)."""
    return next(csv.reader(lines, delimiter=delimiter), [])
