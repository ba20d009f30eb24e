"""Vectorised normalisation of submitted text: NFKC, spaces, script, dates, ID numbers.

Text normalisation works on the *unique* values of a column and maps the result back, so
enumerations and school names cost almost nothing however many rows there are. ID numbers
(unique per row) are checked with numpy on their bytes.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

PROVINCES = frozenset(
    [11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46,
     50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83]
)
ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
ID_CHECK = np.frombuffer(b"10X98765432", dtype=np.uint8)
EXCEL_EPOCH = dt.date(1899, 12, 30)
SERIAL_YEARS = (2000, 2030)

# Whitespace, and the invisible characters that come with copied text (zero-width spaces and
# joiners, the word joiner, a byte-order mark).
_WS = re.compile("[\\s\u200b-\u200f\u2060\ufeff]+")
# ASCII digits spelled [0-9]: the patterns then run in Arrow (RE2) even when a column holds
# other text, and a non-ASCII digit never passes as part of an ID number.
_SCI = re.compile(r"^[+-]?[0-9]+(\.[0-9]+)?E[+-]?[0-9]+$")
_DATE_YMD = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_DATE_SERIAL = re.compile(r"^(\d{1,6})(\.\d+)?$")
_MONTH_YM = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")
_MONTH_COMPACT = re.compile(r"^(\d{4})(\d{2})$")
_TIME_SUFFIX = re.compile(r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")


@functools.cache
def _converter():
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional → Simplified Chinese (OpenCC t2s)."""
    return _converter().convert(text)


def nfkc(text: str) -> str:
    """NFKC (full-width → half-width) and trimmed."""
    return unicodedata.normalize("NFKC", text).strip()


def key_text(text: str) -> str:
    """The matching key of a label: NFKC, no whitespace at all, Simplified, upper-case Latin."""
    return to_simplified(_WS.sub("", unicodedata.normalize("NFKC", text))).upper()


def map_unique(values: pd.Series, func: Callable[[str], object]) -> pd.Series:
    """Apply ``func`` once per distinct value and map the results back onto the rows."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    mapped = np.array([func(u) for u in uniques] + [None], dtype=object)
    return pd.Series(mapped[codes], index=values.index, dtype=object)


def labels_at(labels: Sequence[str | None], codes: np.ndarray,
              index: pd.Index | None = None) -> pd.Series:
    """``labels[code]`` per row as Arrow-backed text (a code of ``-1`` or a ``None`` label is
    missing), decoded in Arrow: no Python string per row."""
    import pyarrow as pa

    codes = np.asarray(codes)
    indices = pa.array(codes.astype(np.int32), mask=codes < 0)
    arr = pa.DictionaryArray.from_arrays(indices, pa.array(list(labels), pa.string()))
    return pd.Series(pd.array(arr.cast(pa.large_string()), dtype="str"), index=index)


def map_text(values: pd.Series, func: Callable[[str], str | None]) -> pd.Series:
    """Like :func:`map_unique` for a function giving text (or None): Arrow-backed text."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return labels_at([func(u) for u in uniques], codes, values.index)


def scatter_text(n: int, parts: Iterable[tuple[np.ndarray, object]],
                 index: pd.Index | None = None) -> pd.Series:
    """A text column of ``n`` rows, missing except at each part's positions, which get the
    part's values (an Arrow array or a list of str), in Arrow."""
    import pyarrow as pa

    where = np.full(n, -1, dtype=np.int64)
    arrays, offset = [], 0
    for positions, values in parts:
        arr = values if isinstance(values, pa.Array) else pa.array(values, pa.large_string())
        arrays.append(arr.cast(pa.large_string()))
        where[positions] = offset + np.arange(len(arr))
        offset += len(arr)
    pool = pa.concat_arrays(arrays) if arrays else pa.array([], pa.large_string())
    taken = pool.take(pa.array(where, mask=where < 0))
    return pd.Series(pd.array(taken, dtype="str"), index=index)


