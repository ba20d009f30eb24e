"""Files that are, or look like, workbooks, read into grids of text (one per sheet).

- XLSX/XLSM/ODS and binary XLS through calamine; before calamine sees an XLSX, each
  sheet's extent is checked on its XML (calamine allocates the whole rectangle of the cells
  present, so one stray cell at XFD1048576 would ask for 550 GB and end the process): a
  sheet whose cells span more than :data:`MAX_CELLS` is refused by name.
- Excel 2003 XML (SpreadsheetML), as old school systems export it under an ``.xls`` name.
- HTML tables saved with an ``.xls`` name (WPS and web systems do).
"""

from __future__ import annotations

import io
import re
import zipfile
from html.parser import HTMLParser
from xml.etree import ElementTree

from pipeline.errors import InputError
from pipeline.ingest.table import cell_text
from pipeline.ingest.text import decode_bytes

MAX_CELLS = 20_000_000  # ~0.7 GB in calamine, several GB as Python text: the memory cap
MAX_GAP = 10_000  # rows or columns a SpreadsheetML file may skip at once
SS = "urn:schemas-microsoft-com:office:spreadsheet"
Grid = list[list[str]]


def sniff(data: bytes) -> str:
    """What a file's first bytes say it is: ``zip``, ``ole`` (binary XLS), ``spreadsheetml``,
    ``html`` or ``text``."""
    if data.startswith(b"PK\x03\x04"):
        return "zip"
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"<?xml") and b"urn:schemas-microsoft-com:office:spreadsheet" in data[
            :65536]:
        return "spreadsheetml"
    if head.startswith((b"<!doctype html", b"<html", b"<table", b"<meta")) or (
            b"<table" in head and head.startswith(b"<")):
        return "html"
    return "text"


def workbook_sheets(data: bytes, kind: str, source_file: str) -> list[tuple[str, Grid]]:
    """The sheets of a workbook-like file as grids of text, in order."""
    if kind in ("zip", "ole"):
        if kind == "zip":
            _check_extent(data, source_file)
        return _calamine(data, source_file)
    if kind == "spreadsheetml":
        return _spreadsheetml(data, source_file)
    return _html_tables(data, source_file)


def _calamine(data: bytes, source_file: str) -> list[tuple[str, Grid]]:
    from python_calamine import CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception:  # calamine raises several types for broken zips and XML
        raise InputError(key="unreadable_workbook", file=source_file) from None
    sheets = []
    for name in wb.sheet_names:
        try:
            values = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
        except Exception:
            raise InputError(key="unreadable_sheet", file=source_file, sheet=name) from None
        sheets.append((name, [[cell_text(v) for v in row] for row in values]))
    return sheets


_DIMENSION = re.compile(rb'<dimension ref="([A-Z]{1,3})(\d+)(?::([A-Z]{1,3})(\d+))?"')
_CELL = re.compile(rb'<c r="([A-Z]{1,3})(\d+)"[^>]*?(/?)>')
_TAG = re.compile(rb"<(?:\w+:)?(sheet|Relationship)\s[^>]*>")
_ATTR = re.compile(rb'([\w:]+)="([^"]*)"')


