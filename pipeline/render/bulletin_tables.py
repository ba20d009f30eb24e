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
from pipeline.highlights import BEFORE, CAUSES, deadline_phase
from pipeline.render import quality_tables as quality
from pipeline.render.formats import num, rate, whole
from pipeline.render.labels import Labels
from pipeline.render.table import Table, labelled_table

FULFILMENT = ("quota", "admitted", "registered", "counted", "autumn_2019", "spring_2020")
FULFILMENT_HEADERS = (*FULFILMENT[:4], "fulfilment_rate", *FULFILMENT[4:])
FULFILMENT_KINDS = ["int"] * 4 + ["pct", "int", "int"]
COUNTS = ("admitted", "registered", "counted")


def _previous_rows(s: dict, labels: Labels) -> tuple[list[list[Any]], list[str]]:
    """Last month (as known now and as first published) and the change on both bases."""
    t, dash = labels.t, "—"
    prev = s.get("previous_period")
    if not prev:
        return [[t("headline.change"), dash]], ["signed"]
    first = s.get("previous_first_published")
    rows = [
        [t("headline.previous", period=prev), whole(s.get("previous_counted"))],
        [t("headline.change"), whole(s.get("change_since_last_month"))],
        [t("headline.previous_first", period=prev), dash if first is None else whole(first)],
        [t("headline.change_first"), dash if first is None else
         whole(s.get("change_vs_first_published"))],
    ]
    return rows, ["int", "signed", "int", "signed"]


def headline(summary: dict, labels: Labels) -> Table:
    """Key figures of the period (``summary.json``): the target, the counts, how far from
    (or over) the target, last month on both bases and, before the deadline month only, the
    projection."""
    s, t = summary, labels.t
    target, counted = int(s.get("target", 0)), int(s.get("counted", 0))
    over = counted >= target
    rows: list[list[Any]] = [
        [t("headline.target"), target], [t("headline.counted"), counted],
        [t("headline.rate"), num(s.get("fulfilment_rate"))],
        [t("headline.admitted"), whole(s.get("admitted"))],
        [t("headline.registered"), whole(s.get("registered"))],
        [t("headline.over" if over else "headline.gap"), abs(counted - target)],
    ]
    kinds = ["int", "int", "pct", "int", "int", "int"]
    prev_rows, prev_kinds = _previous_rows(s, labels)
    rows, kinds = rows + prev_rows, kinds + prev_kinds
    proj = s.get("projection") or {}
    if proj and deadline_phase(str(s.get("period", "")), s.get("window_end")) == BEFORE:
        rows += [
            [t("headline.pace"), num(proj.get("monthly_pace"))],
            [t("headline.projected", deadline=labels.date(proj["deadline"])
               if proj.get("deadline") else ""),
             whole(proj.get("projected_counted"))],
            [t("headline.projected_rate"), num(proj.get("projected_rate"))],
        ]
        kinds += ["dec1", "int", "pct"]
    tab = labelled_table(labels, "headline", ("item", "value"), ["text", "int"], rows)
    tab.cell_kinds = [["text", k] for k in kinds]
    return tab


def _fulfilment_cells(sums: pd.Series | dict) -> list[Any]:
    """Quota … counted, the fulfilment rate, autumn and spring of one row or of the total."""
    cells = [int(sums[c]) for c in FULFILMENT]
    return [*cells[:4], rate(cells[3], cells[0]), *cells[4:]]


def by_school(schools: pd.DataFrame, labels: Labels) -> Table:
    """Per-school fulfilment with a total row (school names in the edition's language)."""
    df = schools.sort_values("school_id", kind="stable")
    rows = [
        [r["school_id"], labels.names.get(r["school_id"], r["school_name"]),
         labels.value(r["school_type"]), labels.value(r["district"]), *_fulfilment_cells(r)]
        for _, r in df.iterrows()
    ]
    total = [labels.t("col.total"), "", "", "", *_fulfilment_cells(df[list(FULFILMENT)].sum())]
    columns = ("school_id", "school_name", "school_type", "district", *FULFILMENT_HEADERS)
    return labelled_table(labels, "by_school", columns,
                          ["code", "name", "name", "name", *FULFILMENT_KINDS], rows, total=total)


def by_group(schools: pd.DataFrame, labels: Labels, column: str,
             groups: pd.DataFrame | None = None) -> Table:
    """Fulfilment per school type or district: the rows of ``groups`` (stage 03's, in the
    configured order: school types by level, districts by division code) when given, else
    summed from the per-school table."""
    if groups is not None and (groups["dimension"] == column).any():
        part = groups[groups["dimension"] == column]
        rows = [[labels.value(r["category"]), int(r["schools"]), *_fulfilment_cells(r)]
                for _, r in part.iterrows()]
    else:
        g = schools.groupby(column, sort=True)[list(FULFILMENT)].sum()
        n = schools.groupby(column, sort=True).size()
        rows = [[labels.value(k), int(n[k]), *_fulfilment_cells(r)] for k, r in g.iterrows()]
    sums = schools[list(FULFILMENT)].sum()
    total = [labels.t("col.total"), len(schools), *_fulfilment_cells(sums)]
    return labelled_table(labels, f"by_{column}", (column, "schools", *FULFILMENT_HEADERS),
                          ["name", "int"] + FULFILMENT_KINDS, rows, total=total)


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
                          ["name", "name", "int", "int", "int", "pct"], rows,
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
        [sid, labels.names.get(sid, name), disclosure.display(c, s, threshold), int(n)]
        for sid, name, n, c, s in zip(df["school_id"], df["school_name"], df["total_counted"],
                                      counts, prot.status, strict=True)
    ]
    tot = [labels.t("col.total"), "", _shown_total(total, prot, published, threshold),
           int(df["total_counted"].sum())]
    columns = ("school_id", "school_name", "disabled_counted", "counted")
    return labelled_table(labels, "disabled_by_school", columns, ["code", "name", "int", "int"],
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
                          ["code", "int", "int", "signed", "signed", "pct"], rows)


