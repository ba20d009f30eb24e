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
from pipeline.io import fixed_workbook, inert, reproducible_xlsx, rows_xml
from pipeline.render.files import write_bytes
from pipeline.render.labels import Labels
from pipeline.render.table import Table

CREATOR = "kuozhao"
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

#: Display formats of the number kinds (a whole number: ``#,##0``).
NUMBER_FORMATS = {"pct": "0.0%", "dec": "0.0000", "dec2": "0.00", "dec1": "#,##0.0",
                  "signed": "+#,##0;-#,##0;0", "int": "#,##0"}
TEXT_KINDS = ("text", "name", "code", "path")
HEAD_FILL, TOTAL_FILL = "DDE5F0", "F2F5F9"
BANNER_COLOUR = "8B1A1A"
#: Rows of a table's sheet: title, banner, unit, then the headers; the body follows.
TITLE_ROW, BANNER_ROW, UNIT_ROW, HEAD_ROW = 1, 2, 3, 4


@dataclass(frozen=True)
class AnnexCover:
    """The annex's first sheet: its title, whether the data is synthetic (a banner on every
    sheet), the issue's details as (label, text) lines, and the notes that hold for every
    table (suppression marks)."""

    sheet: str
    title: str
    banner: str
    details: tuple[tuple[str, str], ...]
    notes: tuple[str, ...]
    contents_heading: tuple[str, str]
    empty: str = ""  # the words in a table without rows


def annex_cover(data: Any, labels: Labels) -> AnnexCover:
    """The cover of the annex of the period in ``data`` (a ``StageData``)."""
    from pipeline.render.bulletin_context import masthead

    s, t = data.summary, labels.t
    m = masthead(data.masthead, labels)
    details = [(t("annex.as_of"), labels.date(s.get("as_of", "")))]
    if m:
        details = [(t("annex.series"), f"{m['series']} {m['issue']}"),
                   (t("annex.unit"), m["unit_name"]), (t("annex.released"), m["released"]),
                   *details,
                   (t("annex.citation"), m["citation"]),
                   *[(role.rstrip(": ：").strip(), who) for role, who in m["signoff"]]]
    return AnnexCover(
        sheet=t("annex.sheet"), title=t("bulletin.title", period=s.get("period", "")),
        banner=t("common.synthetic") if s.get("synthetic") else "", details=tuple(details),
        notes=(t("annex.marks"), t("annex.numbers")),
        contents_heading=(t("annex.contents_sheet"), t("annex.contents_table")),
        empty=t("common.none"),
    )


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


def _width(text: object) -> int:
    """How wide a text shows in a spreadsheet column (a Chinese character counts two)."""
    return sum(2 if ord(ch) >= 0x2E80 else 1 for ch in str(text))


def _top(ws: Any, title: str, banner: str, unit: str) -> None:
    """A sheet's title, the synthetic-data banner and the unit, one cell a row."""
    from openpyxl.styles import Font

    ws.cell(row=TITLE_ROW, column=1, value=inert_text(title)).font = Font(bold=True, size=12)
    if banner:
        ws.cell(row=BANNER_ROW, column=1, value=banner).font = Font(bold=True,
                                                                   color=BANNER_COLOUR)
    if unit:
        ws.cell(row=UNIT_ROW, column=1, value=unit)


def _table_sheet(ws: Any, tab: Table, banner: str, empty: str = "") -> None:
    """One table on its sheet: title, banner, unit, headers, body (``empty`` in a table
    without rows), total, then its notes (note, source); frozen headers, column widths from
    the widest cell."""
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    _top(ws, tab.title, banner, tab.unit)
    head_font, fill = Font(bold=True), PatternFill("solid", fgColor=HEAD_FILL)
    for j, h in enumerate(tab.headers, start=1):
        c = ws.cell(row=HEAD_ROW, column=j, value=h)
        c.font, c.fill = head_font, fill
        c.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    body = [(row, tab.row_kinds(i), tab.formatted()[i]) for i, row in enumerate(tab.rows)]
    if not body and empty:
        blank = [""] * (len(tab.headers) - 1)
        body.append(([empty, *[None] * len(blank)], ["text"] * len(tab.headers),
                      [empty, *blank]))
    if tab.total is not None:
        body.append((tab.total, tab.kinds, tab.formatted_total()))
    for i, (row, kinds, _shown) in enumerate(body, start=HEAD_ROW + 1):
        for j, (val, kind) in enumerate(zip(row, kinds, strict=True), start=1):
            cell = ws.cell(row=i, column=j)
            _put(cell, val, kind)
            if kind == "text":
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    if tab.total is not None:
        last = HEAD_ROW + len(body)
        for j in range(1, len(tab.headers) + 1):
            c = ws.cell(row=last, column=j)
            c.font, c.fill = head_font, PatternFill("solid", fgColor=TOTAL_FILL)
            c.border = Border(top=Side(style="thin"))
    for k, note in enumerate(tab.all_notes(), start=HEAD_ROW + len(body) + 2):
        _put(ws.cell(row=k, column=1), note, "text")
    ws.freeze_panes = f"A{HEAD_ROW + 1}"
    _widths(ws, tab.headers, [shown for _, _, shown in body])


