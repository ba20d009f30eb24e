"""The sample's rows as numbers: persons, enrollments and the raw rows that submit them.

Everything is drawn with numpy over all rows at once from one generator, in a fixed order (the
same seed and rows give the same arrays); strings are made per file later
(:mod:`pipeline.tools.sample.render`). Working arrays are passed between the steps in one
dict, ``d``, whose keys end as the fields of :class:`Records`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.tools.sample import invented as inv
from pipeline.tools.sample.vocabulary import Vocabulary

EPOCH = dt.date(1970, 1, 1)
# positions of the statuses in pipeline.config.STATUSES and the mix of final states
REGISTERED, PENDING, PAUSED, WITHDRAWN = 0, 1, 2, 3
STATUS_MIX = (0.88, 0.04, 0.03, 0.05)
CLASS_TYPE_MIX = (0.55, 0.2, 0.15, 0.1)  # in the order of pipeline.config.CLASS_TYPES
# shares of the raw rows: re-sent in a later folder, repeated in a file, second school
F_RESEND, F_DUP, F_CROSS = 0.15, 0.01, 0.005


@dataclass
class Records:
    """All generated rows as numeric arrays; strings are built per file later."""

    # persons
    id17: np.ndarray  # int64, 17 digits
    check: np.ndarray  # int8, 0-10 (10 = X)
    area: np.ndarray  # int32
    birth: np.ndarray  # int32 days since 1970
    male: np.ndarray  # bool
    legacy15: np.ndarray  # bool
    surname: np.ndarray
    given1: np.ndarray
    given2: np.ndarray  # -1 = single-character given name
    # enrollments
    e_person: np.ndarray
    e_school: np.ndarray
    e_adm: np.ndarray  # int32 days
    e_adm_bad: np.ndarray  # the same with the planted out-of-window dates
    e_tg: np.ndarray
    e_disabled: np.ndarray
    e_major: np.ndarray  # index into MAJORS, or len(MAJORS)+k for UNKNOWN_MAJORS[k]
    e_level: np.ndarray
    e_level_bad: np.ndarray  # with the planted levels the school type may not train
    e_mode: np.ndarray
    e_years: np.ndarray
    e_ctype: np.ndarray
    e_gender_flip: np.ndarray  # declared gender disagrees with the ID
    # raw rows
    r_enrol: np.ndarray
    r_folder: np.ndarray
    r_status: np.ndarray
    r_dirt: np.ndarray
    r_major: np.ndarray
    r_order: np.ndarray
    r_kind: np.ndarray  # 0 first submission, 1 re-sent in a later folder, 2 repeated in file


def days(d: dt.date) -> int:
    """Days since 1970-01-01."""
    return (d - EPOCH).days


def check_digits(id17: np.ndarray) -> np.ndarray:
    """ISO 7064 MOD 11-2 check values (10 means X) of 17-digit integers."""
    weights = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
    rest = id17.copy()
    total = np.zeros(len(id17), dtype=np.int64)
    for w in weights[::-1]:
        total += (rest % 10) * w
        rest //= 10
    return ((12 - total % 11) % 11).astype(np.int8)


def ymd(day_numbers: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month and day of days since 1970."""
    d = day_numbers.astype("datetime64[D]")
    y = d.astype("datetime64[Y]")
    m = d.astype("datetime64[M]")
    year = y.astype(np.int64) + 1970
    month = (m - y.astype("datetime64[M]")).astype(np.int64) + 1
    day = (d - m.astype("datetime64[D]")).astype(np.int64) + 1
    return year, month, day


def month_index(day_numbers: np.ndarray, folders: tuple[str, ...]) -> np.ndarray:
    """Folder index (0 = the first period) of each day, clipped into the folders."""
    m = day_numbers.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    first = np.datetime64(folders[0], "M").astype(np.int64)
    return np.clip(m - first, 0, len(folders) - 1).astype(np.int8)


def top_k(rng: np.random.Generator, weights: np.ndarray, k: int) -> np.ndarray:
    """The indices of k draws without replacement, probability ∝ weights (exponential race)."""
    k = int(min(k, int((weights > 0).sum())))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    with np.errstate(divide="ignore"):
        keys = rng.exponential(size=len(weights)) / weights
    idx = np.argpartition(keys, k - 1)[:k]
    return np.sort(idx)


