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
    source_date_epoch,
)
from pipeline.render.fonts import find_cjk_font
from pipeline.render.inputs import load_stage_files
from pipeline.render.labels import Labels
from pipeline.render.rewards_report import report_html

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
    for heading in ("1. Main points", "2. Progress against the target",
                    "3. Schools, school types and districts", "4. Who was counted",
                    "5. Revisions", "6. Data quality",
                    "Annex: compilation notes and definitions", "A. Compilation notes",
                    "B. Definitions of the indicators", "Table 3 Fulfilment by school",
                    "Issue 8", "Compiled by: ", "Statistics and Analysis Section"):
        assert heading in html, heading
    report = rendered_en["rewards_html"].read_text(encoding="utf-8")
    assert "8. Worked examples" in report
    assert ("Not eligible: Data quality 88.46% is below the 90.00% minimum (short by 1.54 "
            "points)") in report
    assert "Page " in html  # the page counter of the PDF
    # Plurals: "1 file", "2 files".
    assert "1 file could not be read." in html and "2 files in the month folders not read" in html


def test_bulletin_masthead_and_key_points(rendered_zh) -> None:
    html = rendered_zh["bulletin_html"].read_text(encoding="utf-8")
    for text in ("技工院校扩招工作月度简报", "第 8 期", "哈尔滨市人力资源和社会保障局编印",
                 "2020年5月10日", "依据《哈尔滨市技工院校扩招实施方案》（哈政办规【2019】20号）",
                 "2020年4月全市技工院校扩招工作进展情况"):
        assert text in html, text
    for text in (
        "截至2020年4月30日，全市技工院校扩招计入3,555人，完成目标4,376人的81.2%，"
        "距目标尚差821人。",
        "本月为扩招截止月份（截止日2020年4月30日），以上为截止时的完成情况，不再作预测。",
        "分学校看，6所学校中有6所未完成指标，缺额合计821人，没有学校超额完成指标。",
        "本月计入人数较上月增加175人（上月按最新数据为3,380人）；较上月首次公布的3,370人"
        "增加185人（2020-03未经本系统发布，首次公布数按截至当月的报送重新推算）。",
        "2020-03数据由首次公布的3,370人修订为3,380人（+10人），其中补报6人、更正后计入3人、"
        "重报替代2人、其他−1人。",
        "另有177条记录待学校更正（涉及6所学校），暂不计入；待更正清单已反馈各校。",
    ):
        assert text in html, text
    assert "外推 0 个月" not in html and "距目标尚差 0" not in html and "预计至" not in html


def test_bulletin_sections_signoff_and_annex(rendered_zh) -> None:
    html = rendered_zh["bulletin_html"].read_text(encoding="utf-8")
    for text in ("一、主要特点", "二、总体进度", "三、分学校、类型和区域完成情况",
                 "四、计入人员构成",
                 "五、数据修订", "六、数据质量", "附：编制说明与指标解释", "（一）编制说明",
                 "（二）指标解释", "编制：统计分析科", "审核：职业能力建设处", "签发：分管局领导",
                 "单位：人", "资料来源：各技工院校按月报送的扩招新生花名册"):
        assert text in html, text
    assert html.count("<figure id=\"chart-") == 5
    assert "招生季：录取日期不晚于 2019-10-20（含）计为 2019秋季" in html
    assert 'class="status-warning"' in html
    # The data-quality section: new rosters, the month-folder entries not read.
    assert "本月（2020-04）新报送名册 3 个。" in html
    assert "2020-04/说明.docx" in html and "不是名册（文件类型）" in html
    assert "Office 临时文件" in html
    # Configured orders: 技师学院 before 高级技工学校 before 技工学校.
    types = html.index("表4 分学校类型完成情况")
    part = html[types:types + 3000]
    assert part.index("技师学院") < part.index("高级技工学校") < part.index(">技工学校")


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
    html = report_html(data, Labels.for_data(data, "zh-CN"), find_cjk_font(), "2020-04-30")
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


# ------------------------------------------------------------------ pages


def page_texts(path: Path) -> list[str]:
    """Each page's text, whitespace removed."""
    return [re.sub(r"\s+", "", page.extract_text() or "") for page in PdfReader(path).pages]


