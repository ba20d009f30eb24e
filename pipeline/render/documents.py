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
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from pipeline import resources
from pipeline.render import bulletin_context as bc
from pipeline.render import bulletin_tables as bt
from pipeline.render import charts, narrative, pagination
from pipeline.render import quality_tables as quality
from pipeline.render.files import write_bytes
from pipeline.render.fonts import bold_font, sc_font_file
from pipeline.render.formats import fmt_dec, fmt_int, fmt_pct, fmt_signed
from pipeline.render.labels import Labels
from pipeline.render.table import Table

#: Lays a document out again with tables cut where the first layout broke them: takes the
#: cuts and the column widths by table (:func:`pipeline.render.pagination.page_breaks`).
Relayout = Callable[[dict[str, list[int]], dict[str, list[float]]], str]


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
    env.globals.update(parts=pagination.parts)
    return env


def render(template: str, ctx: dict[str, Any], splits: dict[str, list[int]] | None = None,
           widths: dict[str, list[float]] | None = None) -> str:
    """A template rendered with ``ctx``; ``splits`` and ``widths`` cut tables into parts
    (the PDF's second layout, :mod:`pipeline.render.pagination`)."""
    return _env().get_template(template).render(**ctx, splits=splits or {},
                                                widths=widths or {})


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


def bulletin_context(
    data: Any, labels: Labels, sensitive: tuple[str, ...], threshold: int, font: Path,
    created: str,
) -> tuple[dict[str, Any], list[Table]]:
    """The bulletin template's variables (``data`` is a ``StageData``) and the annex's
    tables."""
    s, m = data.summary, data.masthead
    source = bc.source_note(m, labels)
    tables = bt.all_tables(data, labels, sensitive, threshold, source)
    drawn = charts.bulletin_charts(data, labels, sensitive, font)
    note = labels.t("notes.source", source=source) if source else ""
    title = labels.t("bulletin.title", period=s.get("period", ""))
    ctx = _common(s, labels, created, title) | {
        "masthead": bc.masthead(m, labels),
        "heading": bc.heading(s, labels),
        "as_of_text": labels.date(s["as_of"]) if s.get("as_of") else "",
        "key_points": narrative.key_points(data, labels),
        "tables": tables,
        "charts": {c["key"]: c | {"source": note} for c in drawn},
        "dq_status": quality.validation_status(data.validation, labels),
        "dq_facts": bc.quality_facts(s, data.ingest, labels),
        "compilation": bc.compilation(s, labels, m, threshold),
        "indicators": bc.indicators(s, labels),
    }
    return ctx, [tables[k] for k in bt.SHEETS if k in tables and tables[k].sheet]


def bulletin_html(
    data: Any, labels: Labels, sensitive: tuple[str, ...], threshold: int, font: Path,
    created: str,
) -> tuple[str, list[Table]]:
    """The bulletin as HTML (``data`` is a ``StageData``), and its tables for the annex."""
    ctx, tables = bulletin_context(data, labels, sensitive, threshold, font, created)
    return render("bulletin.html.j2", ctx), tables


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


class PdfMaker:
    """Renders HTML to A4 PDFs with the CJK font embedded, offline, reproducibly; the font
    files and their stylesheet are prepared once for every document made with it (a letter
    costs a third less). Use as a context manager: the prepared font files are removed on
    exit."""

    def __init__(self, font: Path):
        self.font = Path(font)

    def __enter__(self) -> PdfMaker:
        import logging
        import tempfile

        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        logging.getLogger("weasyprint").setLevel(logging.ERROR)
        logging.getLogger("fontTools").setLevel(logging.ERROR)
        self._tmp = tempfile.TemporaryDirectory(prefix="kuozhao-font-")
        tmp = Path(self._tmp.name)
        regular, family = sc_font_file(self.font, tmp)
        bold_src = bold_font(self.font)
        bold = sc_font_file(bold_src, tmp)[0] if bold_src else regular
        self._fetcher = _OfflineFetcher()
        self._fonts = FontConfiguration()
        self._css = CSS(string=font_css(regular, bold, family), font_config=self._fonts,
                        url_fetcher=self._fetcher)
        return self

    def __exit__(self, *exc: object) -> None:
        self._tmp.cleanup()

    def write(self, html: str, target: Path, base_dir: Path,
              relayout: Relayout | None = None) -> None:
        """Write ``html`` as a PDF to ``target``. With ``relayout``, a document whose tables
        run over a page is laid out a second time from ``relayout(cuts, widths)``, so that
        their continuations say 续表."""
        from weasyprint import HTML

        def laid_out(text: str) -> Any:
            return HTML(string=text, base_url=str(base_dir), url_fetcher=self._fetcher).render(
                stylesheets=[self._css], font_config=self._fonts)

        doc = laid_out(html)
        splits, widths = pagination.page_breaks(doc) if relayout else ({}, {})
        if splits and relayout is not None:
            doc = laid_out(relayout(splits, widths))
        write_bytes(target, doc.write_pdf(pdf_identifier=b"kuozhao-stage05"))


def html_to_pdf(html: str, target: Path, font: Path, base_dir: Path,
                relayout: Relayout | None = None) -> None:
    """One document through a :class:`PdfMaker` of its own."""
    with PdfMaker(font) as maker:
        maker.write(html, target, base_dir, relayout)
