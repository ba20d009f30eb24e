"""Reading reference tables and writing outputs safely (the I/O edge of the pipeline)."""

from __future__ import annotations

import datetime as dt
import hashlib
import io as _textio
import json
import math
import re
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline.errors import InputError

SCHOOL_COLUMNS = ("school_id", "school_name", "aliases", "school_type", "ownership", "district",
                  "quota")
# Optional columns of the quota table: the school's name in the English edition.
SCHOOL_OPTIONAL = ("school_name_en",)
MAJOR_COLUMNS = ("major", "aliases", "industry")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _read_table(path: Path, columns: tuple[str, ...],
                optional: tuple[str, ...] = ()) -> pd.DataFrame:
    if not path.is_file():
        raise InputError(f"{path}: reference table not found")
    from pipeline.ingest import decode_bytes

    text, _ = decode_bytes(path.read_bytes(), str(path))
    try:
        df = pd.read_csv(_textio.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, ValueError) as exc:
        raise InputError(f"{path}: not a readable CSV ({str(exc).splitlines()[0]})") from None
    df.columns = [str(c).strip().lstrip("\ufeff") for c in df.columns]
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise InputError(f"{path}: missing column(s) {', '.join(missing)}")
    for c in optional:
        if c not in df.columns:
            df[c] = ""
    return df[[*columns, *optional]].apply(lambda col: col.str.strip())


def read_schools(reference_dir: Path, school_types: tuple[str, ...], target: int) -> pd.DataFrame:
    """The quota table, checked: unique ids, known types, positive whole quotas summing to
    the target."""
    path = Path(reference_dir) / "schools.csv"
    df = _read_table(path, SCHOOL_COLUMNS, SCHOOL_OPTIONAL)
    if df.empty:
        raise InputError(f"{path}: the quota table has no schools")
    if (df["school_id"] == "").any():
        raise InputError(f"{path}: a school has no school_id")
    dup = df["school_id"][df["school_id"].duplicated()]
    if len(dup):
        raise InputError(f"{path}: duplicate school_id {dup.iloc[0]}")
    bad_type = df.loc[~df["school_type"].isin(school_types), "school_type"]
    if len(bad_type):
        raise InputError(f"{path}: unknown school_type {bad_type.iloc[0]!r} "
                         f"(expected {', '.join(school_types)})")
    quota = pd.to_numeric(df["quota"], errors="coerce")
    bad = df.loc[quota.isna() | (quota <= 0) | (quota % 1 != 0), "school_id"]
    if len(bad):
        raise InputError(f"{path}: quota of {bad.iloc[0]} must be a positive whole number")
    _check_aliases(df, path)
    df["quota"] = quota.astype(np.int64)
    total = int(df["quota"].sum())
    if total != target:
        raise InputError(f"{path}: quotas sum to {total}, not the target {target}")
    return df.sort_values("school_id", kind="stable").reset_index(drop=True)


def _check_aliases(schools: pd.DataFrame, path: Path) -> None:
    """Refuse a quota table in which one spelling (name or alias) names two schools."""
    from pipeline.normalise import key_text, split_aliases

    owner: dict[str, tuple[str, str]] = {}
    for row in schools.itertuples(index=False):
        for spelling in (row.school_name, *split_aliases(row.aliases)):
            key = key_text(str(spelling))
            first = owner.setdefault(key, (row.school_id, spelling))
            if key and first[0] != row.school_id:
                raise InputError(key="alias_shared", file=str(path), alias=spelling,
                                 first=first[0], second=row.school_id)


def read_majors(reference_dir: Path, industries: tuple[str, ...]) -> pd.DataFrame:
    """The majors table, checked: unique majors mapping to known industries."""
    path = Path(reference_dir) / "majors.csv"
    df = _read_table(path, MAJOR_COLUMNS)
    dup = df["major"][df["major"].duplicated()]
    if len(dup):
        raise InputError(f"{path}: duplicate major {dup.iloc[0]!r}")
    bad = df.loc[~df["industry"].isin(industries), "industry"]
    if len(bad):
        raise InputError(f"{path}: unknown industry {bad.iloc[0]!r}")
    return df.reset_index(drop=True)


def is_synthetic(reference_dir: Path) -> bool:
    """Whether the reference folder is the synthetic sample (it carries a marker file)."""
    return (Path(reference_dir) / "SYNTHETIC.txt").exists()


