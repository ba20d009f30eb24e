"""pipeline.render.documents: the bulletin and the evaluator report as HTML and PDF.

The fixture period (``tests/fixtures/period_2020-04``: six schools, a school name carrying
an HTML payload and one carrying a spreadsheet formula) is rendered once per language
(``rendered_zh``/``rendered_en`` in conftest) and the results are checked: offline HTML,
escaped text, headline figures in the PDF text, embedded CJK fonts, the report's sections.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest
from conftest import PERIOD_FIXTURE
from pypdf import PdfReader

from pipeline.render.documents import (
    _epoch,
    _OfflineFetcher,
    css_string,
    rewards_html,
    source_date_epoch,
)
from pipeline.render.fonts import find_cjk_font
from pipeline.render.inputs import load_stage_files
from pipeline.render.labels import Labels

PAYLOAD = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def summary() -> dict:
    return json.loads((PERIOD_FIXTURE / "summary.json").read_text(encoding="utf-8"))


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)


# ------------------------------------------------------------------ HTML


@pytest.mark.parametrize("key", ["bulletin_html", "rewards_html"])
@pytest.mark.parametrize("edition", ["zh", "en"])
def test_html_is_self_contained(key: str, edition: str, rendered_zh, rendered_en) -> None:
    html = (rendered_zh if edition == "zh" else rendered_en)[key].read_text(encoding="utf-8")
    lang = "zh-CN" if edition == "zh" else "en"
    assert f'<html lang="{lang}">' in html
    # Base64 image data is left out of the pattern checks (it is not a reference).
    text = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "data:", html)
    for bad in ("http://", "https://", "//cdn", "src=\"http", "url(", "@import", "file:"):
        assert bad not in text, bad
    assert "<script" not in html.lower()
    assert "<link" not in html.lower()
    for src in re.findall(r'src="([^"]*)"', html):
        assert src.startswith("data:image/png;base64,")


def test_submitted_text_is_escaped_in_html(rendered_zh) -> None:
    for key in ("bulletin_html", "rewards_html"):
        html = rendered_zh[key].read_text(encoding="utf-8")
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert PAYLOAD not in html
        assert "=HYPERLINK(&#34;x&#34;)" in html


def test_synthetic_banner(rendered_zh, rendered_en) -> None:
    assert "合成示例数据，非真实统计" in rendered_zh["bulletin_html"].read_text(encoding="utf-8")
    assert "Synthetic sample data" in rendered_en["rewards_html"].read_text(encoding="utf-8")


def test_english_edition_has_english_headings(rendered_en) -> None:
    html = rendered_en["bulletin_html"].read_text(encoding="utf-8")
    for heading in ("1. Headline", "2. Charts", "3. Tables", "4. Data quality",
                    "5. Definitions and method", "Table 2 Fulfilment by school"):
        assert heading in html
    report = rendered_en["rewards_html"].read_text(encoding="utf-8")
    assert "8. Worked examples" in report
    assert ("Not eligible: Data quality 88.46% is below the 90.00% minimum (short by 1.54 "
            "points)") in report
    assert "Page " in html  # the page counter of the PDF


def test_bulletin_sections_and_method(rendered_zh) -> None:
    html = rendered_zh["bulletin_html"].read_text(encoding="utf-8")
    assert ("截至 2020-04-30，全市技工院校扩招计入 3,555 人，为目标 4,376 人的 81.2%；"
            "较上月（3,380 人）变化 +175 人。") in html
    assert "预测：按最近 3 个月的平均月增量，外推 0 个月至截止日，月均增量 268.3 人" in html
    assert html.count("<figure id=\"chart-") == 5
    assert "招生季：录取日期不晚于 2019-10-20（含）计为 2019秋季" in html
    assert 'class="status-warning"' in html


def test_report_shows_gates_reasons_and_ranges(rendered_zh) -> None:
    html = rendered_zh["rewards_html"].read_text(encoding="utf-8")
    for text in ("门槛检验", "未通过", "数据质量 88.46% 低于门槛 90.00%（差 1.54 个百分点）",
                 "排名范围", "5,000,000", "895,140", "最大余数法",
                 "与公布金额 895,140 元一致"):
        assert text in html, text


def test_unallocated_pool_is_stated() -> None:
    data = load_stage_files(PERIOD_FIXTURE)
    data = dataclasses.replace(
        data,
        rewards=data.rewards.assign(eligible=False, reward_yuan=0),
        rewards_meta={**data.rewards_meta, "unallocated": True, "allocated_yuan": 0},
    )
    html = rewards_html(data, Labels.for_data(data, "zh-CN"), find_cjk_font(), "2020-04-30")
    assert "奖补资金池未分配" in html
    assert "本期没有符合条件的学校" in html


# ------------------------------------------------------------------ PDF


def test_pdf_text_has_headline_figures(rendered_zh, summary: dict) -> None:
    text = pdf_text(rendered_zh["bulletin_pdf"])
    flat = re.sub(r"\s+", "", text)
    assert f"{summary['counted']:,}" in flat
    assert f"{summary['target']:,}" in flat
    assert f"{summary['fulfilment_rate'] * 100:.1f}%" in flat
    assert f"+{summary['change_since_last_month']:,}" in flat
    assert f"{summary['previous_counted']:,}" in flat
    assert "技工院校扩招月度简报" in flat
    pages = len(PdfReader(rendered_zh["bulletin_pdf"]).pages)
    assert f"第1页/共{pages}页" in flat


def _fonts(path: Path) -> list[tuple[str, bool]]:
    """(BaseFont, embedded) for every font used on any page."""
    seen: dict[str, bool] = {}
    for page in PdfReader(path).pages:
        fonts = page.get("/Resources", {}).get("/Font", {})
        for ref in fonts.values():
            font = ref.get_object()
            descs = [font]
            if "/DescendantFonts" in font:
                descs = [d.get_object() for d in font["/DescendantFonts"]]
            embedded = all(
                any(k in d.get("/FontDescriptor", {}) for k in
                    ("/FontFile", "/FontFile2", "/FontFile3"))
                for d in descs
            )
            seen[str(font["/BaseFont"])] = embedded
    return sorted(seen.items())


@pytest.mark.parametrize("key", ["bulletin_pdf", "rewards_pdf"])
def test_pdf_fonts_are_embedded_cjk(key: str, rendered_zh, rendered_en) -> None:
    for pdf in (rendered_zh[key], rendered_en[key]):
        fonts = _fonts(pdf)
        assert fonts, "no fonts found"
        assert all(embedded for _, embedded in fonts), fonts
        assert any(re.search(r"CJK|Hei|Han|Noto", base) for base, _ in fonts), fonts
        # The Simplified-Chinese face, never the Japanese one of the .ttc collection.
        assert not any(re.search(r"CJK-?JP", base, re.I) for base, _ in fonts), fonts
        assert any(base.endswith("Bold") for base, _ in fonts), fonts  # the headings


# ------------------------------------------------------------------ helpers


def test_css_string_drops_quotes_and_markup() -> None:
    assert css_string('a"b<c>d\\e\nf&g') == "abcdefg"


def test_source_date_epoch_is_set_and_restored(monkeypatch) -> None:
    import os

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1")
    with source_date_epoch("2020-04-30"):
        assert os.environ["SOURCE_DATE_EPOCH"] == "1588204800" == str(_epoch("2020-04-30"))
    assert os.environ["SOURCE_DATE_EPOCH"] == "1"


def test_offline_fetcher_refuses_the_network() -> None:
    from weasyprint.urls import FatalURLFetchingError

    with pytest.raises(FatalURLFetchingError, match="network URL refused"):
        _OfflineFetcher()("https://cdn.example.com/x.css")