def text_rows(matrix: np.ndarray) -> object:
    """The rows of an (m, w) uint8 array of ASCII bytes as an Arrow text array."""
    import pyarrow as pa

    m, w = matrix.shape
    data = pa.py_buffer(np.ascontiguousarray(matrix, dtype=np.uint8))
    fixed = pa.Array.from_buffers(pa.binary(w), m, [None, data])
    return fixed.cast(pa.binary()).cast(pa.large_string())


def clean_label_text(text: str) -> str:
    """Display form of free text (majors, names of things): NFKC, inner spaces removed,
    Simplified script."""
    return to_simplified(_WS.sub("", unicodedata.normalize("NFKC", text)))



def split_aliases(value: object) -> list[str]:
    """The ``|``-separated aliases of a reference row (none for a missing value)."""
    if value is None or pd.isna(value):
        return []
    return [a.strip() for a in str(value).split("|") if a.strip()]


def build_lookup(canonical_to_variants: Mapping[str, Iterable[str]]) -> dict[str, str]:
    """A dict from the matching key of every spelling to its canonical value."""
    lookup: dict[str, str] = {}
    for canonical, variants in canonical_to_variants.items():
        for spelling in (canonical, *variants):
            lookup.setdefault(key_text(str(spelling)), canonical)
    return lookup


def map_enum(values: pd.Series, lookup: Mapping[str, str]) -> pd.Series:
    """Canonical value per row, or NA where the value is empty or unknown."""
    return map_text(values, lambda v: lookup.get(key_text(v)) if v.strip() else None)


# ---------------------------------------------------------------- dates

def parse_date_text(text: str) -> dt.date | None:
    """One submitted date spelling → date, or None when it is not a full, real date.

    Accepted: ``2019-09-05``, ``2019/9/5``, ``2019.9.5``, ``2019年9月5日`` (with an optional
    time part), ``20190905`` and Excel serial numbers that give a date in 2000–2030.
    A date without a year or an impossible date is None: never guessed.
    """
    s = _TIME_SUFFIX.sub("", unicodedata.normalize("NFKC", text).strip())
    s = s.strip()
    if not s:
        return None
    m = _DATE_YMD.match(s) or _DATE_COMPACT.match(s)
    if m:
        try:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            return None
    m = _DATE_SERIAL.match(s)
    if m:
        day = EXCEL_EPOCH + dt.timedelta(days=int(m.group(1)))
        if SERIAL_YEARS[0] <= day.year <= SERIAL_YEARS[1]:
            return day
    return None


def parse_month_text(text: str) -> dt.date | None:
    """A month spelled without a day (``2019-09``, ``201909``, ``2019年9月``, ``2019.09``) →
    the first day of that month; None for anything else."""
    s = unicodedata.normalize("NFKC", text).strip()
    m = _MONTH_YM.match(s) or _MONTH_COMPACT.match(s)
    if m and 1 <= int(m.group(2)) <= 12 and 1900 <= int(m.group(1)) <= 2100:
        return dt.date(int(m.group(1)), int(m.group(2)), 1)
    return None


def _date_or_month(text: str) -> tuple[dt.date | None, bool]:
    """(date, month only): a full date, else a month (its first day), else (None, False)."""
    day = parse_date_text(text)
    if day is not None:
        return day, False
    month = parse_month_text(text)
    return month, month is not None


def parse_dates(values: pd.Series) -> pd.Series:
    """Vector of submitted dates → datetime64 (NaT where unreadable)."""
    parsed = map_unique(values, parse_date_text)
    return pd.to_datetime(parsed, errors="coerce").astype("datetime64[us]")


