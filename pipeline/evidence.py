"""Evidence behind every count (``internal/evidence/<school_id>.xlsx``): for each school, the
records each count of its reward decision is made of — so that an auditor can take any figure
of the evaluator report and find the persons behind it, by masked ID, file, sheet and row.

Sheet 计入记录: the admitted clean records and, per record, a 1 in each count it enters
(counted, admitted, admitted by the cutoff, social group, withdrawn, priority major), with the
totals on top — the same numbers as the report's inputs, to the person. Sheet 报送记录: the
standing rows of the files the school sent, clean or quarantined (data quality).
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pandas as pd
from openpyxl.utils import get_column_letter

from pipeline.fulfilment import MEASURES
from pipeline.io import fixed_workbook, reproducible_xlsx, rows_xml, style_of

FIXED_TIME = dt.datetime(2020, 1, 1)
RECORD_HEADINGS = (
    ("id_masked", "身份证号（已遮蔽）"), ("source_file", "源文件"), ("sheet", "工作表"),
    ("source_row", "行号"), ("admission_date", "录取日期"), ("intake", "招生季"),
    ("status", "学籍状态"), ("target_group", "招收对象"), ("industry", "专业所属产业"),
)
MEASURE_HEADINGS = {
    "c": "计入人数 c", "admitted": "已录取", "admitted_by_cutoff": "截止日前录取",
    "social": "社会人员", "withdrawn": "退学", "priority": "重点产业专业",
}
STANDING_HEADINGS = (
    ("source_file", "源文件"), ("sheet", "工作表"), ("source_row", "行号"),
    ("id_masked", "身份证号（已遮蔽）"), ("state", "状态"), ("reasons", "问题代码"),
)
STATE_TEXT = {"clean": "有效", "quarantined": "待更正"}
COUNTED_SHEET, SENT_SHEET = "xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml"


def write_evidence(folder: Path, evidence: pd.DataFrame, records: pd.DataFrame,
                   school_ids: list[str]) -> list[Path]:
    """One workbook per school (every school of the quota table); their paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    standing = records[records["state"] != "superseded"]
    written = []
    for sid in sorted(school_ids):
        path = folder / f"{sid}.xlsx"
        path.write_bytes(workbook(sid, evidence[evidence["school_id"] == sid],
                                  standing[standing["file_school_id"] == sid]))
        written.append(path)
    return written


def workbook(school_id: str, rows: pd.DataFrame, standing: pd.DataFrame) -> bytes:
    """One school's evidence as workbook bytes (the same rows give the same bytes): the
    totals and headings written by openpyxl in streaming mode, the records built a column
    at a time (:func:`pipeline.io.rows_xml`): a school of a hundred thousand records costs
    about a second."""
    from openpyxl.cell import WriteOnlyCell

    wb = fixed_workbook("kuozhao", FIXED_TIME, title=f"{school_id} 奖补核算依据",
                        write_only=True)
    counted = wb.create_sheet("计入记录")
    counted.freeze_panes = "A3"
    columns = [c for c, _ in RECORD_HEADINGS]
    counted.append(["合计", *[""] * (len(columns) - 1),
                    *[int(rows[m].sum()) for m in MEASURES]])
    heads: list[object] = [h for _, h in RECORD_HEADINGS]
    date_head = WriteOnlyCell(counted, value=heads[columns.index("admission_date")])
    date_head.number_format = "yyyy-mm-dd"  # defines the date style the records' dates use
    heads[columns.index("admission_date")] = date_head
    counted.append(heads + [MEASURE_HEADINGS[m] for m in MEASURES])
    sent = wb.create_sheet("报送记录")
    sent.freeze_panes = "A3"
    sent.append(["合计", "", "", "", f"有效 {int((standing['state'] == 'clean').sum())}",
                 f"待更正 {int((standing['state'] == 'quarantined').sum())}"])
    sent.append([h for _, h in STANDING_HEADINGS])
    buffer = io.BytesIO()
    wb.save(buffer)
    date_cell = f"{get_column_letter(columns.index('admission_date') + 1)}2"
    records = rows[[*columns, *MEASURES]].astype({m: "int64" for m in MEASURES})
    state = standing["state"].map(STATE_TEXT).fillna(standing["state"])
    table = standing.assign(state=state)[[c for c, _ in STANDING_HEADINGS]]
    return reproducible_xlsx(buffer.getvalue(), FIXED_TIME, {
        COUNTED_SHEET: rows_xml(records, 3, numbers=("source_row", *MEASURES),
                                dates=("admission_date",),
                                date_style=style_of(buffer.getvalue(), COUNTED_SHEET, date_cell)),
        SENT_SHEET: rows_xml(table, 3, numbers=("source_row",)),
    })