def test_a_table_split_over_pages_says_continued(rendered_zh, rendered_en) -> None:
    # The composition table (表6, some 50 rows) runs over a page in the fixture period.
    pages = page_texts(rendered_zh["bulletin_pdf"])
    first = [i for i, p in enumerate(pages) if "表6计入人员构成" in p]
    assert len(first) >= 2, "the composition table should run over a page"
    assert "表6计入人员构成（续表）" not in pages[first[0]]
    assert all("表6计入人员构成（续表）" in pages[i] for i in first[1:])
    # Every 续表 continues a table begun on an earlier page.
    for i, page in enumerate(pages):
        for title in re.findall(r"(表\d+)[^表（]*（续表）", page):
            assert any(title in earlier for earlier in pages[:i]), (i, title)
    en = page_texts(rendered_en["bulletin_pdf"])
    assert any("CompositionofcountedenrollmentsTable" not in p and
               "Compositionofcountedenrollments(continued)" in p for p in en)
    # The HTML is one table: the cut is the PDF's.
    html = rendered_zh["bulletin_html"].read_text(encoding="utf-8")
    assert "续表" not in html and html.count('data-table="breakdowns"') == 1


HAN = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]+")


def proper_names(data) -> set[str]:
    """The Chinese an English edition may show: names of schools without an English name,
    what the schools sent (file names, majors not in the reference table) and the policy's
    document number (哈政办规【2019】20号)."""
    names = {n for sid, n in zip(data.schools["school_id"], data.schools["school_name"],
                                 strict=True) if not data.names_en.get(sid)}
    names |= {f["source_file"] for f in data.ingest.get("unreadable_files", [])}
    names |= {e["entry"] for e in data.ingest.get("listed_entries", [])}
    names |= {m["major"] for m in data.ingest.get("unmapped_majors", [])}
    names.add(data.masthead.policy_citation)
    return names


def chinese_left(text: str, allowed: set[str]) -> set[str]:
    """The runs of Chinese characters in ``text`` (whitespace removed) once every allowed
    name is taken out."""
    text = re.sub(r"\s+", "", text)
    for name in sorted({re.sub(r"\s+", "", n) for n in allowed}, key=len, reverse=True):
        text = text.replace(name, "")
    return {m.group(0) for m in HAN.finditer(text)} - set("“”（），；：、")


def test_english_html_has_no_chinese_but_proper_names(rendered_en) -> None:
    data = load_stage_files(PERIOD_FIXTURE)
    html = rendered_en["bulletin_html"].read_text(encoding="utf-8")
    visible = re.sub(r"<style>.*?</style>|<[^>]+>", " ", html, flags=re.S)
    # The fixture's stage files come from a Chinese run, whose refusal of a file is in
    # Chinese; an English run writes it in English (the slow test below).
    problems = {f["problem"] for f in data.ingest["unreadable_files"]}
    import html as html_lib

    assert chinese_left(html_lib.unescape(visible), proper_names(data) | problems) == set()


@pytest.mark.slow
def test_english_pdf_has_no_chinese_but_proper_names(tmp_path: Path) -> None:
    """The English edition's PDF text holds no Chinese but proper names (see
    :func:`proper_names`), on stage files as an English run writes them."""
    import shutil

    from conftest import render_period

    data = load_stage_files(PERIOD_FIXTURE)
    ingest = json.loads((PERIOD_FIXTURE / "ingest_report.json").read_text(encoding="utf-8"))
    ingest["unreadable_files"][0]["problem"] = "the workbook is damaged or not a workbook"
    folder = tmp_path / "src"
    shutil.copytree(PERIOD_FIXTURE, folder)
    (folder / "ingest_report.json").write_text(json.dumps(ingest, ensure_ascii=False),
                                               encoding="utf-8")
    pdf = render_period(tmp_path / "2020-04", "en", source=folder)["bulletin_pdf"]
    text = "".join(page_texts(pdf))
    assert chinese_left(text, proper_names(data)) == set()
    assert "HarbinTechnicianCollege" in text  # school_name_en is used
    # Codes are never broken over two lines (pypdf gives a broken one as two runs).
    lines = [ln for page in PdfReader(pdf).pages for ln in (page.extract_text() or "").split("\n")]
    assert any("CROSS_SCHOOL_DUPLICATE" in ln for ln in lines)
    assert not any(ln.rstrip().endswith(("CROSS_SCHOOL_", "DUPLICA")) for ln in lines)
