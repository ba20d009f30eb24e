"""Stage 05: the bulletin, the evaluator report, the Excel annex, and the schools' feedback.

Entry points (nothing here reads a stage file; :func:`load_stage_files` is the one loader):

- ``render_all(data, out_dir, *, lang, sensitive_dimensions, threshold, created, font)``
  writes ``bulletin.html``/``.pdf``, ``rewards.html``/``.pdf`` and ``tables.xlsx`` from a
  :class:`StageData` into ``out_dir`` (at their catalogue paths) and returns them by
  catalogue key. The bulletin's masthead, English school names and configured orders come
  in the StageData (``masthead``, ``names_en``, ``groups``).
- ``write_feedback(out_dir, quarantine, texts)`` writes each school's workbook of
  quarantined rows; ``feedback_texts(labels)`` gives its words (``Labels(lang,
  window=(start, end))``: the reason texts name the programme window).
- ``write_letters(data, out_dir, *, lang, font)`` writes each school's decision letter
  (告知书), ``schools/<school_id>/decision.html`` and ``.pdf`` (:mod:`.letters`);
  ``letters_beside(…)`` (a context manager) writes them in a second process while its
  block renders the rest.
- ``reward_reasons(detail, labels)`` is the plain-language reason of every school's reward
  decision (stage 04 fills ``rewards_detail.csv``'s ``reason`` column with it).
- ``headline_frame(data, lang)`` is the bulletin's headline table as a frame (notebook 05).

The package: :mod:`.inputs` (StageData, the issue's Masthead and the loader), :mod:`.labels`
(every text of an edition), :mod:`.formats` (number formatting), :mod:`.table` (the
published table, its cell kinds and display limits), :mod:`.bulletin_tables`,
:mod:`.quality_tables` and :mod:`.annex_tables` (the bulletin's and the annex's tables),
:mod:`.narrative` (the 主要特点 in words) and :mod:`.bulletin_context` (masthead, sign-off,
data-quality facts, 编制说明 and 指标解释), :mod:`.rewards_report`, :mod:`.rewards_tables`,
:mod:`.decision_tables`, :mod:`.worked_example` and :mod:`.reasons` (the evaluator report),
:mod:`.letters` (the decision letters), :mod:`.charts`, :mod:`.fonts` and
:mod:`.font_cache` (the Chinese font: from PyPI, cached by ``python -m
pipeline.render.font_cache``, else fontconfig's), :mod:`.documents` (HTML and PDF) and
:mod:`.pagination` (续表: tables cut where the first layout broke them), :mod:`.workbooks`
(the annex and the feedback workbooks), :mod:`.files` (atomic writes).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from pipeline import messages
from pipeline.catalog import relative_path
from pipeline.errors import InputError
from pipeline.render.bulletin_tables import headline
from pipeline.render.documents import (
    PdfMaker,
    bulletin_context,
    render,
    source_date_epoch,
)
from pipeline.render.files import write_text
from pipeline.render.fonts import FontNotFound, find_cjk_font
from pipeline.render.inputs import Masthead, StageData, load_stage_files, read_stage_csv
from pipeline.render.labels import Labels
from pipeline.render.letters import letters_beside, write_letters
from pipeline.render.reasons import reward_reason, reward_reasons
from pipeline.render.rewards_report import report_context
from pipeline.render.workbooks import (
    FeedbackTexts,
    annex_cover,
    feedback_texts,
    write_feedback,
    write_tables_xlsx,
)

#: Catalogue keys of the documents :func:`render_all` writes.
DOCUMENTS = ("bulletin_html", "bulletin_pdf", "rewards_html", "rewards_pdf", "tables")

__all__ = [
    "DOCUMENTS",
    "FeedbackTexts",
    "FontNotFound",
    "Labels",
    "Masthead",
    "StageData",
    "feedback_texts",
    "find_cjk_font",
    "headline_frame",
    "letters_beside",
    "load_stage_files",
    "read_stage_csv",
    "render_all",
    "reward_reason",
    "reward_reasons",
    "write_feedback",
    "write_letters",
]


def render_all(
    data: StageData,
    out_dir: Path,
    *,
    lang: str = "zh-CN",
    sensitive_dimensions: Sequence[str] = ("disabled",),
    threshold: int = 5,
    created: str,
    font: Path | None = None,
) -> dict[str, Path]:
    """Write the bulletin, the evaluator report and the annex of the period in ``data``.

    Each document goes to ``out_dir / catalog.relative_path(key)`` for the keys of
    :data:`DOCUMENTS`; the paths are returned by key. ``lang`` is the edition (``zh-CN`` or
    ``en``); cells of ``sensitive_dimensions`` counting 1 to ``threshold - 1`` people are
    suppressed; ``created`` (an ISO date, the period's ``as_of``) is the documents' fixed date
    (PDF and xlsx metadata, ``SOURCE_DATE_EPOCH`` while rendering) so that reruns give
    identical bytes; ``font`` is a font file that draws Simplified Chinese (default: found
    with :func:`find_cjk_font`).
    """
    if lang not in messages.LANGS:
        raise InputError(f"lang {lang!r}: expected one of {', '.join(messages.LANGS)}")
    font = Path(font) if font is not None else find_cjk_font()
    if not font.is_file():
        raise FontNotFound(f"font file {font} does not exist")
    labels = Labels.for_data(data, lang)
    sensitive = tuple(sensitive_dimensions)
    paths = {key: Path(out_dir) / relative_path(key) for key in DOCUMENTS}
    with source_date_epoch(created), PdfMaker(font) as pdf:
        ctx, tables = bulletin_context(data, labels, sensitive, int(threshold), font, created)
        html = render("bulletin.html.j2", ctx)
        write_text(paths["bulletin_html"], html)
        pdf.write(html, paths["bulletin_pdf"], Path(out_dir),
                  relayout=lambda cuts, widths: render("bulletin.html.j2", ctx, cuts, widths))
        rctx = report_context(data, labels, font, created)
        report = render("rewards.html.j2", rctx)
        write_text(paths["rewards_html"], report)
        pdf.write(report, paths["rewards_pdf"], Path(out_dir),
                  relayout=lambda cuts, widths: render("rewards.html.j2", rctx, cuts, widths))
        write_tables_xlsx(tables, paths["tables"], created, annex_cover(data, labels))
    return paths


def headline_frame(data: StageData, lang: str = "zh-CN") -> pd.DataFrame:
    """The bulletin's headline table (from the summary) as a frame, for the notebook."""
    tab = headline(data.summary, Labels(lang))
    return pd.DataFrame(tab.formatted(), columns=tab.headers)