def _school_traits(rng: np.random.Generator, d: dict) -> None:
    """Each school's character: speed, fulfilment, data quality, withdrawals, resend habits."""
    n = d["n_schools"]
    d["perf"] = rng.uniform(0.35, 1.3, n)
    d["autumn_share"] = np.clip(rng.normal(0.45, 0.1, n), 0.25, 0.65)
    d["dirty_school"] = dirty = int(rng.integers(n))
    d["quit_school"] = quit_ = int((dirty + 1 + rng.integers(n - 1)) % n)
    d["dirt_factor"] = np.ones(n)
    d["dirt_factor"][dirty] = inv.DIRTY_SCHOOL_FACTOR
    d["withdraw_p"] = np.full(n, 0.05)
    d["withdraw_p"][quit_] = 0.2
    d["resend_rate"] = rng.uniform(0.05, 0.3, n)
    d["has_edu"] = rng.random(n) < 0.6
    d["pool"] = np.stack([rng.choice(len(inv.MAJORS), 9, replace=False) for _ in range(n)])


def _admissions(rng: np.random.Generator, d: dict, vocab: Vocabulary) -> None:
    """Each base enrollment's school and admission day: autumn intake (up to the cutoff) or
    spring, with seasonal weights."""
    n = d["n_base"]
    share = d["quota"] * d["perf"]
    d["school"] = school = rng.choice(d["n_schools"], n, p=share / share.sum()).astype(np.int16)
    start, cut = days(vocab.window_start), days(vocab.cutoff)
    aut_days = np.arange(start, cut + 1)
    aut_w = np.where(aut_days < start + 15, 2.0, 1.0)
    spr_days = np.arange(cut + 1, days(vocab.window_end) + 1)
    _, spr_m, _ = ymd(spr_days)
    spr_w = np.select([spr_m >= 10, spr_m == 1, spr_m == 2, spr_m == 3], [0.3, 0.2, 0.6, 1.0],
                      0.8)
    autumn = rng.random(n) < d["autumn_share"][school]
    d["adm"] = np.where(
        autumn,
        rng.choice(aut_days, n, p=aut_w / aut_w.sum()),
        rng.choice(spr_days, n, p=spr_w / spr_w.sum()),
    ).astype(np.int32)


def _levels(rng: np.random.Generator, d: dict, schools: np.ndarray) -> np.ndarray:
    """A level for each enrollment at ``schools``, drawn within what its school type trains."""
    rank = d["type_rank"][schools]
    level = np.empty(len(schools), dtype=np.int8)
    for t, p in enumerate(d["level_p"]):
        sel = np.flatnonzero(rank == t)
        level[sel] = rng.choice(len(p), len(sel), p=p)
    return level


def _persons(rng: np.random.Generator, d: dict, vocab: Vocabulary) -> None:
    """Target group, birth, gender and area of each person; the base enrollment's fields."""
    n, school = d["n_base"], d["school"]
    group_p, ages = inv.group_mix(vocab)
    d["tg"] = tg = rng.choice(len(group_p), n, p=group_p).astype(np.int8)
    lo, hi = ages[tg, 0], ages[tg, 1]
    age_days = rng.integers(np.round(lo * 365.25 + 3), np.round((hi + 1) * 365.25 - 3))
    d["birth"] = (d["adm"] - age_days).astype(np.int32)
    d["male"] = male = rng.random(n) < 0.55
    area_codes = np.array([a for a, _ in inv.AREAS], dtype=np.int64)
    area_w = np.array([w for _, w in inv.AREAS], dtype=float)
    d["area"] = rng.choice(area_codes, n, p=area_w / area_w.sum())
    d["seq"] = rng.integers(0, 500, n) * 2 + male
    d["disabled"] = rng.random(n) < 0.025
    pool = d["pool"]
    d["major"] = pool[school, rng.integers(0, pool.shape[1], n)].astype(np.int16)
    social = tg >= len(vocab.school_leaver_groups)
    d["mode"] = (rng.random(n) < np.where(social, 0.35, 0.05)).astype(np.int8)
    d["years"] = rng.choice(np.arange(1, 7), n, p=[0.02, 0.2, 0.5, 0.18, 0.08, 0.02])
    d["ctype"] = rng.choice(len(CLASS_TYPE_MIX), n, p=CLASS_TYPE_MIX).astype(np.int8)
    d["level"] = _levels(rng, d, school)