def parse_admission(values: pd.Series, month_column: np.ndarray | None = None
                    ) -> tuple[pd.Series, np.ndarray]:
    """Admission dates and whether each is known to the month only.

    A full date is kept as it is; a month without a day (:func:`parse_month_text`) is kept
    as the first day of its month, flagged month-only, never given a made-up day. Rows of a
    month column (``month_column``: the heading was ``入学年月``) are months whatever their
    spelling. Unreadable values are NaT.
    """
    codes, uniques = pd.factorize(values.fillna("").astype(str))
    got = [_date_or_month(u) for u in uniques]
    days = pd.to_datetime(pd.Series([d for d, _ in got] + [None], dtype=object),
                          errors="coerce").astype("datetime64[us]").to_numpy()
    month_only = np.array([m for _, m in got] + [False], dtype=bool)[codes]
    dates = days[codes]
    if month_column is not None and month_column.any():
        month_column = np.asarray(month_column, dtype=bool) & ~np.isnat(dates)
        dates = dates.copy()
        dates[month_column] = dates[month_column].astype("datetime64[M]").astype(dates.dtype)
        month_only = month_only | month_column
    return pd.Series(dates, index=values.index), month_only


# ---------------------------------------------------------------- ID numbers

def normalise_id(values: pd.Series) -> pd.Series:
    """NFKC, every space removed, leading apostrophe dropped, ``x`` upper-cased.

    Values that are already 17 ASCII digits and a digit or ``X`` are left as they are (most
    rows); only the others go through the string work.
    """
    values = values.fillna("").astype("str")  # Arrow-backed: regexes run in C++
    done = values.str.fullmatch(r"[0-9]{17}[0-9X]").to_numpy(dtype=bool)
    if done.all():
        return values
    others = np.flatnonzero(~done)
    rest = values.iloc[others]
    rest = rest.str.normalize("NFKC").str.replace("[\\s\u200b-\u200f\u2060\ufeff]+", "",
                                                 regex=True)
    rest = rest.str.lstrip("'").str.upper()
    return scatter_text(len(values), [(np.flatnonzero(done), _arrow(values[done])),
                                      (others, _arrow(rest))], index=values.index)


def _arrow(values: pd.Series) -> object:
    """An Arrow-backed text column as one Arrow array."""
    import pyarrow as pa

    arr = pa.array(values.array)
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def check_digits(body17: np.ndarray) -> np.ndarray:
    """ISO 7064 MOD 11-2 check characters (uint8 ASCII) of an (n, 17) array of digits."""
    # float32 products go through BLAS and are exact here (sums below 2,000).
    total = (body17.astype(np.float32) @ ID_WEIGHTS.astype(np.float32)).astype(np.int64)
    return ID_CHECK[total % 11]


def _digits(strings: pd.Series, width: int) -> np.ndarray:
    """(n, width) uint8 array of the ASCII bytes of equal-length ASCII strings, read from
    the Arrow buffers when the column is Arrow-backed."""
    if len(strings) == 0:
        return np.zeros((0, width), dtype=np.uint8)
    try:
        import pyarrow as pa

        arr = _arrow(strings).cast(pa.large_string())
        offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64)[
            arr.offset:arr.offset + len(arr) + 1]
        data = np.frombuffer(arr.buffers()[2], dtype=np.uint8)[offsets[0]:offsets[-1]]
        if arr.null_count == 0 and len(data) == len(arr) * width:
            return data.reshape(-1, width)
    except (TypeError, ValueError, pa.ArrowException):
        pass
    joined = "".join(strings.tolist()).encode("ascii")
    return np.frombuffer(joined, dtype=np.uint8).reshape(-1, width)