def sha256(path: Path) -> str:
    """SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def plain(value: Any) -> Any:
    """A JSON-safe plain value: mappings and sequences element by element, NumPy scalars as
    Python values, NaN and infinities as None, dates as ISO text (a timestamp as its date),
    any other object as its text."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dt.date):
        return (value.date() if isinstance(value, pd.Timestamp) else value).isoformat()
    return value if value is None or isinstance(value, str | int) else str(value)


def write_json(path: Path, data: Any) -> None:
    """Stable, readable JSON (sorted keys, UTF-8, no NaN)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(plain(data), ensure_ascii=False, indent=1, sort_keys=True) + "\n",
        encoding="utf-8",
    )


def read_json(path: Path) -> Any:
    """Read a JSON file written by a previous stage."""
    if not path.is_file():
        raise InputError(f"{path}: not found (run the previous stage first)")
    return json.loads(path.read_text(encoding="utf-8"))


def inert(text: str) -> str:
    """Text that a spreadsheet will not run as a formula: a leading ``'`` when it starts
    with ``= + - @``, a tab or a carriage return."""
    return "'" + text if text.startswith(FORMULA_START) else text


def inert_text(values: pd.Series) -> pd.Series:
    """Text that a spreadsheet will not run as a formula: a leading ' before = + - @."""
    s = values.astype(object)
    mask = s.map(lambda v: isinstance(v, str) and v.startswith(FORMULA_START))
    return s.where(~mask, "'" + s.astype(str))


def write_csv(path: Path, df: pd.DataFrame) -> None:
    """UTF-8 CSV with BOM (opens in Excel with Chinese intact), text cells made inert."""
    path.parent.mkdir(parents=True, exist_ok=True)
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = inert_text(out[col])
    out.to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\n")


def read_csv(path: Path) -> pd.DataFrame:
    """Read a CSV written by a previous stage."""
    if not path.is_file():
        raise InputError(f"{path}: not found (run the previous stage first)")
    return pd.read_csv(path, encoding="utf-8-sig", keep_default_na=False)


def read_parquet(path: Path, columns: list[str] | None = None) -> pd.DataFrame:
    """Read a stage file (all columns, or only ``columns``); one-line error if the previous
    stage has not run."""
    if not path.is_file():
        raise InputError(f"{path}: not found (run the previous stage first)")
    return pd.read_parquet(path, columns=columns)


def write_parquet(path: Path, df: pd.DataFrame) -> None:
    """Parquet without the index."""
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_parquet(path, index=False)


_MODIFIED = re.compile(rb"<dcterms:(created|modified)([^>]*)>[^<]*</dcterms:(created|modified)>")


def fixed_workbook(creator: str, when: dt.datetime, title: str | None = None,
                   write_only: bool = False):
    """An openpyxl workbook with no sheet and fixed document properties (creator, dates,
    title when given): with :func:`reproducible_xlsx`, the same content gives the same
    bytes whenever it is written."""
    from openpyxl import Workbook

    wb = Workbook(write_only=write_only)
    if not write_only:
        wb.remove(wb.active)
    wb.properties.creator = creator
    wb.properties.created = when
    wb.properties.modified = when
    if title is not None:
        wb.properties.title = title
    return wb


#: :data:`FORMULA_START` as a pattern (Arrow's RE2).
_FORMULA_START_RE = r"^[=+\-@\t\r]"
#: Characters XML 1.0 cannot hold (openpyxl refuses them in a cell): left out of a cell's text.
_XML_ILLEGAL = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x{FFFE}\x{FFFF}]"


#: Day 0 of a spreadsheet's date serial numbers (1900 date system).
_EXCEL_EPOCH = np.datetime64("1899-12-30", "D")


