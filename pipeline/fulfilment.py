"""Stage 03 logic: counting, breakdowns, the monthly series, revisions and the projection.

Counting (DESIGN §6): *admitted* = clean records admitted on or before ``as_of``;
*registered* = admitted with status 已注册, 休学 or 退学; *counted* = the configured basis.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pipeline.numbers import ratio

BREAKDOWN_DIMENSIONS = (
    "school_type", "ownership", "district", "intake", "target_group", "group_kind",
    "disabled", "industry", "level", "study_mode", "class_type",
)
# The clean-record columns stage 03 reads (the rest stay on disk).
ENROLLMENT_COLUMNS = (
    "school_id", "admission_date", "status", "intake", "target_group", "disabled", "industry",
    "level", "study_mode", "class_type", "id_masked", "source_file", "sheet", "source_row",
)
SCHOOL_COLUMNS = (
    "school_id", "school_name", "school_type", "district", "quota", "admitted", "registered",
    "counted", "fulfilment_rate", "autumn_2019", "spring_2020",
)


def flags(
    enrollment: pd.DataFrame, as_of: dt.date, basis: str, registered_statuses: tuple[str, ...]
) -> pd.DataFrame:
    """Boolean ``admitted``, ``registered`` and ``counted`` per clean record."""
    admitted, registered, counted = flag_arrays(
        enrollment["admission_date"].to_numpy(),
        enrollment["status"].isin(registered_statuses).to_numpy(), as_of, basis)
    return pd.DataFrame(
        {"admitted": admitted, "registered": registered, "counted": counted},
        index=enrollment.index,
    )


def flag_arrays(admission: np.ndarray, registered_status: np.ndarray, as_of: dt.date,
                basis: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(admitted, registered, counted) from admission dates (datetime64) and whether each
    status is a registered one: admitted on or before ``as_of``; registered, admitted with
    a registered status; counted, as the basis says."""
    admitted = admission <= np.datetime64(as_of)
    registered = admitted & registered_status
    return admitted, registered, registered if basis == "registered" else admitted


def sums_by(keys: pd.Series, columns: dict[str, object]) -> pd.DataFrame:
    """``DataFrame(columns).groupby(keys).sum()`` for boolean or integer columns, counted
    with integer codes: int64 sums indexed by the keys present (missing keys left out),
    sorted."""
    codes, uniques = pd.factorize(keys, sort=True)
    return sums_by_code(codes, uniques, columns, name=keys.name)


def sums_by_code(codes: np.ndarray, uniques: object, columns: dict[str, object],
                 rows: np.ndarray | None = None, name: str | None = None) -> pd.DataFrame:
    """:func:`sums_by` on keys already factorised (``codes`` into ``uniques``, -1 missing),
    over the ``rows`` given (a boolean mask; all rows when None): the keys present among
    those rows, each column's sum."""
    present = codes >= 0 if rows is None else (codes >= 0) & rows
    codes = codes[present]
    n = len(uniques)
    out = {}
    for column, values in columns.items():
        weights = np.asarray(values)[present]
        if weights.dtype == bool:
            out[column] = np.bincount(codes[weights], minlength=n)
        else:
            out[column] = np.bincount(codes, weights=weights, minlength=n).round()
    seen = np.bincount(codes, minlength=n) > 0
    index = pd.Index(np.asarray(uniques, dtype=object)[seen], name=name)
    return pd.DataFrame({c: v[seen] for c, v in out.items()}, index=index).astype(np.int64)