def _column(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _check_extent(data: bytes, source_file: str) -> None:
    """Refuse, by sheet and cell, an XLSX sheet whose cells span more than MAX_CELLS."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        names = _sheet_files(zf)
    except (zipfile.BadZipFile, KeyError, OSError):
        return  # calamine's own error names the file
    for sheet, member in names.items():
        try:
            xml = zf.read(member)
        except (KeyError, OSError, zipfile.BadZipFile):
            continue
        dim = _DIMENSION.search(xml[:4096])
        if dim and dim.group(3) and _area(dim.group(1), dim.group(2), dim.group(3),
                                          dim.group(4)) <= MAX_CELLS:
            continue
        rows, cols, far = 0, 0, b""
        for m in _CELL.finditer(xml):
            if m.group(3):  # <c …/>: a formatted cell with no value
                continue
            r, c = int(m.group(2)), _column(m.group(1))
            if r * c > rows * cols:
                far = m.group(1) + m.group(2)
            rows, cols = max(rows, r), max(cols, c)
        if rows * cols > MAX_CELLS:
            raise InputError(key="sheet_too_large", file=source_file, sheet=sheet,
                             cell=far.decode(), rows=f"{rows:,}", cols=f"{cols:,}")


def _area(c1: bytes, r1: bytes, c2: bytes, r2: bytes) -> int:
    return (int(r2) - int(r1) + 1) * (_column(c2) - _column(c1) + 1)


def _sheet_files(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → its XML member, from the workbook and its relationships (attributes in
    any order); every worksheet member is listed, by its file name where no sheet names it."""
    rels = {}
    for tag in _TAG.finditer(zf.read("xl/_rels/workbook.xml.rels")):
        attrs = dict(_ATTR.findall(tag.group(0)))
        rels[attrs.get(b"Id", b"")] = attrs.get(b"Target", b"").decode()
    out = {}
    for tag in _TAG.finditer(zf.read("xl/workbook.xml")):
        attrs = dict(_ATTR.findall(tag.group(0)))
        target = rels.get(attrs.get(b"r:id", b""), "")
        if target:
            member = target.lstrip("/") if target.startswith("/") else "xl/" + target
            out[attrs.get(b"name", b"").decode("utf-8", "replace")] = member
    for member in zf.namelist():
        if member.startswith("xl/worksheets/") and member.endswith(".xml") and (
                member not in out.values()):
            out[member.rsplit("/", 1)[-1]] = member
    return out


def _spreadsheetml(data: bytes, source_file: str) -> list[tuple[str, Grid]]:
    """Excel 2003 XML: every Worksheet's Table as a grid (ss:Index gaps and MergeAcross
    honoured, dates as YYYY-MM-DD)."""
    try:
        root = ElementTree.fromstring(_as_utf8_xml(data))
    except (ElementTree.ParseError, LookupError, UnicodeDecodeError):
        raise InputError(key="resave_xlsx", file=source_file, what="Excel 2003 XML") from None
    sheets = []
    for n, ws in enumerate(root.iter(f"{{{SS}}}Worksheet"), 1):
        name = ws.get(f"{{{SS}}}Name") or f"Sheet{n}"
        grid: Grid = []
        for row in ws.iter(f"{{{SS}}}Row"):
            _skip_to(grid, row.get(f"{{{SS}}}Index"), [], source_file, name)
            grid.append(_ss_cells(row, source_file, name))
        sheets.append((name, grid))
    return sheets


_XML_ENCODING = re.compile(rb'^(\s*<\?xml[^>]*?encoding=["\'])([^"\']+)(["\'])')


def _as_utf8_xml(data: bytes) -> bytes:
    """XML bytes the standard parser reads: a document declared in another encoding (GB2312,
    GBK, GB18030, as Chinese systems write them) is decoded and declared UTF-8."""
    m = _XML_ENCODING.match(data)
    if not m or m.group(2).lower().replace(b"_", b"-") in (b"utf-8", b"utf8", b"us-ascii"):
        return data
    encoding = m.group(2).decode("ascii").lower()
    if encoding in ("gb2312", "gbk"):
        encoding = "gb18030"
    text = data.decode(encoding)
    return _XML_ENCODING.sub(rb"\1utf-8\3", text.encode("utf-8"), count=1)


def _ss_cells(row: ElementTree.Element, source_file: str, sheet: str) -> list[str]:
    cells: list[str] = []
    for cell in row.findall(f"{{{SS}}}Cell"):
        _skip_to(cells, cell.get(f"{{{SS}}}Index"), "", source_file, sheet)
        data = cell.find(f"{{{SS}}}Data")
        text = "".join(data.itertext()) if data is not None else ""
        if data is not None and data.get(f"{{{SS}}}Type") == "DateTime":
            text = text[:10] if text[10:19] in ("", "T00:00:00") else text.replace("T", " ")
        cells.append(text)
        cells += [""] * int(cell.get(f"{{{SS}}}MergeAcross") or 0)
    return cells


def _skip_to(items: list, index: str | None, blank: object, source_file: str,
             sheet: str) -> None:
    """Pad ``items`` up to a 1-based ``ss:Index`` (refusing absurd gaps)."""
    if not index:
        return
    gap = int(index) - 1 - len(items)
    if gap > MAX_GAP:
        raise InputError(key="sheet_too_large", file=source_file, sheet=sheet,
                         cell=f"#{index}", rows="?", cols="?")
    items.extend([blank] * max(gap, 0))


class _Tables(HTMLParser):
    """The text of every <table>'s cells (colspan honoured, nested tables flattened)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables: list[Grid] = []
        self._cell: list[str] | None = None
        self._span = 1

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th") and self.tables and self.tables[-1]:
            self._cell, span = [], dict(attrs).get("colspan") or "1"
            self._span = int(span) if span.isdigit() else 1
        elif tag == "br" and self._cell is not None:
            self._cell.append("\n")

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1] += [" ".join("".join(self._cell).split())] + [""] * (
                self._span - 1)
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _html_tables(data: bytes, source_file: str) -> list[tuple[str, Grid]]:
    text, _ = decode_bytes(data, source_file)
    parser = _Tables()
    parser.feed(text)
    parser.close()
    tables = [t for t in parser.tables if t]
    if not tables:
        raise InputError(key="resave_xlsx", file=source_file, what="HTML")
    if len(tables) == 1:
        return [("", tables[0])]
    return [(f"表{i}", t) for i, t in enumerate(tables, 1)]
