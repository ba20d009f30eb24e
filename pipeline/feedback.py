"""Each school's outstanding quarantined rows, as an Excel file it can work through."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pandas as pd

from pipeline.io import FORMULA_START, fixed_workbook, reproducible_xlsx

HEADERS = (
    ("source_file", "源文件"),
    ("sheet", "工作表"),
    ("source_row", "行号"),
    ("id_masked", "身份证号（已遮蔽）"),
    ("reasons", "问题代码"),
    ("explanation", "问题说明"),
    ("winner_school_id", "已登记的学校"),
    ("school", "学校名称"),
    ("gender", "性别"),
    ("target_group", "生源类别"),
    ("disabled", "是否残疾人"),
    ("major", "专业"),
    ("level", "培养层次"),
    ("study_mode", "学习形式"),
    ("years", "学制"),
    ("class_type", "班级类型"),
    ("education_kind", "教育类别"),
    ("admission_date", "录取日期"),
    ("status", "学籍状态"),
)
FIXED_TIME = dt.datetime(2020, 1, 1)


def explain(reasons: pd.Series, texts: dict[str, str]) -> pd.Series:
    """Chinese explanation of ';'-separated reason codes."""
    def one(codes: str) -> str:
        return "；".join(texts.get(c, c) for c in codes.split(";") if c)

    uniq = {r: one(r) for r in reasons.unique()}
    return reasons.map(uniq)


def write_workbook(path: Path, rows: pd.DataFrame, title: str) -> None:
    """Write rows as inert text cells under Chinese headers, deterministic bytes.

    Write-only mode (streamed, several times faster than a normal workbook); a value that a
    spreadsheet would read as a formula is written as an explicit string cell.
    """
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import TYPE_STRING

    wb = fixed_workbook("kuozhao", FIXED_TIME, write_only=True)
    ws = wb.create_sheet(title[:31])
    ws.freeze_panes = "A2"

    def inert(value: object) -> object:
        text = "" if value is None or value != value else str(value)
        if text.startswith(FORMULA_START):
            cell = WriteOnlyCell(ws, value=text)
            cell.data_type = TYPE_STRING  # never a formula, whatever the text starts with
            return cell
        return text

    ws.append([h for _, h in HEADERS])
    columns = [c for c, _ in HEADERS]
    for record in rows[columns].astype(object).itertuples(index=False):
        ws.append([inert(v) for v in record])
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    wb.save(buffer)
    path.write_bytes(reproducible_xlsx(buffer.getvalue(), FIXED_TIME))


def write_feedback(folder: Path, quarantine: pd.DataFrame, texts: dict[str, str]) -> list[Path]:
    """``folder/<school_id>.xlsx`` per school with outstanding quarantined rows.

    Rows go to the school that sent the file (the school most of its rows name); a file
    whose rows name no known school goes to ``UNASSIGNED.xlsx``.
    """
    if quarantine.empty:
        return []
    q = quarantine.copy()
    q["explanation"] = explain(q["reasons"], texts)
    q["winner_school_id"] = q["winner_school_id"].fillna("")
    owner = q["file_school_id"].fillna("UNASSIGNED")
    written = []
    for school_id, rows in q.groupby(owner, sort=True):
        path = folder / f"{school_id}.xlsx"
        write_workbook(path, rows, f"{school_id} 待更正记录")
        written.append(path)
    return written
