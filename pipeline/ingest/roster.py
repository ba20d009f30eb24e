"""One table of a roster, whatever the file it came from: the school it belongs to (its
column, else the school named once above the header or in the file name), and its records."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pipeline.errors import InputError, Localized
from pipeline.ingest.headers import NAMED_ONCE, HeaderMap
from pipeline.ingest.schools import SchoolNames
from pipeline.ingest.table import FileRead, Table, records_under

PLACES = {
    "above_header": Localized({"zh-CN": "表头上方", "en": "the text above the header"}),
    "file_name": Localized({"zh-CN": "文件名中", "en": "the file name"}),
}


@dataclass(frozen=True)
class Reader:
    """What reading a roster needs besides the file: the header map and the school names."""

    hmap: HeaderMap
    schools: SchoolNames


@dataclass(frozen=True)
class Place:
    """Where a table is: the file (and sheet) as a refusal names them, the file name without
    its extension, the sheet."""

    where: str
    stem: str
    sheet: str = ""


@dataclass
class TablesRead:
    """The tables of one file read so far (a CSV has one, a workbook one per sheet)."""

    tables: list[Table] = field(default_factory=list)
    sheets: list[str] = field(default_factory=list)
    schools: list[dict] = field(default_factory=list)

    def add(self, table: Table, sheet: str, school: dict) -> TablesRead:
        """Add one sheet's table (returns self)."""
        self.tables.append(table)
        self.sheets.append(sheet)
        self.schools.append({"sheet": sheet, **school})
        return self

    def file_read(self, source_file: str, **details: object) -> FileRead:
        """What the file gave, all its tables together."""
        records = pd.concat([t.records for t in self.tables], ignore_index=True)
        ignored: list[str] = []
        suggestions: dict[str, str] = {}
        skipped: dict[str, int] = {}
        for t in self.tables:
            ignored += [c for c in t.ignored if c not in ignored]
            suggestions.update(t.suggestions)
            for kind, n in t.skipped.items():
                skipped[kind] = skipped.get(kind, 0) + n
        sheets = [s for s in self.sheets if s]
        return FileRead(source_file, records, sheets=sheets, skipped=skipped,
                        ignored_columns=ignored, suggestions=suggestions,
                        schools=self.schools, **details)


def read_table(above: list[list[str]], header: list[str], frame: pd.DataFrame,
               row_numbers: np.ndarray, reader: Reader, place: Place, *,
               into: TablesRead | None = None) -> TablesRead:
    """The records of one table; ``above`` are the lines above its header."""
    into = into if into is not None else TablesRead()
    where, stem, sheet = place.where, place.stem, place.sheet
    school: str | None = None
    if NAMED_ONCE in reader.hmap.columns([str(c) for c in header]):
        source = {"from": "column"}
    else:
        sid, came_from = school_named_once(above, stem, reader.schools, where)
        school = reader.schools.name_of[sid]
        source = {"from": came_from, "school_id": sid}
    table = records_under(header, frame, row_numbers, reader.hmap, sheet, school)
    return into.add(table, sheet, source)


def school_named_once(above: list[list[str]], stem: str, names: SchoolNames, where: str
                      ) -> tuple[str, str]:
    """(school id, where it came from: ``above_header`` or ``file_name``) for a table
    without a school column; InputError when neither names exactly one known school."""
    text = " ".join(str(c) for row in above for c in row if str(c).strip())
    for came_from, candidate in (("above_header", text), ("file_name", stem)):
        ids = sorted(names.named_in(candidate)) if candidate else []
        if len(ids) == 1:
            return ids[0], came_from
        if len(ids) > 1:
            raise InputError(key="two_schools_named", file=where,
                             schools="、".join(f"{names.name_of[i]}（{i}）" for i in ids),
                             place=PLACES[came_from])
    raise InputError(key="no_school_named", file=where)


def has_school_column(header: list[str], hmap: HeaderMap) -> bool:
    """Whether a header row names the school."""
    return NAMED_ONCE in hmap.columns([str(c) for c in header])