def by_school(
    enrollment: pd.DataFrame, f: pd.DataFrame, schools: pd.DataFrame, autumn_label: str
) -> pd.DataFrame:
    """``fulfilment_by_school.csv``: every school of the quota table, even with no records."""
    autumn = f["counted"].to_numpy() & (enrollment["intake"] == autumn_label).to_numpy()
    per = sums_by(enrollment["school_id"], {
        "admitted": f["admitted"].to_numpy(),
        "registered": f["registered"].to_numpy(),
        "counted": f["counted"].to_numpy(),
        "autumn_2019": autumn,
    })
    out = schools[["school_id", "school_name", "school_type", "district", "quota"]].merge(
        per, left_on="school_id", right_index=True, how="left"
    ).fillna({"admitted": 0, "registered": 0, "counted": 0, "autumn_2019": 0})
    for c in ("admitted", "registered", "counted", "autumn_2019"):
        out[c] = out[c].astype(np.int64)
    out["spring_2020"] = out["counted"] - out["autumn_2019"]
    out["fulfilment_rate"] = ratio(out["counted"], out["quota"])
    return out[list(SCHOOL_COLUMNS)].sort_values("school_id").reset_index(drop=True)


def breakdowns(
    enrollment: pd.DataFrame,
    f: pd.DataFrame,
    schools: pd.DataFrame,
    social_groups: tuple[str, ...],
    orders: dict[str, tuple[str, ...]] | None = None,
) -> pd.DataFrame:
    """Admitted, registered and counted by each dimension, long format.

    A missing value is the category ``（未知）``. Categories come in the configured order,
    then the others sorted.
    """
    attrs = schools.drop_duplicates("school_id").set_index("school_id")
    school_codes, school_ids = pd.factorize(enrollment["school_id"])
    coded = {
        attr: _through(school_codes, attrs[attr].reindex(school_ids).to_numpy())
        for attr in ("school_type", "ownership", "district")
    }
    coded["group_kind"] = (
        enrollment["target_group"].isin(social_groups).to_numpy().astype(np.int64),
        np.array(["应往届毕业生", "社会人员"], dtype=object),
    )
    coded["disabled"] = (
        enrollment["disabled"].to_numpy(dtype=bool).astype(np.int64),
        np.array(["否", "是"], dtype=object),
    )
    flag_arrays = [f[c].to_numpy(dtype=bool) for c in ("admitted", "registered", "counted")]
    orders = orders or {}
    parts = []
    for dim in BREAKDOWN_DIMENSIONS:
        codes, uniques = coded[dim] if dim in coded else pd.factorize(enrollment[dim])
        g = _sums_by(codes, np.asarray(uniques, dtype=object), flag_arrays)
        order = [c for c in orders.get(dim, ()) if c in g.index]
        rest = sorted(c for c in g.index if c not in order)
        g = g.loc[order + rest].rename_axis("category").reset_index()
        parts.append(g.assign(dimension=dim))
    out = pd.concat(parts, ignore_index=True)
    return out[["dimension", "category", "admitted", "registered", "counted"]].astype(
        {"admitted": "int64", "registered": "int64", "counted": "int64"})


UNKNOWN_CATEGORY = "（未知）"


