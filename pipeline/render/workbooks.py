"""The Excel files: the bulletin's annex (``tables.xlsx``) and each school's feedback
workbook of quarantined rows (``feedback/<school_id>.xlsx``).

Both follow the same two rules: text is written inert (:func:`pipeline.io.inert`: a leading
``'`` before ``= + - @``, a tab or a carriage return, and always as a string cell, never a
formula), and the document properties and zip timestamps are fixed
(:func:`pipeline.io.fixed_workbook`, :func:`pipeline.io.reproducible_xlsx`), so the same
content gives the same bytes whenever it is written.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.catalog import relative_path
from pipeline.io import fixed_workbook, inert, reproducible_xlsx
from pipeline.render.files import write_bytes
from pipeline.render.labels import Labels
from pipeline.render.table import Table

CREATOR = "kuozhao"
NUMBER_FORMATS = {"pct": "0.0%", "dec": "0.0000", "dec2": "0.00", "signed": "+#,##0;-#,##0;0"}
FEEDBACK_COLUMNS = (
    "source_file",
    "sheet",
    "source_row",
    "id_masked",
    "reasons",
    "explanation",
    "winner_school_id",
    "school",
    "gender",
    "target_group",
    "disabled",
    "major",
    "level",
    "study_mode",
    "years",
    "class_type",
    "education_kind",
    "admission_date",
    "status",
)
#: The date in the feedback workbooks' properties (fixed: a rerun gives the same bytes).
FEEDBACK_TIME = dt.datetime(2020, 1, 1)
UNASSIGNED = "UNASSIGNED"


def inert_text(value: object) -> str:
    """A cell's text, inert (:func:`pipeline.io.inert`); empty for None or NaN."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    return inert(str(value))


def _saved(wb: Any, when: dt.datetime) -> bytes:
    """A workbook's bytes with fixed zip timestamps and document dates."""
    buf = io.BytesIO()
    wb.save(buf)
    return reproducible_xlsx(buf.getvalue(), when)


# --------------------------------------------------------------------------- the annex


def _put(cell: Any, val: Any, kind: str) -> None:
    """Write one value: numbers as numbers (with a display format), text inert as a string."""
    if val is None:
        return
    if isinstance(val, bool):
        cell.value = val
    elif isinstance(val, int | float) and not (isinstance(val, float) and math.isnan(val)):
        cell.value = val
        cell.number_format = NUMBER_FORMATS.get(kind, "#,##0")
    else:
        cell.value = inert_text(val)
        cell.data_type = "s"


def _sheet_name(title: str, used: set[str]) -> str:
    """A valid, unique sheet name: at most 31 characters, brackets, colon, star, question
    mark and slashes replaced by ``_``."""
    clean = "".join("_" if ch in "[]:*?/\\" else ch for ch in str(title)).strip("'") or "Sheet"
    name, n = clean[:31], 2
    while name in used:
        suffix = f" ({n})"
        name, n = clean[: 31 - len(suffix)] + suffix, n + 1
    used.add(name)
    return name


