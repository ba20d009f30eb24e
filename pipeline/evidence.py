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

from pipeline.fulfilment import MEASURES
from pipeline.io import fixed_workbook, inert, reproducible_xlsx

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
    """One school's evidence as workbook bytes (the same rows give the same bytes), written
    in streaming mode: a school of a hundred thousand records costs seconds, not minutes."""
    wb = fixed_workbook("kuozhao", FIXED_TIME, title=f"{school_id} 奖补核算依据",
                        write_only=True)
    counted = wb.create_sheet("计入记录")
    counted.freeze_panes = "A3"
    heads = [h for _, h in RECORD_HEADINGS] + [MEASURE_HEADINGS[m] for m in MEASURES]
    counted.append(["合计", *[""] * (len(RECORD_HEADINGS) - 1),
                    *[int(rows[m].sum()) for m in MEASURES]])
    counted.append(heads)
    columns = [c for c, _ in RECORD_HEADINGS]
    for rec in rows[[*columns, *MEASURES]].itertuples(index=False):
        counted.append([_cell(v) for v in rec[:len(columns)]]
                       + [int(bool(v)) for v in rec[len(columns):]])
    sent = wb.create_sheet("报送记录")
    sent.freeze_panes = "A3"
    sent.append(["合计", "", "", "", f"有效 {int((standing['state'] == 'clean').sum())}",
                 f"待更正 {int((standing['state'] == 'quarantined').sum())}"])
    sent.append([h for _, h in STANDING_HEADINGS])
    state = standing["state"].map(STATE_TEXT).fillna(standing["state"])
    table = standing.assign(state=state)[[c for c, _ in STANDING_HEADINGS]]
    for rec in table.itertuples(index=False):
        sent.append([_cell(v) for v in rec])
    buffer = io.BytesIO()
    wb.save(buffer)
    return reproducible_xlsx(buffer.getvalue(), FIXED_TIME)


def _cell(value: object) -> object:
    """A value as an inert cell: numbers as numbers, dates as dates, text never a formula."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, int | float):
        return value
    return inert(str(value))