def _through(codes: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes of ``values[codes]`` (an attribute looked up per row through its key's code,
    ``-1`` staying missing), without building the per-row values."""
    value_codes, uniques = pd.factorize(pd.Series(values, dtype=object))
    row_codes = np.where(codes < 0, -1, value_codes[np.maximum(codes, 0)])
    return row_codes, np.asarray(uniques, dtype=object)


def _sums_by(codes: np.ndarray, uniques: np.ndarray, flag_arrays: list[np.ndarray]
             ) -> pd.DataFrame:
    """How many rows of each category have each flag set, indexed by category: categories
    present only, a missing value (code ``-1``) counted as ``（未知）``."""
    n = len(uniques)
    labels = np.array([*(str(u) for u in uniques), UNKNOWN_CATEGORY], dtype=object)
    sums = sums_by_code(np.where(codes < 0, n, codes), labels,
                        dict(zip(("admitted", "registered", "counted"), flag_arrays,
                                 strict=True)))
    return sums.groupby(level=0, sort=False).sum()


def trajectory(day: dt.date, target: int, start: dt.date, end: dt.date) -> float:
    """The straight-line target path: 0 before ``start``, ``target`` on ``end``."""
    if day < start:
        return 0.0
    span = (end - start).days + 1
    return target * min(1.0, ((day - start).days + 1) / span)


def series(
    enrollment: pd.DataFrame,
    month_ends: list[tuple[str, dt.date]],
    *,
    target: int,
    traj_start: dt.date,
    traj_end: dt.date,
    basis: str,
    registered_statuses: tuple[str, ...],
) -> pd.DataFrame:
    """The monthly series as known now: cumulative counted at each month's end."""
    rows = []
    prev = None
    for month, end in month_ends:
        c = int(flags(enrollment, end, basis, registered_statuses)["counted"].sum())
        t = trajectory(end, target, traj_start, traj_end)
        rows.append({
            "month": month, "as_of": end.isoformat(), "counted": c,
            "target_trajectory": round(t, 2), "gap": round(t - c, 2),
            "change": None if prev is None else c - prev,
            "fulfilment_rate": c / target,
        })
        prev = c
    out = pd.DataFrame(rows)
    out["change"] = out["change"].astype("Int64")
    return out


def projection(
    known_now: pd.DataFrame, months_back: int, months_left: int, deadline: dt.date, target: int
) -> dict:
    """Counted at the deadline if the recent pace holds: the mean monthly gain over the last
    ``months_back`` months (fewer when the series is shorter), times the months left."""
    counted = known_now["counted"].tolist()
    current = counted[-1] if counted else 0
    k = min(months_back, len(counted) - 1)
    pace = (counted[-1] - counted[-1 - k]) / k if k > 0 else float(current)
    projected = current + pace * max(months_left, 0)
    return {
        "method": f"mean monthly gain over the last {k if k > 0 else 1} month(s) "
                  f"carried forward {max(months_left, 0)} month(s) to the deadline",
        "months_back": k if k > 0 else 1,
        "months_left": max(months_left, 0),
        "deadline": deadline.isoformat(),
        "monthly_pace": round(pace, 2),
        "projected_counted": int(round(projected)),
        "projected_rate": projected / target,
    }


MEASURES = ("c", "admitted", "admitted_by_cutoff", "social", "withdrawn", "priority")
WITHDRAWN = "退学"
OTHER_INDUSTRY = "其他"


def measure_flags(enrollment: pd.DataFrame, f: pd.DataFrame, cutoff: dt.date,
                  social_groups: tuple[str, ...]) -> pd.DataFrame:
    """Per clean record, which of the DESIGN §5 counts it enters: ``c`` (counted),
    ``admitted``, ``admitted_by_cutoff``, ``social``, ``withdrawn``, ``priority``."""
    cut = (enrollment["admission_date"] <= pd.Timestamp(cutoff)).to_numpy()
    counted = f["counted"].to_numpy()
    return pd.DataFrame({
        "c": counted,
        "admitted": f["admitted"].to_numpy(),
        "admitted_by_cutoff": f["admitted"].to_numpy() & cut,
        "social": counted & enrollment["target_group"].isin(social_groups).to_numpy(),
        "withdrawn": counted & (enrollment["status"] == WITHDRAWN).to_numpy(),
        "priority": counted & (enrollment["industry"] != OTHER_INDUSTRY).to_numpy(),
    }, index=enrollment.index)


def reward_inputs(
    enrollment: pd.DataFrame,
    f: pd.DataFrame,
    records: pd.DataFrame,
    schools: pd.DataFrame,
    cutoff: dt.date,
    social_groups: tuple[str, ...],
) -> pd.DataFrame:
    """DESIGN §5 inputs per school: the sums of :func:`measure_flags`, and the standing and
    quarantined rows of the files each school sent."""
    flags = measure_flags(enrollment, f, cutoff, social_groups)
    per = sums_by(enrollment["school_id"], {m: flags[m].to_numpy() for m in MEASURES})
    state = records["state"].to_numpy()
    files = sums_by(records["file_school_id"], {
        "standing": state != "superseded",
        "quarantined": state == "quarantined",
    })
    out = schools[["school_id", "school_name", "quota"]].merge(
        per, left_on="school_id", right_index=True, how="left"
    ).merge(files, left_on="school_id", right_index=True, how="left")
    cols = [*MEASURES, "standing", "quarantined"]
    out[cols] = out[cols].fillna(0).astype(np.int64)
    return out.sort_values("school_id").reset_index(drop=True)


EVIDENCE_COLUMNS = ("school_id", "id_masked", "source_file", "sheet", "source_row",
                    "admission_date", "intake", "status", "target_group", "industry")


def evidence(enrollment: pd.DataFrame, f: pd.DataFrame, cutoff: dt.date,
             social_groups: tuple[str, ...]) -> pd.DataFrame:
    """The records behind each school's counts: every admitted clean record with its
    provenance (masked ID, file, sheet, row) and the counts it enters."""
    flags = measure_flags(enrollment, f, cutoff, social_groups)
    keep = flags["admitted"].to_numpy()
    cols = [c for c in EVIDENCE_COLUMNS if c in enrollment.columns]
    return pd.concat([enrollment.loc[keep, cols], flags.loc[keep]], axis=1).sort_values(
        ["school_id", "source_file", "sheet", "source_row"], kind="stable").reset_index(
        drop=True)


GROUP_COLUMNS = ("quota", "admitted", "registered", "counted", "autumn_2019", "spring_2020")


def groups(per_school: pd.DataFrame, orders: Mapping[str, tuple[str, ...]] | None = None,
           dimensions: tuple[str, ...] = ("school_type", "district")) -> pd.DataFrame:
    """Fulfilment per school type and per district, from the per-school table:
    ``dimension, category, schools, quota, admitted, registered, counted, fulfilment_rate,
    autumn_2019, spring_2020``; categories in the configured order (``orders``), then the
    others sorted."""
    parts = []
    for dim in dimensions:
        g = per_school.groupby(dim, sort=True)
        sums = g[list(GROUP_COLUMNS)].sum().astype(np.int64)
        order = [c for c in (orders or {}).get(dim, ()) if c in sums.index]
        sums = sums.loc[order + sorted(c for c in sums.index if c not in order)]
        sums.insert(0, "schools", g.size().reindex(sums.index).astype(np.int64))
        sums["fulfilment_rate"] = ratio(sums["counted"], sums["quota"])
        parts.append(sums.rename_axis("category").reset_index().assign(dimension=dim))
    out = pd.concat(parts, ignore_index=True)
    return out[["dimension", "category", "schools", *GROUP_COLUMNS[:4], "fulfilment_rate",
                *GROUP_COLUMNS[4:]]]


def disabled_by_school(enrollment: pd.DataFrame, f: pd.DataFrame, schools: pd.DataFrame
                       ) -> pd.DataFrame:
    """Disabled people counted per school (every school of the quota table), before
    disclosure control: ``school_id, school_name, disabled_counted, total_counted``."""
    counted = f["counted"].to_numpy()
    per = sums_by(enrollment["school_id"], {
        "disabled_counted": counted & enrollment["disabled"].to_numpy(),
        "total_counted": counted,
    })
    return schools[["school_id", "school_name"]].merge(
        per, left_on="school_id", right_index=True, how="left"
    ).fillna({"disabled_counted": 0, "total_counted": 0}).astype(
        {"disabled_counted": "int64", "total_counted": "int64"})


@dataclass(frozen=True)
class Counting:
    """The plain values stage 03 counts with (DESIGN §6), for one period."""

    period: str
    as_of: dt.date
    basis: str
    registered_statuses: tuple[str, ...]
    target: int
    trajectory: tuple[dt.date, dt.date]
    month_ends: tuple[tuple[str, dt.date], ...]  # every month of the programme to the period
    months_left: int  # to the deadline
    deadline: dt.date
    projection_months: int
    intake_cutoff: dt.date
    autumn_label: str
    social_groups: tuple[str, ...]
    orders: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class PeriodFigures:
    """Everything stage 03 works out for one period."""

    summary: dict
    per_school: pd.DataFrame
    breakdowns: pd.DataFrame
    series: pd.DataFrame
    revisions: pd.DataFrame
    revisions_by_school: pd.DataFrame
    groups: pd.DataFrame
    disabled_by_school: pd.DataFrame
    reward_inputs: pd.DataFrame
    evidence: pd.DataFrame


def period_figures(enrollment: pd.DataFrame, records: pd.DataFrame,  # noqa: PLR0913
                   reconciliation: pd.DataFrame, schools: pd.DataFrame,
                   counting: Counting, first_published: Mapping[str, int] | None = None
                   ) -> PeriodFigures:
    """Counts, breakdowns, the monthly series as known now, the revisions (against what the
    archive says was first published, else the re-derived figures), the projection and the
    reward inputs of one period."""
    from pipeline import revisions as rev

    c = counting
    f = flags(enrollment, c.as_of, c.basis, c.registered_statuses)
    per_school = by_school(enrollment, f, schools, c.autumn_label)
    known_now = series(enrollment, list(c.month_ends), target=c.target,
                       traj_start=c.trajectory[0], traj_end=c.trajectory[1], basis=c.basis,
                       registered_statuses=c.registered_statuses)
    changes = rev.by_school(records, list(c.month_ends), c.registered_statuses, c.basis)
    table = rev.table(changes, dict(first_published or {}))
    proj = projection(known_now, c.projection_months, c.months_left, c.deadline, c.target)
    return PeriodFigures(
        summary=summary(f, known_now, reconciliation, proj, c, table),
        per_school=per_school,
        breakdowns=breakdowns(enrollment, f, schools, c.social_groups, dict(c.orders)),
        series=known_now,
        revisions=table,
        revisions_by_school=changes,
        groups=groups(per_school, c.orders),
        disabled_by_school=disabled_by_school(enrollment, f, schools),
        reward_inputs=reward_inputs(enrollment, f, records, schools, c.intake_cutoff,
                                    c.social_groups),
        evidence=evidence(enrollment, f, c.intake_cutoff, c.social_groups),
    )


RECONCILED = ("raw_rows", "clean_rows", "quarantined_rows", "superseded_rows", "skipped_lines")


def summary(f: pd.DataFrame, known_now: pd.DataFrame, reconciliation: pd.DataFrame,
            proj: dict, c: Counting, revisions: pd.DataFrame) -> dict:
    """``summary.json``'s figures (the stage adds what describes the run's inputs). The
    change on the previous month is given against its current figure and against the figure
    first published for it."""
    counted = int(f["counted"].sum())
    prev = int(known_now["counted"].iloc[-2]) if len(known_now) > 1 else None
    first = revisions.set_index("month")["first_published"] if len(revisions) else {}
    prev_month = known_now["month"].iloc[-2] if len(known_now) > 1 else None
    prev_first = int(first[prev_month]) if prev_month in first else None
    return {
        "period": c.period,
        "as_of": c.as_of.isoformat(),
        "target": c.target,
        "admitted": int(f["admitted"].sum()),
        "registered": int(f["registered"].sum()),
        "counted": counted,
        "fulfilment_rate": counted / c.target,
        **{k: int(reconciliation[k].sum()) for k in RECONCILED},
        "counting_basis": c.basis,
        "intake_cutoff": c.intake_cutoff.isoformat(),
        "previous_period": known_now["month"].iloc[-2] if len(known_now) > 1 else None,
        "previous_counted": prev,
        "change_since_last_month": None if prev is None else counted - prev,
        "previous_first_published": prev_first,
        "change_vs_first_published": None if prev_first is None else counted - prev_first,
        "target_trajectory": float(known_now["target_trajectory"].iloc[-1]),
        "projection": proj,
    }