def revisions(frame: pd.DataFrame, labels: Labels) -> Table:
    """Revisions to earlier months: first published (and whether that figure is the one
    archived at publication or re-derived from the raw folders), current, the revision and
    its causes (late submissions, corrections, supersessions, other; they add up to it)."""
    rows = [
        [r.get("month"), whole(r.get("first_published")),
         labels.optional("revision_source", r.get("first_published_source")),
         whole(r.get("current")), whole(r.get("revision")), *[whole(r.get(c)) for c in CAUSES]]
        for r in frame.to_dict("records")
    ]
    columns = ("month", "first_published", "first_published_source", "current", "revision",
               *CAUSES)
    return labelled_table(labels, "revisions", columns,
                          ["code", "int", "name", "int", "signed", *["signed"] * len(CAUSES)],
                          rows, note=labels.t("notes.revisions"))


#: The unit of each bulletin table (``unit.<name>``): people, records, or mixed.
UNITS = {"headline": "mixed", "validation_summary": "checks", "validation": "records",
         "validation_failed": "records", "quarantine_by_reason": "records",
         "quarantine_by_school": "records", "unmapped": "records", "unreadable": "",
         "listed_entries": "", "reconciliation": "records",
         "reconciliation_by_folder": "records", "rewards_list": "yuan"}


def finish(tab: Table, labels: Labels, source: str) -> Table:
    """A table with its unit (单位：人) above and its source (资料来源) under it."""
    unit = UNITS.get(tab.key, "people")
    tab.unit = labels.t(f"unit.{unit}") if unit else ""
    tab.source = labels.t("notes.source", source=source) if source else ""
    return tab


#: The bulletin's tables in the order it prints them (numbered 表1, 表2, … as they come),
#: the annex's own tables (附表1, …), and the order of the annex's sheets (a table without a
#: sheet name is not in the annex).
PRINTED = ("headline", "series", "by_school", "by_school_type", "by_district", "breakdowns",
           "disabled_by_school", "revisions", "validation_summary", "validation_failed",
           "quarantine_by_reason", "quarantine_by_school", "unreadable", "listed_entries",
           "unmapped", "reconciliation_by_folder")
ANNEX_ONLY = ("revisions_by_school", "rewards_list", "validation", "reconciliation")
SHEETS = ("headline", "series", "by_school", "by_school_type", "by_district", "breakdowns",
          "disabled_by_school", "revisions", "revisions_by_school", "rewards_list",
          "validation_summary", "validation", "quarantine_by_reason", "quarantine_by_school",
          "unreadable", "listed_entries", "unmapped", "reconciliation")


def _built(data: Any, labels: Labels, sensitive: Sequence[str], threshold: int
           ) -> dict[str, Table | None]:
    """Every table by key (None where its data is missing)."""
    from pipeline.render import annex_tables as annex

    counted = int(data.summary.get("counted", 0))
    return {
        "headline": headline(data.summary, labels),
        "series": series(data.series, labels),
        "by_school": by_school(data.schools, labels),
        "by_school_type": by_group(data.schools, labels, "school_type", data.groups),
        "by_district": by_group(data.schools, labels, "district", data.groups),
        "breakdowns": breakdowns(data.breakdowns, counted, labels, sensitive, threshold),
        "disabled_by_school": disabled_by_school(data.disabled_by_school, labels, sensitive,
                                                 threshold),
        "revisions": revisions(data.revisions, labels),
        "revisions_by_school": annex.revisions_by_school(data.revisions_by_school, labels),
        "rewards_list": annex.rewards_list(data, labels),
        **{tab.key: tab for tab in quality.all_tables(data, labels)},
    }


def all_tables(data: Any, labels: Labels, sensitive: Sequence[str], threshold: int,
               source: str = "") -> dict[str, Table]:
    """Every table of the bulletin and its annex (``data`` is a ``StageData``) by key,
    numbered in print order, each with its unit and ``source``."""
    built = {k: v for k, v in _built(data, labels, sensitive, threshold).items() if v}
    out: dict[str, Table] = {}
    for prefix, keys in (("tables.numbered", PRINTED), ("tables.annex_numbered", ANNEX_ONLY)):
        for n, key in enumerate([k for k in keys if k in built], start=1):
            tab = finish(built[key], labels, source)
            tab.title = labels.t(prefix, n=n, title=tab.title)
            out[key] = tab
    return out


def bulletin_tables(
    data: Any, labels: Labels, sensitive: Sequence[str], threshold: int, source: str = ""
) -> list[Table]:
    """The annex's tables (:func:`all_tables` that have a sheet name), in sheet order."""
    tabs = all_tables(data, labels, sensitive, threshold, source)
    return [tabs[k] for k in SHEETS if k in tabs and tabs[k].sheet]
