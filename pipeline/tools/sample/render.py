"""The text (or cell values) of each field of one file's rows, as a school's system writes it.

Values are picked from the vocabulary (Simplified or Traditional by the file's style), dirt is
planted where the row carries it, and strings are built with numpy over the file's rows.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from pipeline.tools.sample import invented as inv
from pipeline.tools.sample.records import EPOCH, Records, ymd
from pipeline.tools.sample.styles import N_DATE_STYLES, FileStyle
from pipeline.tools.sample.vocabulary import Vocabulary

_FULLWIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
_CN_NUM = ("", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十")


def pick(table: tuple[str, ...] | list[str] | np.ndarray, idx: np.ndarray) -> np.ndarray:
    """``table[idx]`` as an object array."""
    return np.asarray(table, dtype=object)[idx]


def cat(*parts: np.ndarray | str) -> np.ndarray:
    """Element-wise concatenation of string arrays (and plain strings)."""
    out = np.asarray(parts[0]).astype(object)
    for p in parts[1:]:
        out = out + (p if isinstance(p, str) else np.asarray(p).astype(object))
    return out


def _pad(rng: np.random.Generator, values: np.ndarray, p: float) -> np.ndarray:
    """Stray outer spaces on a share p of the values."""
    sel = np.flatnonzero(rng.random(len(values)) < p)
    if len(sel):
        how = rng.integers(0, 3, len(sel))
        v = values[sel]
        values[sel] = np.where(how == 0, " " + v, np.where(how == 1, v + " ", " " + v + " "))
    return values


def _cn_day(n: int) -> str:
    if n <= 10:
        return _CN_NUM[n]
    if n < 20:
        return "十" + _CN_NUM[n - 10]
    return _CN_NUM[n // 10] + "十" + _CN_NUM[n % 10]


def _excel_sci(v: int) -> str:
    """How a spreadsheet shows an 18-digit number in General format: 2.30102E+17."""
    mant = round(v / 10**12)
    text = f"{mant // 100000}.{mant % 100000:05d}".rstrip("0").rstrip(".")
    return f"{text}E+17"


def _schools(data: Records, rows: np.ndarray, st: FileStyle, schools: pd.DataFrame,
             rng: np.random.Generator) -> np.ndarray:
    """School: full name, short alias or Traditional alias; unknown names planted."""
    sch = data.e_school[data.r_enrol[rows]]
    names = schools["school_name"].to_numpy(object)
    short = np.array([a.split("|")[0] for a in schools["aliases"]], dtype=object)
    trad = np.array([a.split("|")[1] for a in schools["aliases"]], dtype=object)
    u = rng.random(len(rows))
    school = np.where(u < st.alias_rate * 0.6, short[sch],
                      np.where(u < st.alias_rate, trad[sch], names[sch]))
    bad = data.r_dirt[rows] == inv.UNKNOWN_SCHOOL
    school[bad] = pick(inv.UNKNOWN_SCHOOLS,
                       rng.integers(0, len(inv.UNKNOWN_SCHOOLS), int(bad.sum())))
    return _pad(rng, school.astype(object), 0.03)


def _names(data: Records, p: np.ndarray, st: FileStyle, rng: np.random.Generator) -> np.ndarray:
    """Names, with a space inside some two-character names (aligned for printing)."""
    g_m = np.array(list(inv.GIVEN_M), dtype=object)
    g_f = np.array(list(inv.GIVEN_F), dtype=object)
    male = data.male[p]
    g1, g2 = data.given1[p], data.given2[p]
    first = np.where(male, g_m[g1 % len(g_m)], g_f[g1 % len(g_f)])
    second = np.where(g2 < 0, "", np.where(male, g_m[g2 % len(g_m)], g_f[g2 % len(g_f)]))
    sur = np.array(list(inv.SURNAMES), dtype=object)[data.surname[p]]
    gap = np.where((g2 < 0) & (rng.random(len(p)) < (0.3 if st.printed else 0.04)), " ", "")
    return _pad(rng, cat(sur, gap, first, second), 0.005)


def _id_numbers(data: Records, p: np.ndarray, dirt: np.ndarray, st: FileStyle,
                rng: np.random.Generator) -> np.ndarray:
    """ID numbers: wrong check digits, lower-case x, legacy 15 digits, full-width digits,
    stray spaces, and numbers a spreadsheet turned into 2.30102E+17 (or a float cell)."""
    n = len(p)
    chk = data.check[p].astype(np.int64)
    typo = dirt == inv.BAD_CHECK
    chk[typo] = (chk[typo] + rng.integers(1, 11, int(typo.sum()))) % 11
    chk_chars = np.array(list("0123456789X"), dtype=object)[chk]
    lx = (chk == 10) & (rng.random(n) < st.lower_x)
    chk_chars[lx] = "x"
    ids = cat(data.id17[p].astype("U17"), chk_chars)
    legacy = data.legacy15[p] & (dirt != inv.BAD_CHECK)
    if legacy.any():
        i17 = data.id17[p[legacy]]
        area, seq = i17 // 10**11, i17 % 1000
        yymmdd = (i17 // 1000) % 10**6
        ids[legacy] = cat(area.astype("U6"), np.char.zfill(yymmdd.astype("U6"), 6),
                          np.char.zfill(seq.astype("U3"), 3))
    fw = np.flatnonzero(rng.random(n) < 0.01)
    if len(fw):
        ids[fw] = pd.Series(ids[fw], dtype=object).str.translate(_FULLWIDTH).to_numpy(object)
    ids = _pad(rng, ids, 0.015)
    sci = np.flatnonzero(dirt == inv.SCI_ID)
    if len(sci):
        full = data.id17[p[sci]] * 10 + data.check[p[sci]]
        if st.fmt == "xlsx":
            ids[sci] = full.astype(float)  # a number cell: the digits are lost
        else:
            ids[sci] = [_excel_sci(int(v)) for v in full]
    return ids


def _target_groups(e: np.ndarray, dirt: np.ndarray, st: FileStyle, vocab: Vocabulary,
                   data: Records, rng: np.random.Generator) -> np.ndarray:
    """Target groups in the file's script; unknown groups planted."""
    tg = pick(vocab.values["target_group"][st.trad_values], data.e_tg[e])
    bad = dirt == inv.UNKNOWN_GROUP
    tg[bad] = pick(inv.UNKNOWN_TARGET_GROUPS,
                   rng.integers(0, len(inv.UNKNOWN_TARGET_GROUPS), int(bad.sum())))
    return _pad(rng, tg, 0.01)