def rows_xml(frame: pd.DataFrame, first_row: int, numbers: tuple[str, ...] = (),
             dates: tuple[str, ...] = (), date_style: int | None = None) -> str:
    """The ``<row>`` elements of a worksheet holding ``frame``'s cells, the rows numbered from
    ``first_row``: built a column at a time in Arrow (openpyxl spends some 13 µs on each
    cell, minutes for the rows of a national month). Cells are written as openpyxl writes
    them: text inline and inert (:func:`inert`), the columns in ``numbers`` as numbers, those
    in ``dates`` as date serial numbers in the cell style ``date_style`` (an index the
    workbook defines, see :func:`style_of`). A missing value or empty text is no cell."""
    import pyarrow as pa
    import pyarrow.compute as pc
    from openpyxl.utils import get_column_letter

    row_numbers = pc.cast(pa.array(np.arange(first_row, first_row + len(frame))), pa.string())
    row_cells = pa.array([""] * len(frame), pa.string())
    for j, column in enumerate(frame.columns):
        ref = f'<c r="{get_column_letter(j + 1)}'
        if column in numbers or column in dates:
            value = _serials(frame[column]) if column in dates else frame[column]
            text = pc.fill_null(pc.cast(pa.array(value, from_pandas=True), pa.string()), "")
            style = f' s="{date_style}"' if column in dates else ""
            cell = pc.binary_join_element_wise(ref, row_numbers, f'"{style} t="n"><v>', text,
                                               "</v></c>", "")
        else:
            text = _xml_text(frame[column])
            space = pc.if_else(pc.not_equal(pc.utf8_trim_whitespace(text), text),
                               ' xml:space="preserve"', "")
            cell = pc.binary_join_element_wise(ref, row_numbers, '" t="inlineStr"><is><t',
                                               space, ">", text, "</t></is></c>", "")
        row_cells = pc.binary_join_element_wise(
            row_cells, pc.if_else(pc.equal(text, ""), "", cell), "")
    rows = pc.binary_join_element_wise('<row r="', row_numbers, '">', row_cells, "</row>", "")
    return "".join(rows.to_pylist())


def _serials(values: pd.Series) -> pd.Series:
    """Dates as whole date serial numbers (missing stays missing)."""
    days = pd.to_datetime(values, errors="coerce").to_numpy(dtype="datetime64[D]")
    serial = (days - _EXCEL_EPOCH).astype("timedelta64[D]").astype("int64")
    return pd.Series(serial, dtype="Int64").mask(pd.isna(days))


def _xml_text(values: pd.Series) -> Any:
    """A column as inert text escaped for XML, forbidden characters left out (Arrow)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    text = pc.fill_null(pa.array(values.astype(object).where(values.notna(), None)
                                 .astype(str).where(values.notna(), None), pa.string()), "")
    text = pc.replace_substring_regex(text, _XML_ILLEGAL, "")
    formula = pc.match_substring_regex(text, _FORMULA_START_RE)
    text = pc.if_else(formula, pc.binary_join_element_wise("'", text, ""), text)
    for char, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;")):
        text = pc.replace_substring(text, char, entity)
    return text


def style_of(xlsx: bytes, sheet: str, cell: str) -> int | None:
    """The cell style index (``s``) openpyxl gave ``cell`` (``E2``) of worksheet member
    ``sheet``: how a workbook written in streaming mode learns the index of a number format
    it defined on a cell of its header rows."""
    with zipfile.ZipFile(_textio.BytesIO(xlsx)) as z:
        found = re.search(rf'<c r="{cell}"[^>]*? s="(\d+)"'.encode(), z.read(sheet))
    return int(found.group(1)) if found else None


def reproducible_xlsx(content: bytes, when: dt.datetime,
                      rows: dict[str, str] | None = None) -> bytes:
    """An XLSX (zip) rewritten with fixed member timestamps and document dates, so the same
    workbook gives the same bytes whenever it is written; ``rows`` appends ``<row>``
    elements (:func:`rows_xml`) to the rows of a worksheet, by its member name
    (``xl/worksheets/sheet1.xml``)."""
    rows = rows or {}
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    src = zipfile.ZipFile(_textio.BytesIO(content))
    out = _textio.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = _MODIFIED.sub(rb"<dcterms:\1\2>" + stamp + rb"</dcterms:\3>", data)
            if info.filename in rows:
                data = data.replace(b"</sheetData>",
                                    rows[info.filename].encode("utf-8") + b"</sheetData>", 1)
            member = zipfile.ZipInfo(info.filename, date_time=when.timetuple()[:6])
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o644 << 16
            # rows built in bulk: the fastest deflate (a third of the time, a file a little
            # larger); the other members as openpyxl compresses them
            dst.writestr(member, data, compresslevel=1 if info.filename in rows else None)
    return out.getvalue()
