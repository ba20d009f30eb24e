"""``kuozhao template``: the submission template the office sends to each school.

One ``<school_id>.xlsx`` per school of the quota table: a title and a ``填报单位：<school>``
line, the header row in the canonical headings (the first spelling of each field in the
header map), the ID-number column as text and the admission date as a date, a drop-down list
for every enumerated field (the levels limited to what the school's type may train), the
admission date limited to the programme's window, an instructions sheet, and a hidden sheet
of the lists. A filled template goes through ``kuozhao run`` as it is.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pandas as pd

from pipeline.config import FIELDS, PipelineConfig
from pipeline.io import fixed_workbook, reproducible_xlsx

SHEET = "花名册"
LISTS = "选项"
GUIDE = "填写说明"
HEADER_ROW = 3
ROWS = 3000  # rows prepared with formats and drop-downs
TITLE = "技工院校扩招新生花名册"
FIXED_TIME = dt.datetime(2019, 9, 1)
WIDTHS = {"school": 30, "name": 10, "id_number": 22, "major": 18, "admission_date": 13,
          "target_group": 16}
YEARS = ("1", "2", "3", "4", "5", "6")


def headings(cfg: PipelineConfig) -> list[tuple[str, str]]:
    """(field, canonical heading) of every column, in the order of DESIGN §3."""
    return [(f, cfg.header_map[f][0]) for f in FIELDS if f in cfg.header_map]


def choices(cfg: PipelineConfig, school_type: str, majors: list[str]) -> dict[str, tuple]:
    """The values each enumerated column offers (levels: those the school's type trains)."""
    out = dict(cfg.enumerations)
    out["level"] = tuple(cfg.levels_by_school_type.get(school_type, cfg.levels))
    out["years"] = YEARS
    out["major"] = tuple(majors)
    return out


def write_templates(schools: pd.DataFrame, majors: pd.DataFrame, cfg: PipelineConfig,
                    out: Path) -> list[Path]:
    """Write ``out/<school_id>.xlsx`` for every school; the paths, in school order."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    known = sorted(majors["major"].astype(str))
    written = []
    for row in schools.sort_values("school_id").itertuples(index=False):
        path = out / f"{row.school_id}.xlsx"
        path.write_bytes(template_bytes(row.school_name, row.school_type, cfg, known))
        written.append(path)
    return written


def template_bytes(school_name: str, school_type: str, cfg: PipelineConfig,
                   majors: list[str]) -> bytes:
    """One school's template as workbook bytes (the same inputs give the same bytes)."""
    wb = fixed_workbook("kuozhao", FIXED_TIME, title=f"{school_name} {TITLE}")
    ws = wb.create_sheet(SHEET)
    cols = headings(cfg)
    _guide_sheet(wb.create_sheet(GUIDE), school_name, cols, cfg)
    lists = _lists_sheet(wb, {**choices(cfg, school_type, majors), "school": (school_name,)})
    _roster_sheet(ws, school_name, cols, cfg, lists)
    buffer = io.BytesIO()
    wb.save(buffer)
    return reproducible_xlsx(buffer.getvalue(), FIXED_TIME)


def _lists_sheet(wb, lists: dict[str, tuple]) -> dict[str, str]:
    """A hidden sheet with one column per list; field → the list's range for validations."""
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(LISTS)
    ws.sheet_state = "hidden"
    ranges = {}
    for j, (fld, values) in enumerate(sorted(lists.items()), start=1):
        col = get_column_letter(j)
        ws.cell(row=1, column=j, value=fld)
        for i, v in enumerate(values, start=2):
            ws.cell(row=i, column=j, value=str(v)).data_type = "s"
        ranges[fld] = f"'{LISTS}'!${col}$2:${col}${max(len(values), 1) + 1}"
    return ranges


def _roster_sheet(ws, school_name: str, cols: list[tuple[str, str]], cfg: PipelineConfig,
                  lists: dict[str, str]) -> None:
    """The roster: title, filing unit, header, formatted empty rows with validations."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    ws.cell(row=1, column=1, value=f"{school_name}{TITLE}").font = Font(bold=True, size=14)
    ws.cell(row=2, column=1, value=f"填报单位：{school_name}")
    for j, (fld, heading) in enumerate(cols, start=1):
        cell = ws.cell(row=HEADER_ROW, column=j, value=heading)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDE5F0")
        cell.alignment = Alignment(horizontal="center")
        letter = get_column_letter(j)
        ws.column_dimensions[letter].width = WIDTHS.get(fld, 11)
        fmt = {"id_number": "@", "admission_date": "yyyy-mm-dd"}.get(fld)
        if fmt:
            for i in range(HEADER_ROW + 1, HEADER_ROW + 1 + ROWS):
                ws.cell(row=i, column=j).number_format = fmt
        _validate(ws, fld, letter, cfg, lists)
    ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=1)


def _validate(ws, fld: str, letter: str, cfg: PipelineConfig, lists: dict[str, str]) -> None:
    """A drop-down list for an enumerated column; the window for the admission date."""
    from openpyxl.worksheet.datavalidation import DataValidation

    area = f"{letter}{HEADER_ROW + 1}:{letter}{HEADER_ROW + ROWS}"
    if fld in lists:
        dv = DataValidation(type="list", formula1=f"={lists[fld]}", allow_blank=True,
                            showErrorMessage=fld != "major",
                            error="请从下拉列表中选择", errorTitle="请从列表中选择")
    elif fld == "admission_date":
        start, end = cfg.window_start, cfg.window_end
        dv = DataValidation(type="date", operator="between", allow_blank=True,
                            formula1=f"DATE({start.year},{start.month},{start.day})",
                            formula2=f"DATE({end.year},{end.month},{end.day})",
                            showErrorMessage=True, errorTitle="日期超出扩招期间",
                            error=f"录取日期应在 {start.isoformat()} 至 {end.isoformat()} 之间")
    else:
        return
    dv.add(area)
    ws.add_data_validation(dv)


def _guide_sheet(ws, school_name: str, cols: list[tuple[str, str]], cfg: PipelineConfig
                 ) -> None:
    """The instructions sheet: one line per rule a school needs."""
    from openpyxl.styles import Font

    lines = [
        f"{school_name}：扩招新生花名册填写说明",
        "",
        f"1. 在“{SHEET}”工作表第 {HEADER_ROW + 1} 行起每行填写一名学生，"
        "不要改动表头和“填报单位”行。",
        "2. 身份证号按文本填写 18 位（末位可为 X），不要写成科学计数法。",
        f"3. 录取日期填写到日（如 2019-09-05），应在 {cfg.window_start.isoformat()} 至 "
        f"{cfg.window_end.isoformat()} 之间；{cfg.intake_cutoff.isoformat()} 及以前录取的计入"
        f"{cfg.autumn_label}，之后的计入{cfg.spring_label}。",
        "4. 带下拉箭头的列请从列表中选择；培养层次只列出本校类型可以培养的层次。",
        "5. 更正已报送的学生：在下月报送文件中重新填写该生的完整信息即可，以最新一次为准。",
        "6. 不要在表格下方填写合计或签字；需要说明的事项请另行告知。",
        "",
        "各列：" + "、".join(h for _, h in cols),
    ]
    for i, text in enumerate(lines, start=1):
        ws.cell(row=i, column=1, value=text)
    ws["A1"].font = Font(bold=True, size=13)
    ws.column_dimensions["A"].width = 110