def _enrollments(rng: np.random.Generator, d: dict, vocab: Vocabulary) -> None:
    """The base enrollments plus a few persons' second enrollment in another school
    (cross-school duplicates), and the folder each is first sent in."""
    n_base, n_cross, n_schools, pool = d["n_base"], d["n_cross"], d["n_schools"], d["pool"]
    d["cross_person"] = cross = rng.choice(n_base, n_cross, replace=False)
    cross_school = (d["school"][cross] + 1 + rng.integers(0, n_schools - 1, n_cross)) % n_schools
    cross_adm = np.clip(d["adm"][cross] + rng.integers(-20, 21, n_cross),
                        days(vocab.window_start), days(vocab.window_end))
    d["e_person"] = e_person = np.concatenate([np.arange(n_base), cross]).astype(np.int32)
    d["e_school"] = np.concatenate([d["school"], cross_school]).astype(np.int16)
    d["e_adm"] = np.concatenate([d["adm"], cross_adm]).astype(np.int32)
    d["e_tg"] = d["tg"][e_person]
    d["e_disabled"] = d["disabled"][e_person]
    cross_major = pool[cross_school, rng.integers(0, pool.shape[1], n_cross)]
    d["e_major"] = np.concatenate([d["major"], cross_major]).astype(np.int16)
    d["e_mode"] = d["mode"][e_person]
    d["e_years"] = d["years"][e_person].astype(np.int8)
    d["e_ctype"] = np.concatenate([d["ctype"], rng.choice(len(CLASS_TYPE_MIX), n_cross)]
                                  ).astype(np.int8)
    d["e_level"] = np.concatenate([d["level"], _levels(rng, d, cross_school)])
    # folder: month of admission, sometimes reported one or two months late
    late = rng.choice(3, d["n_enrol"], p=[0.82, 0.15, 0.03])
    d["e_folder"] = np.minimum(month_index(d["e_adm"], vocab.folders) + late,
                               len(vocab.folders) - 1).astype(np.int8)


def _plant(rng: np.random.Generator, d: dict) -> None:
    """Planted quarantine-worthy errors (first enrollments only, one per enrollment)."""
    n_base, school = d["n_base"], d["school"]
    u, v = rng.random(n_base), rng.random(n_base)
    dirt = np.zeros(n_base, dtype=np.int8)
    for edu in (False, True):
        rates = np.array(inv.DIRT_RATES)
        if not edu:
            rates[inv.SHORT_TRAINING] = 0.0  # only visible where the column exists
        cum = np.cumsum(rates) / rates.sum()
        hit = (d["has_edu"][school] == edu) & (u < rates.sum() * d["dirt_factor"][school])
        dirt[hit] = np.searchsorted(cum, v[hit], side="right")
    dirt[d["cross_person"]] = inv.DIRT_NONE  # keep the cross-school pairs otherwise clean
    d["dirt"] = dirt
    d["e_dirt"] = np.concatenate([dirt, np.zeros(d["n_cross"], dtype=np.int8)])


def _wrong_values(rng: np.random.Generator, d: dict, vocab: Vocabulary) -> None:
    """The wrong values of errors that a corrected re-send or repeat sets right."""
    e_adm, e_dirt = d["e_adm"], d["e_dirt"]
    d["e_adm_bad"] = e_adm_bad = e_adm.copy()
    d["e_level_bad"] = e_level_bad = d["e_level"].copy()
    sel = np.flatnonzero(e_dirt == inv.OUT_OF_WINDOW)
    kind = rng.integers(0, 3, len(sel))
    e_adm_bad[sel] = np.select(
        [kind == 0, kind == 1],
        [days(vocab.window_start) - 22 + rng.integers(0, 22, len(sel)),  # before the window
         e_adm[sel] - 365],  # year typed one too low
        days(vocab.window_end) + 1 + rng.integers(0, 25, len(sel)),  # after the window
    )
    sel = np.flatnonzero(e_dirt[: d["n_base"]] == inv.IMPLAUSIBLE_AGE)
    young = rng.random(len(sel)) < 0.5
    bad_age = np.where(young, rng.integers(6, 12, len(sel)), rng.integers(66, 76, len(sel)))
    d["birth"][sel] = d["adm"][sel] - np.round(bad_age * 365.25
                                               + rng.integers(10, 300, len(sel)))
    sel = np.flatnonzero(e_dirt == inv.LEVEL_NOT_ALLOWED)
    counts = np.array([len(lv) for lv in vocab.not_allowed])
    table = np.array([np.resize(lv or (0,), counts.max()) for lv in vocab.not_allowed])
    rank = d["type_rank"][d["e_school"][sel]]
    e_level_bad[sel] = table[rank, rng.integers(0, counts[rank])]


