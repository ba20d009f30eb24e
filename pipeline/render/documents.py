"""The documents: HTML from the Jinja2 templates, PDF through WeasyPrint, reproducibly.

- HTML comes from ``pipeline/templates`` (:func:`pipeline.resources.templates_dir`) with
  autoescape on (text from submissions is escaped), is self-contained (CSS inline, charts as
  base64 PNG ``data:`` URIs, no script, no URL of any kind) and carries ``<html lang="…">``.
- The PDF is the same HTML through WeasyPrint with one extra stylesheet that embeds the CJK
  font from its files (``@font-face`` with ``file://`` URLs) and a URL fetcher that only
  serves ``data:`` and ``file:``. The document date is fixed (``created``, written into
  ``<meta name="dcterms.created">``) and ``SOURCE_DATE_EPOCH`` is set from it while
  rendering (:func:`source_date_epoch`), so reruns give identical bytes.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from pipeline import resources
from pipeline.render import bulletin_tables as bt
from pipeline.render import charts
from pipeline.render import quality_tables as quality
from pipeline.render.files import write_bytes
from pipeline.render.fonts import bold_font, sc_font_file
from pipeline.render.formats import (
    fmt_dec,
    fmt_int,
    fmt_num,
    fmt_pct,
    fmt_signed,
    whole,
    zero_if_missing,
)
from pipeline.render.labels import Labels
from pipeline.render.table import Table


def _env() -> Any:
    """The Jinja2 environment (autoescape on for every template)."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(resources.templates_dir())),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(int=fmt_int, pct=fmt_pct, dec=fmt_dec, signed=fmt_signed)
    return env


def css_string(text: object) -> str:
    """Text as the body of a CSS string literal inside ``<style>`` (no quotes, no markup)."""
    return "".join(ch for ch in str(text) if ch not in '<>"\\\n\r&')


def _common(summary: dict, labels: Labels, created: str, title: str) -> dict[str, Any]:
    """Template variables shared by both documents."""
    t = labels.t
    return {
        "lang": labels.lang,
        "t": t,
        "v": labels.value,
        "created": created,
        "title": title,
        "page_title_css": css_string(title),
        "period": summary.get("period", ""),
        "as_of": summary.get("as_of", ""),
        "synthetic": bool(summary.get("synthetic")),
        "period_css": css_string(summary.get("period", "")),
        "fail_words": {t("rw.fail"), t("dq.fail"), "✗"},
        "page_before": css_string(t("page.before")),
        "page_middle": css_string(t("page.middle")),
        "page_after": css_string(t("page.after")),
    }


def _projection_method(proj: dict, labels: Labels) -> str:
    """The projection method in words, from the fields stage 03 wrote."""
    if proj.get("months_back") is not None:
        return labels.t("method.projection_recent", back=whole(proj.get("months_back")),
                        left=whole(proj.get("months_left")) or 0)
    return labels.optional("method.projection", proj.get("method"))


def _lead(s: dict, labels: Labels, method: str) -> dict[str, str]:
    """The headline sentence and the projection sentence."""
    proj = s.get("projection") or {}
    headline = labels.t(
        "bulletin.headline", as_of=s.get("as_of", ""), counted=fmt_int(s.get("counted")),
        target=fmt_int(s.get("target")), rate=fmt_pct(s.get("fulfilment_rate")),
        change=fmt_signed(s.get("change_since_last_month")),
        previous=fmt_int(s.get("previous_counted")),
    )
    projection = labels.t(
        "bulletin.projection", method=method,
        pace=fmt_num(zero_if_missing(proj.get("monthly_pace")), 1),
        deadline=proj.get("deadline", ""), projected=fmt_int(proj.get("projected_counted")),
        rate=fmt_pct(proj.get("projected_rate")),
    ) if proj else ""
    return {"headline_text": headline, "projection_text": projection}


def _quality_facts(s: dict, ingest: dict, labels: Labels) -> list[str]:
    """The data-quality facts: rows by fate, skipped lines, unreadable files, sheets, gender."""
    t = labels.t
    return [
        t("dq.fact_rows", raw=fmt_int(s.get("raw_rows")), clean=fmt_int(s.get("clean_rows")),
          q=fmt_int(s.get("quarantined_rows")), sup=fmt_int(s.get("superseded_rows"))),
        t("dq.fact_skipped", n=fmt_int(ingest.get("skipped_lines", s.get("skipped_lines", 0)))),
        t("dq.fact_unreadable", n=len(ingest.get("unreadable_files", []))),
        t("dq.fact_sheets", n=len(ingest.get("skipped_sheets", []))),
        t("dq.fact_gender", n=fmt_int(ingest.get("gender_mismatch_rows", 0))),
    ]


