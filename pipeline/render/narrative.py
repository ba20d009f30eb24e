"""The bulletin's 主要特点 in words: sentences written from the period's figures
(:mod:`pipeline.highlights`) in the edition's language.

Each sentence says one thing a statistician would say about the month: where the city
stands against the target (over it or short of it) and, in and after the deadline month,
without a projection; how many schools are short of their quota and by how much; whether
one school's surplus is larger than the city's; the change on the month on both bases and
why last month was revised; that nothing new came in; what still waits for correction.
"""

from __future__ import annotations

from typing import Any

from pipeline.highlights import AFTER, BEFORE, CAUSES, DEADLINE, Change, Highlights, highlights
from pipeline.render.formats import fmt_int, fmt_num, fmt_pct, fmt_signed, whole
from pipeline.render.labels import Labels


def _n(val: int) -> str:
    """A count in a sentence: ``1,234``, a negative one with a true minus (``−1``)."""
    return fmt_signed(val) if val < 0 else fmt_int(val)


def _delta(val: int, labels: Labels) -> str:
    """A change in words: up, down or unchanged (``增加 427 人``, ``down 12``)."""
    if val == 0:
        return labels.t("hl.flat")
    return labels.t("hl.up" if val > 0 else "hl.down", n=fmt_int(abs(val)))


def standing(h: Highlights, summary: dict, labels: Labels) -> list[str]:
    """Where the city stands: the lead sentence, the deadline or the projection."""
    f, t = h.fulfilment, labels.t
    fields = {"as_of": labels.date(summary.get("as_of", "")), "counted": fmt_int(f.counted),
              "target": fmt_int(f.target), "rate": fmt_pct(summary.get("fulfilment_rate"))}
    over = f.city_surplus >= 0
    out = [t("hl.lead_over" if over else "hl.lead_under", over=fmt_int(f.city_surplus),
             gap=fmt_int(-f.city_surplus), **fields)]
    deadline = summary.get("window_end")
    if h.phase in (DEADLINE, AFTER) and deadline:
        out.append(t(f"hl.{h.phase}", deadline=labels.date(deadline)))
    proj = summary.get("projection") or {}
    if h.phase == BEFORE and proj and proj.get("projected_counted") is not None:
        out.append(t("hl.projection", back=whole(proj.get("months_back")) or 0,
                     pace=fmt_num(proj.get("monthly_pace"), 0),
                     deadline=labels.date(proj.get("deadline") or deadline),
                     projected=fmt_int(proj.get("projected_counted")),
                     rate=fmt_pct(proj.get("projected_rate"))))
    return out


def schools(h: Highlights, labels: Labels) -> list[str]:
    """Schools against their quotas, and a surplus that one school alone exceeds."""
    f, t = h.fulfilment, labels.t
    if not f.schools:
        return []
    key = ("hl.schools_all_met" if f.below == 0 else
           "hl.schools_none_met" if f.above == 0 else "hl.schools_below")
    out = [t(key, schools=f.schools, below=f.below, shortfall=fmt_int(f.shortfall),
             above=f.above, surplus=fmt_int(f.surplus))]
    if f.top_exceeds_city:
        out.append(t("hl.concentration", city=fmt_int(f.city_surplus),
                     surplus=fmt_int(f.surplus), shortfall=fmt_int(f.shortfall),
                     school=labels.school(f.top_school), top=fmt_int(f.top_surplus)))
    return out


def change(c: Change, labels: Labels) -> list[str]:
    """The change on the month on both bases, and the causes of last month's revision."""
    t = labels.t
    if c.previous_period is None or c.change_current is None:
        return []
    period = c.previous_period
    if c.previous_first is None or c.change_first is None:
        return [t("hl.change_one", delta=_delta(c.change_current, labels),
                  prev=fmt_int(c.previous_current), period=period)]
    source = t(f"hl.first_{c.first_source}", period=period) if c.first_source in (
        "archive", "rederived") else ""
    out = [t("hl.change", delta=_delta(c.change_current, labels),
             prev=fmt_int(c.previous_current), delta_first=_delta(c.change_first, labels),
             first=fmt_int(c.previous_first), period=period, source=source)]
    if c.revision:
        causes = t("list_separator").join(
            t(f"hl.cause.{k}", n=_n(v)) for k in CAUSES if (v := c.causes.get(k)))
        out.append(t("hl.revision", period=period, rev=fmt_signed(c.revision),
                     first=fmt_int(c.previous_first), now=fmt_int(c.previous_current),
                     causes=causes or t("hl.cause.none")))
    return out


def inflow(h: Highlights, summary: dict, labels: Labels) -> list[str]:
    """Nothing new this month, and the records that wait for a school's correction."""
    out = []
    if h.new_files == 0:
        out.append(labels.t("hl.no_new_files", period=summary.get("period", "")))
    if h.quarantined:
        out.append(labels.t("hl.quarantine", n=fmt_int(h.quarantined),
                            schools=h.quarantined_schools))
    return out


def key_points(data: Any, labels: Labels) -> list[str]:
    """The 主要特点 of the period in ``data`` (a ``StageData``), one sentence a point."""
    s = data.summary
    h = highlights(s, data.schools, data.revisions, data.quarantine, data.ingest)
    return [*standing(h, s, labels), *schools(h, labels), *change(h.change, labels),
            *inflow(h, s, labels)]