def _id_numbers(rng: np.random.Generator, d: dict) -> None:
    """ID numbers from area, birth and sequence; a few legacy 15-digit numbers."""
    by, bm, bd = ymd(d["birth"])
    d["id17"] = id17 = d["area"] * 10**11 + (by * 10000 + bm * 100 + bd) * 1000 + d["seq"]
    d["check"] = check = check_digits(id17)
    # a spreadsheet only mangles numbers: IDs ending in X are text, give them a typo instead
    e_dirt = d["e_dirt"]
    sci = e_dirt == inv.SCI_ID
    sci_x = np.zeros(d["n_enrol"], dtype=bool)
    sci_x[sci] = check[d["e_person"][sci]] == 10
    e_dirt[sci_x] = inv.BAD_CHECK
    old = np.flatnonzero((by < 1999) & (d["dirt"] == inv.DIRT_NONE))
    d["legacy15"] = legacy15 = np.zeros(d["n_base"], dtype=bool)
    if len(old):
        legacy15[old[top_k(rng, np.ones(len(old)), round(0.003 * d["n_base"]))]] = True


def _warnings_and_names(rng: np.random.Generator, d: dict) -> None:
    """Unknown majors and declared genders that disagree with the ID (warnings, kept); the
    characters of each person's name."""
    n_enrol, n_base = d["n_enrol"], d["n_base"]
    unk = rng.random(n_enrol) < 0.01
    d["e_major"][unk] = len(inv.MAJORS) + rng.integers(0, len(inv.UNKNOWN_MAJORS),
                                                       int(unk.sum()))
    d["e_gender_flip"] = rng.random(n_enrol) < 0.005
    d["surname"] = rng.integers(0, len(inv.SURNAMES), n_base).astype(np.int16)
    d["given1"] = rng.integers(0, 150, n_base).astype(np.int16)
    d["given2"] = np.where(rng.random(n_base) < 0.45, -1,
                           rng.integers(0, 150, n_base)).astype(np.int16)


def _statuses(rng: np.random.Generator, d: dict, last_folder: int) -> None:
    """Final statuses: more withdrawals at one school, many recent ones still pending."""
    n_enrol = d["n_enrol"]
    final = rng.choice(len(STATUS_MIX), n_enrol, p=STATUS_MIX).astype(np.int8)
    quitting = rng.random(n_enrol) < d["withdraw_p"][d["e_school"]]
    final[quitting] = WITHDRAWN
    final[(final == WITHDRAWN) & ~quitting] = REGISTERED
    recent = (d["e_folder"] == last_folder) & (rng.random(n_enrol) < 0.35)
    final[recent] = PENDING
    d["final"] = final


def _resends(rng: np.random.Generator, d: dict, last_folder: int) -> None:
    """Re-sends in later folders, weighted to rows with errors (schools correct after
    feedback); a first 待注册 for many of those re-sent later."""
    e_dirt, e_folder = d["e_dirt"], d["e_folder"]
    w = d["resend_rate"][d["e_school"]] * (e_folder < last_folder)
    w = w * np.where(e_dirt != inv.DIRT_NONE, 3.0, 1.0)
    d["res"] = res = top_k(rng, w, d["n_resend"])
    n_resend = len(res)
    d["res_folder"] = np.minimum(
        e_folder[res] + rng.choice([1, 2, 3], n_resend, p=[0.7, 0.2, 0.1]), last_folder
    ).astype(np.int8)
    d["first_status"] = first_status = d["final"].copy()
    d["was_pending"] = was_pending = np.zeros(d["n_enrol"], dtype=bool)
    was_pending[res] = rng.random(n_resend) < 0.6
    first_status[was_pending] = PENDING
    fixed = rng.random(n_resend) < 0.7
    persistent = np.isin(e_dirt[res], [inv.IMPLAUSIBLE_AGE])
    d["res_dirt"] = np.where(fixed & ~persistent, inv.DIRT_NONE, e_dirt[res]).astype(np.int8)


def _repeats(rng: np.random.Generator, d: dict) -> None:
    """Repeats inside one file: an exact copy or a corrected copy, placed later in the file."""
    e_dirt, n_dup, pool = d["e_dirt"], d["n_dup"], d["pool"]
    d["dup"] = dup = rng.choice(d["n_enrol"], n_dup, replace=False)
    corrected = rng.random(n_dup) < 0.5
    d["dup_dirt"] = dup_dirt = np.where(corrected, inv.DIRT_NONE, e_dirt[dup]).astype(np.int8)
    dup_dirt[e_dirt[dup] == inv.IMPLAUSIBLE_AGE] = inv.IMPLAUSIBLE_AGE
    d["dup_major"] = dup_major = d["e_major"][dup].copy()
    new_major = corrected & (rng.random(n_dup) < 0.3)
    dup_major[new_major] = pool[d["e_school"][dup[new_major]],
                                rng.integers(0, pool.shape[1], int(new_major.sum()))]