def check_ids(ids: pd.Series, latest_birth: dt.date) -> pd.DataFrame:
    """Validate normalised ID texts.

    Returns a frame on the same index with ``id18`` (the valid 18-character number, 15-digit
    legacy numbers converted, else NA), ``id_valid`` (bool), ``id_as_number`` (bool: the text
    is a spreadsheet's scientific notation), ``birth_date`` (datetime64), ``gender``
    (男/女) from the number, ``id_value`` (int64: the valid number as one integer, the
    17 digits times 11 plus the check character's value; -1 when not valid) and
    ``id_masked`` (:func:`mask_text` of the valid number, else of the text; masked on the
    bytes for 18-character texts).
    """
    n = len(ids)
    ids = ids.fillna("").astype("str")
    valid = np.zeros(n, dtype=bool)
    birth = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    gender_code = np.full(n, -1, dtype=np.int64)
    value = np.full(n, -1, dtype=np.int64)
    id18_parts: list[tuple[np.ndarray, object]] = []
    masked_parts: list[tuple[np.ndarray, object]] = []
    is18, is15, as_number = _shapes(ids)
    pos = np.flatnonzero(is18 | is15)
    if len(pos):
        raw = _id_bytes(ids, is18, is15, pos)
        ok = np.zeros(len(pos), dtype=bool)
        for start in range(0, len(pos), CHUNK_ROWS):  # small temporaries, reused memory
            part = slice(start, start + CHUNK_ROWS)
            got = _check_rows(raw[part], latest_birth)
            ok[part] = got[0]
            at = pos[part][got[0]]
            birth[at], gender_code[at], value[at] = got[1:]
        good = pos[ok]
        id18_parts.append((good, text_rows(raw[ok])))
        valid[good] = True
        # Masks from the bytes: every valid number, and the other 18-character texts.
        from_bytes = ok | is18[pos]
        stars = raw[from_bytes].copy()
        stars[:, 6:14] = ord("*")
        masked_parts.append((pos[from_bytes], text_rows(stars)))
    masked_parts.append(_masked_texts(ids, np.flatnonzero(~valid & ~is18)))
    return pd.DataFrame(
        {
            "id18": scatter_text(n, id18_parts, index=ids.index),
            "id_valid": valid,
            "id_as_number": as_number,
            "birth_date": pd.Series(birth, index=ids.index).astype("datetime64[us]"),
            "gender_from_id": labels_at(["女", "男"], gender_code, index=ids.index),
            "id_value": value,
            "id_masked": scatter_text(n, masked_parts, index=ids.index),
        },
        index=ids.index,
    )