def _method(s: dict, labels: Labels, method: str, threshold: int) -> list[str]:
    """The definitions and method section."""
    t = labels.t
    return [
        t("method.counting", basis=labels.optional("method.basis", s.get("counting_basis"))),
        t("method.window", as_of=s.get("as_of", ""), **labels.window_dates()),
        t("method.cutoff", cutoff=s.get("intake_cutoff", "")),
        t("method.dedup"),
        t("method.trajectory", target=fmt_int(s.get("target"))),
        t("method.projection_text", method=method),
        t("method.revisions"),
        t("method.disclosure", threshold=threshold, max=threshold - 1),
        t("method.industry"),
    ]


def bulletin_html(
    data: Any, labels: Labels, sensitive: tuple[str, ...], threshold: int, font: Path,
    created: str,
) -> tuple[str, list[Table]]:
    """The bulletin as HTML (``data`` is a ``StageData``), and its tables for the annex."""
    s = data.summary
    tables = bt.bulletin_tables(data, labels, sensitive, threshold)
    method = _projection_method(s.get("projection") or {}, labels)
    title = labels.t("bulletin.title", period=s.get("period", ""))
    ctx = _common(s, labels, created, title) | _lead(s, labels, method) | {
        "tables": {tab.key: tab for tab in tables} | {
            "validation_failed": quality.validation_failed(data.validation, labels),
            "reconciliation_by_folder": quality.reconciliation_by_folder(data.reconciliation,
                                                                         labels),
        },
        "charts": charts.bulletin_charts(data, labels, sensitive, font),
        "dq_status": quality.validation_status(data.validation, labels),
        "dq_facts": _quality_facts(s, data.ingest, labels),
        "method": _method(s, labels, method, threshold),
    }
    return _env().get_template("bulletin.html.j2").render(**ctx), tables


def rewards_html(data: Any, labels: Labels, font: Path, created: str) -> str:
    """The evaluator report as HTML (``data`` is a ``StageData``): built by
    :func:`pipeline.render.rewards_report.report_html`."""
    from pipeline.render.rewards_report import report_html

    return report_html(data, labels, font, created)


class _OfflineFetcher:
    """WeasyPrint URL fetcher that only serves ``data:`` and ``file:`` URLs; anything else
    stops the rendering (no silent network access)."""

    def __init__(self) -> None:
        from weasyprint.urls import URLFetcher

        self._inner = URLFetcher(allowed_protocols=("data", "file"), fail_on_errors=True)

    def __call__(self, url: str, *args: Any, **kwargs: Any) -> Any:
        """Fetch (callable form)."""
        return self.fetch(url, *args, **kwargs)

    def fetch(self, url: str, headers: Any = None) -> Any:
        """Fetch a ``data:``/``file:`` URL; raise a fatal error for any other scheme."""
        from weasyprint.urls import FatalURLFetchingError

        scheme = url.split(":", 1)[0].lower()
        if scheme not in ("data", "file"):
            raise FatalURLFetchingError(f"network URL refused while rendering: {url[:80]}")
        return self._inner.fetch(url, headers)


def font_css(regular: Path, bold: Path, family: str) -> str:
    """The print stylesheet that embeds the CJK font from its files (``file://`` URLs)."""
    fam = css_string(family) or "KuozhaoCJK"
    return "\n".join(
        [
            f"@font-face {{ font-family: '{fam}'; font-weight: 400; "
            f"src: url('{regular.resolve().as_uri()}'); }}",
            f"@font-face {{ font-family: '{fam}'; font-weight: 700; "
            f"src: url('{bold.resolve().as_uri()}'); }}",
            "html, body, table, th, td, h1, h2, h3, p, li, div, span, caption, figcaption "
            f"{{ font-family: '{fam}' !important; }}",
        ]
    )


def _epoch(created: str) -> int:
    """Seconds since 1970 of the ``created`` date (UTC midnight)."""
    day = date.fromisoformat(str(created)[:10])
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


@contextlib.contextmanager
def source_date_epoch(created: str) -> Iterator[None]:
    """Set ``SOURCE_DATE_EPOCH`` from ``created`` while rendering, then restore it."""
    old = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(_epoch(created))
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = old


def html_to_pdf(html: str, target: Path, font: Path, base_dir: Path) -> None:
    """Render HTML to an A4 PDF with the CJK font embedded, offline, reproducibly."""
    import logging
    import tempfile

    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    fetcher = _OfflineFetcher()
    with tempfile.TemporaryDirectory(prefix="kuozhao-font-") as tmp:
        regular, family = sc_font_file(font, Path(tmp))
        bold_src = bold_font(font)
        bold = sc_font_file(bold_src, Path(tmp))[0] if bold_src else regular
        fonts = FontConfiguration()
        css = CSS(string=font_css(regular, bold, family), font_config=fonts, url_fetcher=fetcher)
        doc = HTML(string=html, base_url=str(base_dir), url_fetcher=fetcher)
        pdf = doc.write_pdf(stylesheets=[css], font_config=fonts, pdf_identifier=b"kuozhao-stage05")
    write_bytes(target, pdf)