def _raw_rows(rng: np.random.Generator, d: dict) -> None:
    """The raw rows: every enrollment's first submission, the re-sends, the repeats."""
    n_enrol, n_resend, n_dup = d["n_enrol"], len(d["res"]), d["n_dup"]
    res, dup = d["res"], d["dup"]
    d["r_enrol"] = np.concatenate([np.arange(n_enrol), res, dup]).astype(np.int32)
    d["r_folder"] = np.concatenate([d["e_folder"], d["res_folder"], d["e_folder"][dup]]
                                   ).astype(np.int8)
    d["r_status"] = np.concatenate([d["first_status"], d["final"][res], d["final"][dup]]
                                   ).astype(np.int8)
    d["r_dirt"] = np.concatenate([d["e_dirt"], d["res_dirt"], d["dup_dirt"]]).astype(np.int8)
    d["r_major"] = np.concatenate([d["e_major"], d["e_major"][res], d["dup_major"]]
                                  ).astype(np.int16)
    d["r_order"] = np.concatenate([rng.random(n_enrol + n_resend), 1.0 + rng.random(n_dup)])
    d["r_kind"] = np.concatenate([np.zeros(n_enrol), np.ones(n_resend), np.full(n_dup, 2)]
                                 ).astype(np.int8)
    d["area"] = d["area"].astype(np.int32)


def _planted_summary(data: Records, d: dict) -> dict:
    """How many rows of each planted kind (and of the other shapes) the sample holds."""
    planted = {name: int((data.r_dirt == k).sum()) for k, name in enumerate(inv.DIRT_NAMES)
               if k}
    planted.update(
        cross_school_students=int(d["n_cross"]),
        repeated_in_file=int(d["n_dup"]),
        resent_later=len(d["res"]),
        legacy_15_digit_rows=int(data.legacy15[data.e_person[data.r_enrol]].sum()),
        unknown_major_rows=int((data.r_major >= len(inv.MAJORS)).sum()),
        gender_mismatch_rows=int(data.e_gender_flip[data.r_enrol].sum()),
        first_sent_pending_then_resent=int(d["was_pending"].sum()),
    )
    return planted


def _sizes(rows: int, schools: pd.DataFrame, vocab: Vocabulary) -> dict:
    """The row budget: first submissions + second-school enrollments + repeats in file +
    re-sends; the schools' quotas and type ranks, the level mix per type."""
    n_base = max(20, round(rows / (1 + F_RESEND + F_DUP + F_CROSS)))
    n_cross = round(F_CROSS * n_base)
    n_dup = round(F_DUP * n_base)
    n_enrol = n_base + n_cross
    return {
        "n_schools": len(schools), "n_base": n_base, "n_cross": n_cross, "n_dup": n_dup,
        "n_enrol": n_enrol, "n_resend": max(0, rows - n_enrol - n_dup),
        "quota": schools["quota"].to_numpy(float),
        "type_rank": np.array([vocab.school_types.index(t) for t in schools["school_type"]]),
        "level_p": inv.level_weights(vocab),
    }


def generate(vocab: Vocabulary, seed: int, rows: int,
             schools: pd.DataFrame) -> tuple[Records, dict]:
    """Every raw row of the sample as numbers, and the traits the summary reports
    (``has_edu`` per school, the dirty and the high-withdrawal school, students, planted)."""
    rng = np.random.default_rng([seed, 2])
    last_folder = len(vocab.folders) - 1
    d = _sizes(rows, schools, vocab)
    _school_traits(rng, d)
    _admissions(rng, d, vocab)
    _persons(rng, d, vocab)
    _enrollments(rng, d, vocab)
    _plant(rng, d)
    _wrong_values(rng, d, vocab)
    _id_numbers(rng, d)
    _warnings_and_names(rng, d)
    _statuses(rng, d, last_folder)
    _resends(rng, d, last_folder)
    _repeats(rng, d)
    _raw_rows(rng, d)
    data = Records(**{f.name: d[f.name] for f in dataclasses.fields(Records)})
    traits = {
        "has_edu": d["has_edu"], "dirty_school": d["dirty_school"],
        "quit_school": d["quit_school"], "students": d["n_base"],
        "planted": _planted_summary(data, d),
    }
    return data, traits
