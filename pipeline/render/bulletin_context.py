"""What the bulletin's template shows besides its tables and charts: the masthead and the
sign-off (``config/publication.yaml``), the 主要特点, the data-quality facts, and the
annex page of 编制说明 (how the figures were compiled) and 指标解释 (what each indicator
means).
"""

from __future__ import annotations

from typing import Any

from pipeline.render.formats import fmt_int, whole
from pipeline.render.inputs import Masthead
from pipeline.render.labels import Labels

#: The indicators the 指标解释 defines, in order (``ind.<name>`` and ``ind.<name>_term``).
INDICATORS = ("target", "admitted", "registered", "counted", "rate", "gap", "shortfall",
              "trajectory", "change", "revision", "first_source", "projection", "quarantined",
              "superseded")


def masthead(m: Masthead | None, labels: Labels) -> dict[str, Any] | None:
    """The masthead and the sign-off of the issue in the edition's language (None without
    publication details)."""
    if m is None:
        return None
    en, t = labels.lang == "en", labels.t
    return {
        "series": m.series_en if en else m.series,
        "issue": t("masthead.issue", n=m.issue),
        "unit_name": m.issuing_unit_en if en else m.issuing_unit,
        "unit": t("masthead.unit", unit=m.issuing_unit_en if en else m.issuing_unit),
        "released": t("masthead.released", date=labels.date(m.released)),
        "citation": t("masthead.citation", title=labels.value(m.policy_title),
                      number=m.policy_citation),
        "signoff": [(t(f"masthead.{role}"), labels.value(getattr(m, role)))
                    for role in ("compiled_by", "reviewed_by", "approved_by")],
    }


def heading(s: dict, labels: Labels) -> str:
    """The bulletin's heading under the masthead (the month it reports on)."""
    period = str(s.get("period", ""))
    if len(period) != 7:
        return labels.t("bulletin.title", period=period)
    return labels.t("bulletin.heading", year=int(period[:4]), month=int(period[5:]),
                    period=period)


def source_note(m: Masthead | None, labels: Labels) -> str:
    """Where the figures come from (资料来源), in the edition's language."""
    if m is None:
        return ""
    return m.source_note_en if labels.lang == "en" else m.source_note


def quality_facts(s: dict, ingest: dict, labels: Labels) -> list[str]:
    """The data-quality facts: new rosters, rows by fate, skipped lines, files not read,
    unreadable files, sheets, gender."""
    t = labels.t
    new = whole(ingest.get("new_files"))
    facts = [] if new is None else [
        t("dq.fact_no_new", period=s.get("period", "")) if new == 0 else
        t("dq.fact_new", n=new, period=s.get("period", ""))]
    return facts + [
        t("dq.fact_rows", raw=fmt_int(s.get("raw_rows")), clean=fmt_int(s.get("clean_rows")),
          q=fmt_int(s.get("quarantined_rows")), sup=fmt_int(s.get("superseded_rows"))),
        t("dq.fact_skipped", n=fmt_int(ingest.get("skipped_lines", s.get("skipped_lines", 0)))),
        t("dq.fact_listed", n=len(ingest.get("listed_entries", []))),
        t("dq.fact_unreadable", n=len(ingest.get("unreadable_files", []))),
        t("dq.fact_sheets", n=len(ingest.get("skipped_sheets", []))),
        t("dq.fact_gender", n=fmt_int(ingest.get("gender_mismatch_rows", 0))),
    ]


def compilation(s: dict, labels: Labels, m: Masthead | None, threshold: int) -> list[str]:
    """编制说明: source and coverage, counting, intake, deduplication, revisions,
    confidentiality, industries, and the policy the bulletin follows."""
    t = labels.t
    notes = [t("comp.source", source=source_note(m, labels))] if m else []
    notes += [
        t("method.window", as_of=s.get("as_of", ""), **labels.window_dates()),
        t("method.counting", basis=labels.optional("method.basis", s.get("counting_basis"))),
        t("method.cutoff", cutoff=s.get("intake_cutoff", "")),
        t("method.dedup"),
        t("method.revisions"),
        t("method.disclosure", threshold=threshold, max=threshold - 1),
        t("method.industry"),
    ]
    if m:
        notes.append(t("comp.policy", title=labels.value(m.policy_title),
                       number=m.policy_citation))
    return notes


def indicators(s: dict, labels: Labels) -> list[tuple[str, str]]:
    """指标解释: each indicator's name and definition."""
    proj = s.get("projection") or {}
    fields = {"target": fmt_int(s.get("target")),
              "basis": labels.optional("method.basis", s.get("counting_basis")),
              "method": labels.t("ind.projection_method",
                                 back=whole(proj.get("months_back")) or 3)}
    return [(labels.t(f"ind.{k}_term"), labels.t(f"ind.{k}", **fields)) for k in INDICATORS]
