"""The bulletin's tables: headline, fulfilment, composition, the monthly series, revisions.

Each builder takes the loaded data it shows, a :class:`~pipeline.render.labels.Labels` and,
where a table counts a sensitive group, the disclosure values (the sensitive dimensions and
the threshold); small cells go through :mod:`pipeline.disclosure`. The data-quality tables
are in :mod:`pipeline.render.quality_tables`; :func:`bulletin_tables` lists them all in the
annex's sheet order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from pipeline import disclosure
from pipeline.render import quality_tables as quality
from pipeline.render.formats import fmt_num, fmt_pct, fmt_signed, num, rate, whole
from pipeline.render.labels import Labels
from pipeline.render.table import Table, labelled_table

FULFILMENT = ("quota", "admitted", "registered", "counted", "autumn_2019", "spring_2020")
FULFILMENT_HEADERS = (*FULFILMENT[:4], "fulfilment_rate", *FULFILMENT[4:])
FULFILMENT_KINDS = ["int"] * 4 + ["pct", "int", "int"]
COUNTS = ("admitted", "registered", "counted")


def headline(summary: dict, labels: Labels) -> Table:
    """Key figures of the period (``summary.json``)."""
    s, t = summary, labels.t
    proj = s.get("projection") or {}
    rows: list[list[Any]] = [
        [t("headline.target"), s.get("target")],
        [t("headline.counted"), s.get("counted")],
        [t("headline.rate"), fmt_pct(s.get("fulfilment_rate"))],
        [t("headline.admitted"), s.get("admitted")],
        [t("headline.registered"), s.get("registered")],
        [t("headline.gap"), max(0, int(s.get("target", 0)) - int(s.get("counted", 0)))],
        [
            t("headline.previous", period=s.get("previous_period") or "—"),
            s.get("previous_counted") if s.get("previous_counted") is not None else "—",
        ],
        [t("headline.change"), fmt_signed(s.get("change_since_last_month"))],
    ]
    if proj:
        rows += [
            [t("headline.pace"), fmt_num(proj.get("monthly_pace", 0), 1)],
            [t("headline.projected", deadline=proj.get("deadline", "")),
             proj.get("projected_counted")],
            [t("headline.projected_rate"), fmt_pct(proj.get("projected_rate"))],
        ]
    return labelled_table(labels, "headline", ("item", "value"), ["text", "int"], rows)


def _fulfilment_cells(sums: pd.Series | dict) -> list[Any]:
    """Quota … counted, the fulfilment rate, autumn and spring of one row or of the total."""
    cells = [int(sums[c]) for c in FULFILMENT]
    return [*cells[:4], rate(cells[3], cells[0]), *cells[4:]]


def by_school(schools: pd.DataFrame, labels: Labels) -> Table:
    """Per-school fulfilment with a total row."""
    df = schools.sort_values("school_id", kind="stable")
    rows = [
        [r["school_id"], r["school_name"], labels.value(r["school_type"]),
         labels.value(r["district"]), *_fulfilment_cells(r)]
        for _, r in df.iterrows()
    ]
    total = [labels.t("col.total"), "", "", "", *_fulfilment_cells(df[list(FULFILMENT)].sum())]
    columns = ("school_id", "school_name", "school_type", "district", *FULFILMENT_HEADERS)
    return labelled_table(labels, "by_school", columns, ["text"] * 4 + FULFILMENT_KINDS, rows,
                          total=total)


def by_group(schools: pd.DataFrame, labels: Labels, column: str) -> Table:
    """Fulfilment per school type or district (from the per-school table)."""
    g = schools.groupby(column, sort=True)[list(FULFILMENT)].sum()
    n = schools.groupby(column, sort=True).size()
    rows = [[labels.value(k), int(n[k]), *_fulfilment_cells(r)] for k, r in g.iterrows()]
    sums = schools[list(FULFILMENT)].sum()
    total = [labels.t("col.total"), len(schools), *_fulfilment_cells(sums)]
    return labelled_table(labels, f"by_{column}", (column, "schools", *FULFILMENT_HEADERS),
                          ["text", "int"] + FULFILMENT_KINDS, rows, total=total)


def _protected_part(part: pd.DataFrame, threshold: int) -> tuple[dict[str, list], list[bool]]:
    """One sensitive dimension's cells as published (``<5``, ``×``) and which shares hide."""
    shown: dict[str, list] = {}
    share_hidden = [False] * len(part)
    for c in COUNTS:
        cells = [int(x) for x in part[c]]
        prot = disclosure.protect_column(cells, list(part["category"]), threshold)
        shown[c] = [
            disclosure.display(v, s, threshold) for v, s in zip(cells, prot.status, strict=True)
        ]
        if c == "counted":
            share_hidden = list(prot.hidden)
    return shown, share_hidden


