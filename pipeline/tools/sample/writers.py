"""One file of the sample: its table (headings, columns) and the CSV or XLSX it is written as,
printed-form titles, blank rows and footers included."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.io import fixed_workbook, reproducible_xlsx
from pipeline.tools.sample import invented as inv
from pipeline.tools.sample.records import Records
from pipeline.tools.sample.render import cat, pick, render
from pipeline.tools.sample.styles import FileStyle, header_text
from pipeline.tools.sample.vocabulary import Vocabulary

FIXED_TIME = dt.datetime(2019, 9, 1, 0, 0, 0)
ENCODINGS = {"csv-utf8": "utf-8", "csv-bom": "utf-8-sig", "csv-gbk": "gbk"}


@dataclass(frozen=True)
class Table:
    """What one file holds: headings, columns (in file order), its style, the title of a
    printed form and the month's folder (YYYY-MM)."""

    header: list[str]
    cols: dict[str, np.ndarray]
    style: FileStyle
    title: str
    folder: str


def _extra_values(name: str, n: int, rng: np.random.Generator) -> np.ndarray:
    if name == "联系电话":  # masked, never a complete number
        pre = rng.choice(["138", "139", "150", "186", "155", "131"], n)
        tail = np.char.zfill(rng.integers(0, 10000, n).astype("U4"), 4)
        return cat(pre.astype(object), np.full(n, "****", dtype=object), tail)
    out = np.full(n, "", dtype=object)
    sel = rng.random(n) < 0.05
    out[sel] = pick(inv.REMARKS, rng.integers(0, len(inv.REMARKS), int(sel.sum())))
    return out


def table(data: Records, rows: np.ndarray, st: FileStyle, schools: pd.DataFrame,
          vocab: Vocabulary, rng: np.random.Generator
          ) -> tuple[list[str], dict[str, np.ndarray]]:
    """Header texts and column values (in file order) of one file's table; a field the header
    map does not name is left out."""
    values = render(data, rows, st, schools, vocab, rng)
    fields = [f for f in st.order if f in values and f in vocab.headers]
    header = [header_text(f, st, vocab) for f in fields]
    cols = {h: values[f] for h, f in zip(header, fields, strict=True)}
    if st.serial_col:
        key = "序 号" if st.header == "spaced" else "序号"
        cols = {key: np.arange(1, len(rows) + 1)} | cols
        header = [key, *header]
    if st.extra_col:
        cols[st.extra_col] = _extra_values(st.extra_col, len(rows), rng)
        header.append(st.extra_col)
    return header, cols


