"""Text files as schools send them: the encoding detected from the bytes, lines split as
the CSV parsers split them."""

from __future__ import annotations

import re

from pipeline.errors import InputError
from pipeline.ingest.headers import HEADER_SCAN_ROWS


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

_LINE_END = re.compile(r"\r\n|\n|\r")


def head_lines(text: str) -> list[str]:
    r"""The first ``HEADER_SCAN_ROWS`` physical lines (``\\r\\n``, ``\\n`` or ``\\r`` ends one, as
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


def lines(text: str) -> list[str]:
    """Every physical line, split as :func:`head_lines` and the CSV parsers split them."""
    lines = _LINE_END.split(text)
    if lines and lines[-1] == "":
        lines.pop()  # the end of the last line, not a line
    return lines