def _majors(data: Records, rows: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Majors by name or, one in ten, by their first alias; unknown majors kept."""
    n = len(rows)
    mj = data.r_major[rows].astype(np.int64)
    known = mj < len(inv.MAJORS)
    major = np.empty(n, dtype=object)
    major[known] = pick([m[0] for m in inv.MAJORS], mj[known])
    major[~known] = pick(inv.UNKNOWN_MAJORS, mj[~known] - len(inv.MAJORS))
    alias_of = [m[1].split("|")[0] for m in inv.MAJORS]
    use_alias = known & (rng.random(n) < 0.1)
    if use_alias.any():
        al = pick(alias_of, mj[use_alias])
        major[use_alias] = np.where(al == "", major[use_alias], al)
    return _pad(rng, major, 0.01)


def _dates(day_numbers: np.ndarray, bad: np.ndarray, st: FileStyle,
           rng: np.random.Generator) -> np.ndarray:
    """Admission dates in the file's mix of spellings (or date cells in XLSX)."""
    n = len(day_numbers)
    style = np.where(rng.random(n) < 0.7, st.date_main, rng.integers(0, N_DATE_STYLES, n))
    if st.fmt == "xlsx" and st.date_cells:
        style = np.where(rng.random(n) < 0.03, 5, -1)  # date cells, a few serial numbers
    y, m, d = ymd(day_numbers)
    ys, ms, ds = y.astype("U4"), m.astype("U2"), d.astype("U2")
    m2, d2 = np.char.zfill(ms, 2), np.char.zfill(ds, 2)
    out = np.empty(n, dtype=object)
    forms = {
        0: lambda s: cat(ys[s], "-", m2[s], "-", d2[s]),
        1: lambda s: cat(ys[s], "/", ms[s], "/", ds[s]),
        2: lambda s: cat(ys[s], ".", ms[s], ".", ds[s]),
        3: lambda s: cat(ys[s], "年", ms[s], "月", ds[s], "日"),
        4: lambda s: cat(ys[s], m2[s], d2[s]),
        6: lambda s: cat(ys[s], "-", ms[s], "-", ds[s]),
    }
    for k, f in forms.items():
        s = style == k
        if s.any():
            out[s] = f(s)
    serial = style == 5
    if serial.any():
        vals = day_numbers[serial].astype(np.int64) + 25569  # Excel day 0 = 1899-12-30
        out[serial] = vals if st.fmt == "xlsx" else vals.astype("U5").astype(object)
    cells = style == -1
    if cells.any():
        out[cells] = [EPOCH + dt.timedelta(days=int(v)) for v in day_numbers[cells]]
    for i in np.flatnonzero(bad):
        k = int(rng.integers(0, 4))
        out[i] = (f"{_cn_day(int(m[i]))}月{_cn_day(int(d[i]))}日",
                  "2019-13-45", "2019-02-30", f"{y[i]}年{m[i]}月")[k]
    return out


def _coded(data: Records, rows: np.ndarray, dirt: np.ndarray, st: FileStyle,
           vocab: Vocabulary, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Disabled flag, level, study mode, years, class type, education kind, admission date
    and status."""
    e = data.r_enrol[rows]
    script = int(st.trad_values)
    values = vocab.values
    yes, no = vocab.disabled_styles[st.disabled_style]
    out = {"disabled": np.where(data.e_disabled[e], yes, no).astype(object)}
    level = np.where(dirt == inv.LEVEL_NOT_ALLOWED, data.e_level_bad[e], data.e_level[e])
    out["level"] = pick(values["level"][script], level)
    out["study_mode"] = pick(values["study_mode"][0], data.e_mode[e])
    yrs = data.e_years[e].astype("U1").astype(object)
    out["years"] = np.where(rng.random(len(rows)) < st.years_suffix, yrs + "年", yrs)
    out["class_type"] = pick(values["class_type"][script], data.e_ctype[e])
    if st.has_edu:
        out["education_kind"] = pick(values["education_kind"][script],
                                     (dirt == inv.SHORT_TRAINING).astype(np.int64))
    adm = np.where(dirt == inv.OUT_OF_WINDOW, data.e_adm_bad[e], data.e_adm[e])
    out["admission_date"] = _dates(adm, dirt == inv.BAD_DATE, st, rng)
    out["status"] = pick(values["status"][script], data.r_status[rows])
    return out


def render(data: Records, rows: np.ndarray, st: FileStyle, schools: pd.DataFrame,
           vocab: Vocabulary, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """The text (or cell values) of each field for the given raw rows of one file."""
    e = data.r_enrol[rows]
    p = data.e_person[e]
    dirt = data.r_dirt[rows]
    out = {"school": _schools(data, rows, st, schools, rng), "name": _names(data, p, st, rng),
           "id_number": _id_numbers(data, p, dirt, st, rng)}
    # gender (declared), sometimes disagreeing with the ID
    declared = data.male[p] ^ data.e_gender_flip[e]
    male, female = vocab.genders
    out["gender"] = _pad(rng, np.where(declared, male, female).astype(object), 0.01)
    out["target_group"] = _target_groups(e, dirt, st, vocab, data, rng)
    out["major"] = _majors(data, rows, rng)
    return out | _coded(data, rows, dirt, st, vocab, rng)
