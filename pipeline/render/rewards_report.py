"""The evaluator report (``internal/rewards.html``/``.pdf``) as HTML: what the template
``rewards.html.j2`` is filled with.

The cover carries the reproducibility block (run ID, the hashes of the policy, the inputs
and the published tables, version, commit); then the decision, the reasons, every input,
measure, gate with its distance in persons, component; the effect of pending corrections;
sensitivity to the weights and by family; concentration and the yuan withdrawn students
carry; the policy; and a worked example for every eligible school. Tier columns appear only
under the tiered allocation. :func:`pipeline.render.render_all` renders it from
:func:`report_context` (twice for the PDF, so that continued tables say 续表).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipeline.render import charts
from pipeline.render import decision_tables as dt
from pipeline.render import rewards_tables as rt
from pipeline.render.documents import _common, render
from pipeline.render.formats import fmt_int
from pipeline.render.labels import Labels
from pipeline.render.worked_example import worked_examples


def _sections(data: Any, labels: Labels) -> dict[str, Any]:
    """The report's analyses beyond the per-school tables."""
    detail, meta = data.rewards, data.rewards_meta
    tiered = meta.get("allocation") == "tiered"
    return {
        "pending": dt.pending_table(detail, labels),
        "any_pending": bool((detail["quarantined"] > 0).any()),
        "sensitivity_intro": labels.t("rw.sensitivity_intro_tiered" if tiered
                                      else "rw.sensitivity_intro"),
        "families": dt.family_tables(detail, meta, labels),
        "family_rules": dt.family_rules(meta, labels),
        "concentration": dt.concentration_table(detail, labels),
        "concentration_text": dt.concentration_text(detail, meta, labels),
        "withdrawn": dt.withdrawn_table(detail, labels),
        "repro": dt.repro_items(meta, labels),
        "repro_method": dt.repro_method(meta, labels),
    }


def report_context(data: Any, labels: Labels, font: Path, created: str) -> dict[str, Any]:
    """The evaluator report template's variables (``data`` is a ``StageData``)."""
    detail, meta = data.rewards, data.rewards_meta
    tiered = meta.get("allocation") == "tiered"
    title = labels.t("rw.title", period=data.summary.get("period", ""))
    ctx = _common(data.summary, labels, created, title) | _sections(data, labels) | {
        "intro": labels.t(
            "rw.intro", n=len(detail), eligible=int(detail["eligible"].astype(bool).sum()),
            pool=fmt_int(meta.get("pool_yuan")), allocated=fmt_int(meta.get("allocated_yuan")),
        ),
        "unallocated": bool(meta.get("unallocated")),
        "tables": rt.report_tables(detail, labels, tiered),
        "reasons": rt.reasons_table(detail, labels),
        "policy": rt.policy_items(meta, labels),
        "rank_chart": charts.rank_chart(detail, labels, font),
        "examples": worked_examples(detail, meta, labels),
    }
    return ctx


def report_html(data: Any, labels: Labels, font: Path, created: str) -> str:
    """The evaluator report as HTML (``data`` is a ``StageData``)."""
    return render("rewards.html.j2", report_context(data, labels, font, created))