def _table_sheet(ws: Any, tab: Table) -> None:
    """One table on its sheet: title, headers, body, total, note; frozen header, widths."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    head_font, head_fill = Font(bold=True), PatternFill("solid", fgColor="DDE5F0")
    ws.append([tab.title])
    ws["A1"].font = Font(bold=True, size=12)
    ws.append([])
    for j, h in enumerate(tab.headers, start=1):
        c = ws.cell(row=3, column=j, value=h)
        c.font, c.fill = head_font, head_fill
        c.alignment = Alignment(wrap_text=True, vertical="center")
    body = list(tab.rows) + ([tab.total] if tab.total is not None else [])
    for i, row in enumerate(body, start=4):
        for j, (val, kind) in enumerate(zip(row, tab.kinds, strict=True), start=1):
            _put(ws.cell(row=i, column=j), val, kind)
    if tab.total is not None:
        for j in range(1, len(tab.headers) + 1):
            ws.cell(row=3 + len(body), column=j).font = head_font
    if tab.note:
        _put(ws.cell(row=5 + len(body), column=1), tab.note, "text")
    ws.freeze_panes = "A4"
    for j, h in enumerate(tab.headers, start=1):
        width = max([len(str(h))] + [len(str(r[j - 1])) for r in body if j - 1 < len(r)])
        ws.column_dimensions[get_column_letter(j)].width = min(48, max(8, width * 1.6 + 2))


def write_tables_xlsx(tables: Sequence[Table], target: Path, created: str) -> None:
    """Each table on its own sheet (``sheet`` or its title): headers, numbers as numbers with
    a display format, text inert; document date ``created`` (ISO date)."""
    day = dt.date.fromisoformat(str(created)[:10])
    stamp = dt.datetime(day.year, day.month, day.day)
    wb = fixed_workbook(CREATOR, stamp, title=tables[0].title if tables else "")
    wb.properties.lastModifiedBy = CREATOR
    used: set[str] = set()
    for tab in tables:
        _table_sheet(wb.create_sheet(_sheet_name(tab.sheet or tab.title, used)), tab)
    write_bytes(target, _saved(wb, stamp))


# --------------------------------------------------------------------------- feedback


@dataclass(frozen=True)
class FeedbackTexts:
    """The words of the feedback workbooks: a header per column of
    :data:`FEEDBACK_COLUMNS`, the sheet title (with ``{school_id}``), the text of each
    reason code and the separator between two texts."""

    headers: tuple[str, ...]
    sheet: str
    reasons: Mapping[str, str]
    separator: str


def feedback_texts(labels: Labels) -> FeedbackTexts:
    """The feedback's words in the edition's language: the ``feedback.*`` messages and the
    reason-code texts (``labels`` needs the programme window, which a text names)."""
    return FeedbackTexts(
        headers=tuple(labels.headers("feedback.col", FEEDBACK_COLUMNS)),
        sheet=labels.t("feedback.sheet"),
        reasons=labels.reason_texts(),
        separator=labels.t("feedback.separator"),
    )


def explain(reasons: pd.Series, texts: FeedbackTexts) -> pd.Series:
    """The texts of ``;``-separated reason codes (a code without a text stays a code),
    worked out once per distinct value."""

    def one(codes: str) -> str:
        return texts.separator.join(texts.reasons.get(c, c) for c in codes.split(";") if c)

    return reasons.map({r: one(r) for r in reasons.unique()})


def _feedback_workbook(path: Path, rows: pd.DataFrame, title: str, texts: FeedbackTexts) -> None:
    """One school's rows as inert text cells under the headers (write-only mode: streamed,
    several times faster than a normal workbook)."""
    wb = fixed_workbook(CREATOR, FEEDBACK_TIME, write_only=True)
    ws = wb.create_sheet(title[:31])
    ws.freeze_panes = "A2"
    ws.append(list(texts.headers))
    for record in rows[list(FEEDBACK_COLUMNS)].astype(object).itertuples(index=False):
        ws.append([inert_text(v) for v in record])
    write_bytes(path, _saved(wb, FEEDBACK_TIME))


def write_feedback(out_dir: Path, quarantine: pd.DataFrame, texts: FeedbackTexts) -> list[Path]:
    """One workbook per school with outstanding quarantined rows, at the catalogue's
    ``feedback`` path under ``out_dir`` (the period's reports folder); returns the paths.

    ``quarantine`` is stage 01's quarantined records (``quarantine.parquet``: the submitted
    values, no name, no ID number). Rows go to the school that sent the file
    (``file_school_id``: the school most of its rows name); a file whose rows name no known
    school goes to ``UNASSIGNED``. Nothing is written when nothing is quarantined.
    """
    if quarantine.empty:
        return []
    q = quarantine.assign(
        explanation=explain(quarantine["reasons"], texts),
        winner_school_id=quarantine["winner_school_id"].fillna(""),
    )
    owner = q["file_school_id"].fillna(UNASSIGNED)
    written = []
    for school_id, rows in q.groupby(owner, sort=True):
        path = Path(out_dir) / relative_path("feedback", str(school_id))
        _feedback_workbook(path, rows, texts.sheet.format(school_id=school_id), texts)
        written.append(path)
    return written