def _widths(ws: Any, headers: list[str], shown: list[list[str]]) -> None:
    """Column widths from the widest header word or shown cell (within limits)."""
    from openpyxl.utils import get_column_letter

    for j, h in enumerate(headers, start=1):
        cells = [_width(r[j - 1]) for r in shown if j - 1 < len(r)]
        head = max([_width(w) for w in str(h).split()] or [0])
        ws.column_dimensions[get_column_letter(j)].width = min(60, max(8, head + 2, *cells, 0) + 1)


def _cover_sheet(ws: Any, cover: AnnexCover, contents: list[tuple[str, str]]) -> None:
    """The annex's first sheet: title, banner, the issue's details, the notes and the list
    of sheets."""
    from openpyxl.styles import Font

    _top(ws, cover.title, cover.banner, "")
    row = HEAD_ROW
    for label, text in cover.details:
        _put(ws.cell(row=row, column=1), label, "text")
        _put(ws.cell(row=row, column=2), text, "text")
        row += 1
    for note in cover.notes:
        _put(ws.cell(row=row + 1, column=1), note, "text")
        row += 1
    row += 2
    for j, h in enumerate(cover.contents_heading, start=1):
        ws.cell(row=row, column=j, value=h).font = Font(bold=True)
    for k, (sheet, title) in enumerate(contents, start=row + 1):
        _put(ws.cell(row=k, column=1), sheet, "text")
        _put(ws.cell(row=k, column=2), title, "text")
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["B"].width = 90


def write_tables_xlsx(tables: Sequence[Table], target: Path, created: str,
                      cover: AnnexCover | None = None) -> None:
    """The annex: a cover sheet (when given) then each table on its own sheet (``sheet``
    or its title): title, synthetic banner, unit, headers, numbers as numbers with a display
    format, text inert, notes and source under the table; document date ``created``."""
    day = dt.date.fromisoformat(str(created)[:10])
    stamp = dt.datetime(day.year, day.month, day.day)
    wb = fixed_workbook(CREATOR, stamp, title=cover.title if cover else (
        tables[0].title if tables else ""))
    wb.properties.lastModifiedBy = CREATOR
    used: set[str] = set()
    first = wb.create_sheet(_sheet_name(cover.sheet, used)) if cover else None
    contents = []
    for tab in tables:
        name = _sheet_name(tab.sheet or tab.title, used)
        _table_sheet(wb.create_sheet(name), tab, cover.banner if cover else "",
                     cover.empty if cover else "")
        contents.append((name, tab.title))
    if first is not None and cover is not None:
        _cover_sheet(first, cover, contents)
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
    """One school's rows as inert text cells under the headers: the workbook streamed by
    openpyxl, its rows built a column at a time (:func:`pipeline.io.rows_xml`)."""
    wb = fixed_workbook(CREATOR, FEEDBACK_TIME, write_only=True)
    ws = wb.create_sheet(title[:31])
    ws.freeze_panes = "A2"
    ws.append(list(texts.headers))
    buf = io.BytesIO()
    wb.save(buf)
    body = rows_xml(rows[list(FEEDBACK_COLUMNS)], 2)
    write_bytes(path, reproducible_xlsx(buf.getvalue(), FEEDBACK_TIME,
                                        {"xl/worksheets/sheet1.xml": body}))


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
