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
from collections.abc import Callable, Iterable, Mapping

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

_WS = re.compile(r"\s+")
_SCI = re.compile(r"^[+-]?\d+(\.\d+)?E[+-]?\d+$")
_DATE_YMD = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_DATE_SERIAL = re.compile(r"^(\d{1,6})(\.\d+)?$")
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


def clean_label(values: pd.Series) -> pd.Series:
    """Display form of free text (majors, names of things): NFKC, inner spaces removed,
    Simplified script."""
    return map_unique(
        values, lambda v: to_simplified(_WS.sub("", unicodedata.normalize("NFKC", v)))
    )


def build_lookup(canonical_to_variants: Mapping[str, Iterable[str]]) -> dict[str, str]:
    """A dict from the matching key of every spelling to its canonical value."""
    lookup: dict[str, str] = {}
    for canonical, variants in canonical_to_variants.items():
        for spelling in (canonical, *variants):
            lookup.setdefault(key_text(str(spelling)), canonical)
    return lookup


def map_enum(values: pd.Series, lookup: Mapping[str, str]) -> pd.Series:
    """Canonical value per row, or NA where the value is empty or unknown."""
    return map_unique(values, lambda v: lookup.get(key_text(v)) if v.strip() else None)


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


def parse_dates(values: pd.Series) -> pd.Series:
    """Vector of submitted dates → datetime64 (NaT where unreadable)."""
    parsed = map_unique(values, parse_date_text)
    return pd.to_datetime(parsed, errors="coerce").astype("datetime64[us]")


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
    rest = values[~done]
    rest = rest.str.normalize("NFKC").str.replace(r"\s+", "", regex=True)
    rest = rest.str.lstrip("'").str.upper()
    out = values.copy()
    out[~done] = rest
    return out


def check_digits(body17: np.ndarray) -> np.ndarray:
    """ISO 7064 MOD 11-2 check characters (uint8 ASCII) of an (n, 17) array of digits."""
    total = (body17.astype(np.int64) * ID_WEIGHTS).sum(axis=1)
    return ID_CHECK[total % 11]


def _digits(strings: pd.Series, width: int) -> np.ndarray:
    """(n, width) uint8 array of the ASCII bytes of equal-length ASCII strings."""
    if len(strings) == 0:
        return np.zeros((0, width), dtype=np.uint8)
    joined = "".join(strings.tolist()).encode("ascii")
    return np.frombuffer(joined, dtype=np.uint8).reshape(-1, width)


def check_ids(ids: pd.Series, latest_birth: dt.date) -> pd.DataFrame:
    """Validate normalised ID texts.

    Returns a frame on the same index with ``id18`` (the valid 18-character number, 15-digit
    legacy numbers converted, else NA), ``id_valid`` (bool), ``id_as_number`` (bool: the text
    is a spreadsheet's scientific notation), ``birth_date`` (datetime64) and ``gender``
    (男/女) from the number.
    """
    n = len(ids)
    ids = ids.fillna("").astype("str")
    id18 = np.full(n, None, dtype=object)
    valid = np.zeros(n, dtype=bool)
    birth = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    gender = np.full(n, None, dtype=object)
    as_number = ids.str.match(_SCI.pattern).to_numpy(dtype=bool)

    is18 = ids.str.fullmatch(r"\d{17}[\dX]").to_numpy(dtype=bool)
    is15 = ids.str.fullmatch(r"\d{15}").to_numpy(dtype=bool)

    # 15-digit legacy numbers: century 19 inserted, check digit computed.
    if is15.any():
        old = ids[is15]
        body = old.str.slice(0, 6) + "19" + old.str.slice(6, 15)
        chk = check_digits(_digits(body, 17) - 48)
        full = body + pd.Series(chk.view("S1").astype(str), index=body.index)
        ids = ids.copy()
        ids[is15] = full
    candidates = is18 | is15
    if candidates.any():
        cand = ids[candidates]
        raw = _digits(cand, 18)
        digits = raw[:, :17] - 48
        ok_check = (check_digits(digits) == raw[:, 17]) | np.asarray(is15[candidates])
        province = digits[:, 0].astype(np.int64) * 10 + digits[:, 1]
        ok_prov = np.isin(province, list(PROVINCES))
        ymd = (digits[:, 6:14].astype(np.int64) * 10 ** np.arange(7, -1, -1)).sum(axis=1)
        dates = pd.to_datetime(pd.Series(ymd.astype(str)), format="%Y%m%d", errors="coerce")
        ok_date = (
            dates.notna().to_numpy()
            & (dates >= pd.Timestamp(1900, 1, 1)).to_numpy()
            & (dates <= pd.Timestamp(latest_birth)).to_numpy()
        )
        ok = ok_check & ok_prov & ok_date
        pos = np.flatnonzero(candidates)
        good = pos[ok]
        id18[good] = cand.to_numpy(dtype=object)[ok]
        valid[good] = True
        birth[good] = dates.to_numpy(dtype="datetime64[D]")[ok]
        gender[good] = np.where(digits[ok, 16] % 2 == 1, "男", "女")
    return pd.DataFrame(
        {
            "id18": pd.Series(id18, index=ids.index, dtype=object),
            "id_valid": valid,
            "id_as_number": as_number,
            "birth_date": pd.Series(birth, index=ids.index).astype("datetime64[us]"),
            "gender_from_id": pd.Series(gender, index=ids.index, dtype=object),
        },
        index=ids.index,
    )


def mask_id(ids: pd.Series) -> pd.Series:
    """``230102********123X``: first six and last four characters kept, the rest starred.

    Texts shorter than 11 characters keep only their last two characters.
    """
    ids = ids.fillna("").astype(object)
    length = ids.str.len().to_numpy()
    out = (ids.str.slice(0, 6) + "********" + ids.str.slice(-4)).to_numpy(dtype=object).copy()
    other = np.flatnonzero(length != 18)
    for i in other:  # rare: legacy, malformed or empty numbers
        text, k = ids.iat[i], int(length[i])
        out[i] = (text[:6] + "*" * (k - 10) + text[-4:]) if k >= 11 else (
            "*" * max(k - 2, 0) + text[-2:] if k else "")
    return pd.Series(out, index=ids.index, dtype=object)


def completed_years(birth: pd.Series, on: pd.Series) -> pd.Series:
    """Age in completed years on a date (NA where either date is missing)."""
    by, bm, bd = birth.dt.year, birth.dt.month, birth.dt.day
    oy, om, od = on.dt.year, on.dt.month, on.dt.day
    before_birthday = (om < bm) | ((om == bm) & (od < bd))
    return (oy - by - before_birthday.astype("Int64")).astype("Int64")