def _footer(folder: str, n: int, rng: np.random.Generator) -> list[list[str]]:
    """Lines under a printed table (each a list of cells): total, signatures, date, remark."""
    y, m = folder.split("-")
    last = (dt.date(int(y), int(m), 28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(1)
    sur = list(inv.SURNAMES)
    filler = f"{sur[rng.integers(len(sur))]}{inv.GIVEN_F[rng.integers(len(inv.GIVEN_F))]}"
    checker = f"{sur[rng.integers(len(sur))]}{inv.GIVEN_M[rng.integers(len(inv.GIVEN_M))]}"
    total = "合计" if rng.random() < 0.7 else "总计"
    lines = [
        [f"{total}：{n}人"] if rng.random() < 0.5 else [total, str(n)],
        [f"填表人：{filler}  审核人：{checker}"],
        [f"填报日期：{last.year}年{last.month}月{last.day}日"],
    ]
    if rng.random() < 0.5:
        lines.append(["备注：学籍状态以技工院校学籍管理系统为准。"])
    return lines


def _title(st: FileStyle, schools: pd.DataFrame, vocab: Vocabulary) -> str:
    name = schools["school_name"].iat[st.school]
    y, m = vocab.folders[st.folder].split("-")
    return f"{name}{vocab.window_start.year}年扩招新生花名册（{y}年{int(m)}月报送）"


def _blank_positions(n: int, rng: np.random.Generator) -> np.ndarray:
    """Positions (before row i) of blank rows inside a printed table."""
    k = min(10, max(1, n // 200)) if n >= 3 else 0
    return np.sort(rng.integers(1, max(2, n), k)) if k else np.zeros(0, dtype=np.int64)


def _csv_lines(columns: list[list], width: int) -> list[str]:
    """The table's lines, joined with ``str.join`` (several times faster than
    ``DataFrame.to_csv`` here); no generated value needs CSV quoting, which is checked, with
    the csv module as fallback."""
    lines = [",".join(r) for r in zip(*columns, strict=True)]
    joined = "".join(lines)
    if joined.count(",") != len(lines) * (width - 1) or any(ch in joined for ch in '"\r\n'):
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(zip(*columns, strict=True))
        lines = buf.getvalue().split("\n")[:-1]
    return lines


def write_csv(path: Path, t: Table, rng: np.random.Generator) -> None:
    """One CSV file as a spreadsheet exports it (every line padded to the table's width)."""
    header, st = t.header, t.style
    width = len(header)
    eol = "\r\n" if st.crlf else "\n"
    columns = [(c if c.dtype == object else c.astype(str)).tolist() for c in t.cols.values()]
    lines = _csv_lines(columns, width)
    n = len(lines)
    pad = "," * (width - 1)
    lead: list[str] = []
    tail: list[str] = []
    if st.printed:
        lead = [t.title + pad] + [pad] * int(rng.integers(1, 3))
        cuts = [0, *_blank_positions(n, rng).tolist(), n]
        lines = [ln for a, b in zip(cuts[:-1], cuts[1:], strict=True)
                 for ln in ([pad] if a else []) + lines[a:b]]
        tail = [",".join(c) + "," * (width - len(c)) for c in _footer(t.folder, n, rng)]
    text = eol.join([*lead, ",".join(header), *lines, *tail]) + eol
    path.write_bytes(text.encode(ENCODINGS[st.fmt]))


def _instruction_sheet(wb) -> None:
    ws = wb.create_sheet("填表说明")
    for line in inv.INSTRUCTIONS:
        ws.append([line])


def _sheet(wb, name: str, t: Table, part: list[tuple], rng: np.random.Generator) -> None:
    """One roster sheet: title (merged) and a blank line if printed, header, records with
    blank rows, footer."""
    header, st = t.header, t.style
    ws = wb.create_sheet(name)
    if st.printed:
        ws.append([t.title])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
        ws.append([])
    ws.append(header)
    blanks = set(_blank_positions(len(part), rng).tolist()) if st.printed else set()
    for i, rec in enumerate(part):
        if i in blanks:
            ws.append([])
        ws.append(rec)
    if st.printed:
        ws.append([])
        for cells in _footer(t.folder, len(part), rng):
            ws.append(cells)
    ws.column_dimensions["C" if header[0] != "序号" else "D"].width = 22


def write_xlsx(path: Path, t: Table, rng: np.random.Generator) -> None:
    """One workbook: a sheet of the roster, or two classes' sheets and an instruction sheet."""
    st = t.style
    n = len(next(iter(t.cols.values())))
    records = list(zip(*[t.cols[h].tolist() for h in t.header], strict=True))
    wb = fixed_workbook("kuozhao sample (synthetic)", FIXED_TIME, title="SYNTHETIC sample data")
    parts = [records]
    names = ["Sheet1" if rng.random() < 0.5 else "花名册"]
    if st.multi_sheet:
        half = (n + 1) // 2
        parts = [records[:half], records[half:]]
        names = [f"{t.folder[:4]}级1班", f"{t.folder[:4]}级2班"]
    instructions_first = bool(rng.random() < 0.5)
    if st.multi_sheet and instructions_first:
        _instruction_sheet(wb)
    for name, part in zip(names, parts, strict=True):
        _sheet(wb, name, t, part, rng)
    if st.multi_sheet and not instructions_first:
        _instruction_sheet(wb)
    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(reproducible_xlsx(buf.getvalue(), FIXED_TIME))


def write_file(path: Path, data: Records, rows: np.ndarray, st: FileStyle, *,
               schools: pd.DataFrame, vocab: Vocabulary, rng: np.random.Generator) -> None:
    """Write the file of style ``st`` holding ``rows`` (``path`` without its extension)."""
    header, cols = table(data, rows, st, schools, vocab, rng)
    t = Table(header, cols, st, _title(st, schools, vocab), vocab.folders[st.folder])
    if st.fmt == "xlsx":
        write_xlsx(path.parent / f"{path.name}.xlsx", t, rng)
    else:
        write_csv(path.parent / f"{path.name}.csv", t, rng)