def _shapes(ids: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(18 characters of ASCII digits and X, 15 ASCII digits, a spreadsheet's scientific
    notation) per text; the other shapes are looked for among the non-18 texts only."""
    n = len(ids)
    is18 = ids.str.fullmatch(r"[0-9]{17}[0-9X]").to_numpy(dtype=bool)
    others = np.flatnonzero(~is18)
    is15 = np.zeros(n, dtype=bool)
    as_number = np.zeros(n, dtype=bool)
    if len(others):
        rest = ids.iloc[others]
        is15[others] = rest.str.fullmatch(r"[0-9]{15}").to_numpy(dtype=bool)
        as_number[others] = rest.str.match(_SCI.pattern).to_numpy(dtype=bool)
    return is18, is15, as_number


def _id_bytes(ids: pd.Series, is18: np.ndarray, is15: np.ndarray, pos: np.ndarray
              ) -> np.ndarray:
    """(len(pos), 18) uint8 ASCII bytes of the candidates: 18-character texts as they are,
    15-digit legacy numbers with century 19 inserted and the check digit computed."""
    raw = np.empty((len(pos), 18), dtype=np.uint8)
    raw[is18[pos]] = _digits(ids[is18], 18)
    if is15.any():
        old = _digits(ids[is15], 15)
        body = np.concatenate(
            [old[:, :6], np.full((len(old), 2), np.frombuffer(b"19", np.uint8)), old[:, 6:]],
            axis=1)
        raw[is15[pos]] = np.concatenate([body, check_digits(body - 48)[:, None]], axis=1)
    return raw


CHUNK_ROWS = 1 << 17


def _check_rows(raw: np.ndarray, latest_birth: dt.date
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The checks of an (m, 18) array of ID bytes: (ok, then for the ok rows only: birth
    dates, gender codes (1 male, 0 female) and values)."""
    digits = raw[:, :17] - 48
    ok = check_digits(digits) == raw[:, 17]
    province = digits[:, 0].astype(np.int64) * 10 + digits[:, 1]
    ok &= np.isin(province, list(PROVINCES))
    dates, ok_date = _ymd_dates(digits[:, 6:14])
    ok &= ok_date & (dates >= np.datetime64("1900-01-01")) & (
        dates <= np.datetime64(latest_birth, "D"))
    check = np.where(raw[ok, 17] == ord("X"), 10, raw[ok, 17].astype(np.int64) - 48)
    value = _number(digits[ok]) * 11 + check
    return ok, dates[ok], digits[ok, 16] % 2, value


def _number(digits: np.ndarray) -> np.ndarray:
    """The (n, 17) digit values as int64 numbers (two float halves: exact, and BLAS-fast)."""
    high = digits[:, :9].astype(np.float64) @ 10.0 ** np.arange(8, -1, -1)
    low = digits[:, 9:].astype(np.float64) @ 10.0 ** np.arange(7, -1, -1)
    return high.astype(np.int64) * 10**8 + low.astype(np.int64)


_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


def _ymd_dates(digits8: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(dates, ok) from an (n, 8) array of YYYYMMDD digit values: ok where the date exists
    (month 1–12, the day within that month); dates are only meaningful there. Worked out
    once per distinct YYYYMMDD (birth dates repeat), with integer calendar arithmetic."""
    ymd = digits8.astype(np.float64) @ 10.0 ** np.arange(7, -1, -1)  # exact below 2^53
    codes, uniques = pd.factorize(ymd.astype(np.int64))
    dates, ok = _civil_dates(np.asarray(uniques, dtype=np.int64))
    return dates[codes], ok[codes]


def _civil_dates(ymd: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(dates, ok) of YYYYMMDD integers: days from the civil date (H. Hinnant's
    days_from_civil), ok where the date exists."""
    year, month, day = ymd // 10000, ymd // 100 % 100, ymd % 100
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    month_ok = (month >= 1) & (month <= 12)
    last = _DAYS_IN_MONTH[np.where(month_ok, month, 0)] + (leap & (month == 2))
    ok = month_ok & (day >= 1) & (day <= last) & (year >= 1)
    y = year - (month <= 2)
    era = np.floor_divide(y, 400)
    yoe = y - era * 400
    doy = (153 * np.where(month > 2, month - 3, month + 9) + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    days = era * 146097 + doe - 719468
    return days.astype("datetime64[D]"), ok


_ID_LIKE = re.compile(r"[0-9]{17}[0-9X]|[0-9]{15}")
LENGTH_CLASSES = ((1, 5), (6, 10), (11, 14), (15, 17), (18, 18))


def mask_text(text: str) -> str:
    """What a school sees of an ID cell: ``230102********123X`` — the first six and last
    four characters — for a text shaped like an ID number (15 or 18 digits, the 18th may be
    X); for anything else (a phone number, a name, a placeholder) no more than its length
    class, ``****（11–14位）``, so that nothing of it is revealed."""
    k = len(text)
    if not k:
        return ""
    if _ID_LIKE.fullmatch(text):
        return text[:6] + "*" * (k - 10) + text[-4:]
    lo, hi = next(((lo, hi) for lo, hi in LENGTH_CLASSES if k <= hi), (19, None))
    span = f"{lo}" if lo == hi else (f"{lo}–{hi}" if hi else f"{lo}+")
    return f"****（{span}位）"


def _masked_texts(ids: pd.Series, rows: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """(rows, masks) of texts masked one by one (legacy, malformed or empty numbers)."""
    return rows, [mask_text(text) for text in ids.iloc[rows].tolist()]


def completed_years(birth: pd.Series, on: pd.Series) -> pd.Series:
    """Age in completed years on a date (NA where either date is missing)."""
    by, bm, bd = birth.dt.year, birth.dt.month, birth.dt.day
    oy, om, od = on.dt.year, on.dt.month, on.dt.day
    before_birthday = (om < bm) | ((om == bm) & (od < bd))
    return (oy - by - before_birthday.astype("Int64")).astype("Int64")
