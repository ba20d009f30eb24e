"""Text rows built a column at a time (pipeline.io.rows_xml): what openpyxl and calamine
read back is the text, inert, with XML's forbidden characters left out."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pandas as pd
from hypothesis import example, given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from pipeline.io import fixed_workbook, inert, reproducible_xlsx, rows_xml, style_of

WHEN = dt.datetime(2020, 4, 30)
SHEET = "xl/worksheets/sheet1.xml"


def workbook_bytes(frame: pd.DataFrame) -> bytes:
    wb = fixed_workbook("kuozhao", WHEN, write_only=True)
    ws = wb.create_sheet("S01")
    ws.freeze_panes = "A2"
    ws.append(list(frame.columns))
    buf = io.BytesIO()
    wb.save(buf)
    return reproducible_xlsx(buf.getvalue(), WHEN, {SHEET: rows_xml(frame, 2)})


def read_back(content: bytes) -> list[list[object]]:
    ws = openpyxl.load_workbook(io.BytesIO(content)).active
    assert ws.freeze_panes == "A2"
    return [[c.value for c in row] for row in ws.iter_rows(min_row=2)]


def test_escaped_inert_and_empty_cells() -> None:
    frame = pd.DataFrame({
        "a": ["<script>&x", "=HYPERLINK(\"x\")", " padded ", "a\x07b"],
        "b": [None, "", "-3", "@sum"],
        "c": [1, 2, 3, float("nan")],
    })
    rows = read_back(workbook_bytes(frame))
    assert rows == [["<script>&x", None, "1.0"],
                    ["'=HYPERLINK(\"x\")", None, "2.0"],
                    [" padded ", "'-3", "3.0"],
                    ["ab", "'@sum", None]]
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(workbook_bytes(frame))).get_sheet_by_index(0)
    assert sheet.to_python()[1][0] == "<script>&x"


def test_same_rows_same_bytes() -> None:
    frame = pd.DataFrame({"a": ["x", "y"]})
    assert workbook_bytes(frame) == workbook_bytes(frame.copy())


@settings(max_examples=40, deadline=None)
@given(st.lists(st.text(max_size=30), min_size=1, max_size=12))
@example(["\x1f="])  # a forbidden character before a formula sign: still inert
def test_any_text_reads_back_as_its_inert_self(texts: list[str]) -> None:
    legal = ["".join(ch for ch in t if ch in "\t\n\r" or ch >= " ")
             .replace("\ufffe", "").replace("\uffff", "") for t in texts]
    rows = read_back(workbook_bytes(pd.DataFrame({"a": texts})))
    rows += [[None]] * (len(texts) - len(rows))  # trailing rows without a cell are not read
    expected = [[inert(t)] if t else [None] for t in legal]
    # openpyxl reads a lone \r inside a cell as written; XML normalises \r\n and \r to \n
    def norm(v: str | None) -> str | None:
        return None if v is None else v.replace("\r\n", "\n").replace("\r", "\n")

    assert [[norm(v) for v in r] for r in rows] == [[norm(v) for v in r] for r in expected]


def test_numbers_and_dates_are_cells_of_their_kind() -> None:
    from openpyxl.cell import WriteOnlyCell

    wb = fixed_workbook("kuozhao", WHEN, write_only=True)
    ws = wb.create_sheet("S01")
    head = WriteOnlyCell(ws, value="录取日期")
    head.number_format = "yyyy-mm-dd"
    ws.append(["行号", head, "文件"])
    buf = io.BytesIO()
    wb.save(buf)
    style = style_of(buf.getvalue(), SHEET, "B1")
    assert style is not None
    frame = pd.DataFrame({"row": [7, None], "date": [pd.Timestamp("2019-09-12"), pd.NaT],
                          "file": ["a.csv", "b.csv"]})
    frame["row"] = frame["row"].astype("Int64")
    content = reproducible_xlsx(buf.getvalue(), WHEN, {SHEET: rows_xml(
        frame, 2, numbers=("row",), dates=("date",), date_style=style)})
    rows = [[c.value for c in r] for r in openpyxl.load_workbook(io.BytesIO(content)).active]
    assert rows[1] == [7, dt.datetime(2019, 9, 12), "a.csv"]
    assert rows[2] == [None, None, "b.csv"]