def breakdowns(
    frame: pd.DataFrame,
    counted_total: int,
    labels: Labels,
    sensitive: Sequence[str],
    threshold: int,
) -> Table:
    """Composition by every breakdown dimension but school type and district (tables 3 and
    4), small cells of sensitive dimensions suppressed; shares are of ``counted_total``."""
    rows: list[list[Any]] = []
    df = frame[~frame["dimension"].isin(["school_type", "district"])]
    for dim, part in df.groupby("dimension", sort=False):
        counted = [int(x) for x in part["counted"]]
        if dim in sensitive:
            shown, share_hidden = _protected_part(part, threshold)
        else:
            shown = {c: [int(x) for x in part[c]] for c in COUNTS}
            share_hidden = [False] * len(part)
        for i, cat in enumerate(part["category"]):
            share = "×" if share_hidden[i] else rate(counted[i], counted_total)
            rows.append([labels.dimension(dim), labels.value(cat),
                         *[shown[c][i] for c in COUNTS], share])
    return labelled_table(labels, "breakdowns", ("dimension", "category", *COUNTS, "share"),
                          ["text", "text", "int", "int", "int", "pct"], rows,
                          note=_suppression_note(labels, threshold))


def _suppression_note(labels: Labels, threshold: int) -> str:
    """The note under a table with suppressed cells."""
    return labels.t("notes.suppression", threshold=threshold, max=threshold - 1)


def _shown_total(total: int, prot: disclosure.GroupProtection, published: bool,
                 threshold: int) -> Any:
    """The total of a protected group as published: the number, ``<5`` or ``×``."""
    if not (prot.total_hidden or not published):
        return total
    status = disclosure.PRIMARY if disclosure.is_small(total, threshold) else disclosure.SECONDARY
    return disclosure.display(total, status, threshold)


def disabled_by_school(
    frame: pd.DataFrame | None, labels: Labels, sensitive: Sequence[str], threshold: int
) -> Table | None:
    """Disabled people counted per school, small cells suppressed with complements (None
    without the table or when the disabled flag is not a sensitive dimension)."""
    if frame is None or "disabled" not in sensitive:
        return None
    df = frame.sort_values("school_id", kind="stable")
    counts = [int(x) for x in df["disabled_counted"]]
    total = sum(counts)
    # The city-wide total is published in the breakdown unless it is itself small.
    published = not disclosure.is_small(total, threshold)
    prot = disclosure.protect_group(counts, threshold, total_published=published)
    rows = [
        [sid, name, disclosure.display(c, s, threshold), int(n)]
        for sid, name, n, c, s in zip(df["school_id"], df["school_name"], df["total_counted"],
                                      counts, prot.status, strict=True)
    ]
    tot = [labels.t("col.total"), "", _shown_total(total, prot, published, threshold),
           int(df["total_counted"].sum())]
    columns = ("school_id", "school_name", "disabled_counted", "counted")
    return labelled_table(labels, "disabled_by_school", columns, ["text", "text", "int", "int"],
                          rows, total=tot, note=_suppression_note(labels, threshold))


def series(frame: pd.DataFrame, labels: Labels) -> Table:
    """The monthly series against the trajectory."""
    rows = [
        [r.month, whole(r.counted), num(r.target_trajectory), num(r.gap), whole(r.change),
         num(r.fulfilment_rate)]
        for r in frame.itertuples(index=False)
    ]
    columns = ("month", "counted", "target_trajectory", "gap", "change", "fulfilment_rate")
    return labelled_table(labels, "series", columns,
                          ["text", "int", "int", "signed", "signed", "pct"], rows)


def revisions(frame: pd.DataFrame, labels: Labels) -> Table:
    """Revisions to earlier months."""
    rows = [
        [r.month, whole(r.first_published), whole(r.current), whole(r.revision)]
        for r in frame.itertuples(index=False)
    ]
    return labelled_table(labels, "revisions", ("month", "first_published", "current", "revision"),
                          ["text", "int", "int", "signed"], rows, note=labels.t("notes.revisions"))


def bulletin_tables(
    data: Any, labels: Labels, sensitive: Sequence[str], threshold: int
) -> list[Table]:
    """Every table of the bulletin (``data`` is a ``StageData``), in the annex's sheet
    order."""
    tabs = [
        headline(data.summary, labels),
        by_school(data.schools, labels),
        by_group(data.schools, labels, "school_type"),
        by_group(data.schools, labels, "district"),
        breakdowns(data.breakdowns, int(data.summary.get("counted", 0)), labels, sensitive,
                   threshold),
    ]
    dis = disabled_by_school(data.disabled_by_school, labels, sensitive, threshold)
    if dis is not None:
        tabs.append(dis)
    return [
        *tabs,
        series(data.series, labels),
        revisions(data.revisions, labels),
        *quality.annex_tables(data, labels),
    ]
