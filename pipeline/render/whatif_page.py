"""The what-if comparison's one-page PDF (``kuozhao rewards``): the policy file compared,
what it changes, and per school the decision now and under it (:mod:`pipeline.whatif`)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline import io
from pipeline.render.documents import _common, html_to_pdf, render, source_date_epoch
from pipeline.render.fonts import find_cjk_font
from pipeline.render.labels import Labels
from pipeline.render.rewards_tables import yes_no
from pipeline.render.table import Table


def whatif_table(table: pd.DataFrame, labels: Labels) -> Table:
    """The side-by-side table with its total row."""
    rows = [[r.school_id, r.school_name, yes_no(labels, r.eligible_now),
             yes_no(labels, r.eligible_alt), int(r.yuan_now), int(r.yuan_alt),
             int(r.difference), int(r.rank_now), int(r.rank_alt), int(r.rank_change)]
            for r in table.itertuples(index=False)]
    total = [labels.t("whatif.total"), "", "", "", int(table["yuan_now"].sum()),
             int(table["yuan_alt"].sum()), int(table["difference"].sum()), None, None, None]
    columns = ("school_id", "school_name", "eligible_now", "eligible_alt", "yuan_now",
               "yuan_alt", "difference", "rank_now", "rank_alt", "rank_change")
    kinds = ["text"] * 4 + ["int", "int", "signed", "int", "int", "signed"]
    return Table("whatif", labels.t("whatif.table"), labels.headers("whatif.col", columns),
                 kinds, rows, total=total, note=labels.t("whatif.note"))


def whatif_pdf(table: pd.DataFrame, target: Path, *, period: str, policy_file: Path,
               changes: list[str], synthetic: bool = False, lang: str = "zh-CN",
               font: Path | None = None) -> Path:
    """Write the comparison as a one-page A4 PDF (dated the period's last day)."""
    from pipeline.stages import as_of

    labels = Labels(lang, dict(zip(table["school_id"], table["school_name"], strict=True)))
    created = as_of(period).isoformat()
    summary = {"period": period, "as_of": created, "synthetic": synthetic}
    title = labels.t("whatif.title", period=period, policy=policy_file.name)
    ctx = _common(summary, labels, created, title) | {
        "intro": labels.t("whatif.intro", period=period, file=policy_file.name,
                          sha=io.sha256(policy_file)),
        "changes": labels.t("whatif.changes", changes="; ".join(changes)) if changes
        else labels.t("whatif.no_changes"),
        "tab": whatif_table(table, labels),
    }
    html = render("whatif.html.j2", ctx)
    with source_date_epoch(created):
        html_to_pdf(html, target, Path(font) if font else find_cjk_font(), target.parent)
    return target
