"""Stage 05: rendering the bulletin, the evaluator report and the Excel annex.

The fixture ``tests/fixtures/period_2020-04`` is one period's output folder written by hand
(six schools, a school name carrying an HTML payload and one carrying a spreadsheet formula,
a school with 3 disabled students). It is rendered once per language into a temporary folder
and the results are checked: offline HTML, escaped text, headline figures in the PDF text,
embedded CJK fonts, disclosure control, inert spreadsheet text, byte-identical reruns.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import nbformat
import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from pipeline import disclosure, messages
from pipeline.errors import InputError
from pipeline.render import (
    Builder,
    RewardsBuilder,
    find_cjk_font,
    inert,
    load_stage_files,
    render_all,
    rewards_html,
)

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "period_2020-04"
OUTPUTS = ("bulletin.html", "bulletin.pdf", "rewards.html", "rewards.pdf", "tables.xlsx")
PAYLOAD = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("x")'


def _render(dest: Path, lang: str) -> dict[str, Path]:
    shutil.copytree(FIXTURE, dest)
    return render_all(dest, lang, created="2020-04-30")


@pytest.fixture(scope="module")
def zh(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return _render(tmp_path_factory.mktemp("zh") / "2020-04", "zh-CN")


@pytest.fixture(scope="module")
def en(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return _render(tmp_path_factory.mktemp("en") / "2020-04", "en")


@pytest.fixture(scope="module")
def summary() -> dict:
    return json.loads((FIXTURE / "summary.json").read_text(encoding="utf-8"))


def _pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)


# ------------------------------------------------------------------ files and HTML


def test_render_all_writes_every_output(zh: dict[str, Path]) -> None:
    assert set(zh) == set(OUTPUTS)
    for name in OUTPUTS:
        assert zh[name].is_file() and zh[name].stat().st_size > 1000, name
    assert zh["bulletin.pdf"].read_bytes().startswith(b"%PDF-")


@pytest.mark.parametrize("name", ["bulletin.html", "rewards.html"])
@pytest.mark.parametrize("edition", ["zh", "en"])
def test_html_is_self_contained(
    name: str, edition: str, zh: dict[str, Path], en: dict[str, Path]
) -> None:
    html = (zh if edition == "zh" else en)[name].read_text(encoding="utf-8")
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


def test_submitted_text_is_escaped_in_html(zh: dict[str, Path]) -> None:
    for name in ("bulletin.html", "rewards.html"):
        html = zh[name].read_text(encoding="utf-8")
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert PAYLOAD not in html
        assert "=HYPERLINK(&#34;x&#34;)" in html


def test_synthetic_banner(zh: dict[str, Path], en: dict[str, Path]) -> None:
    assert "合成示例数据，非真实统计" in zh["bulletin.html"].read_text(encoding="utf-8")
    assert "Synthetic sample data" in en["rewards.html"].read_text(encoding="utf-8")


def test_english_edition_has_english_headings(en: dict[str, Path]) -> None:
    html = en["bulletin.html"].read_text(encoding="utf-8")
    for heading in ("1. Headline", "2. Charts", "3. Tables", "4. Data quality",
                    "5. Definitions and method", "Table 2 Fulfilment by school"):
        assert heading in html
    report = en["rewards.html"].read_text(encoding="utf-8")
    assert "6. Worked example" in report and "Not eligible" in report
    assert "Page " in html  # the page counter of the PDF


def test_catalogues_have_the_same_keys() -> None:
    def keys(lang: str) -> set[str]:
        return {k for k in messages.catalogue(lang) if not k.startswith("values.")}

    assert keys("zh-CN") == keys("en")
    assert messages.t("page.middle", "zh-CN") == " 页 / 共 "
    assert messages.value("技师学院", "en") == "Technician college"
    assert messages.value("未知的值", "en") == "未知的值"


# ------------------------------------------------------------------ PDF


def test_pdf_text_has_headline_figures(zh: dict[str, Path], summary: dict) -> None:
    text = _pdf_text(zh["bulletin.pdf"])
    flat = re.sub(r"\s+", "", text)
    assert f"{summary['counted']:,}" in flat
    assert f"{summary['target']:,}" in flat
    assert f"{summary['fulfilment_rate'] * 100:.1f}%" in flat
    assert f"+{summary['change_since_last_month']:,}" in flat
    assert f"{summary['previous_counted']:,}" in flat
    assert "技工院校扩招月度简报" in flat
    pages = len(PdfReader(zh["bulletin.pdf"]).pages)
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


@pytest.mark.parametrize("name", ["bulletin.pdf", "rewards.pdf"])
def test_pdf_fonts_are_embedded_cjk(name: str, zh: dict[str, Path], en: dict[str, Path]) -> None:
    for pdf in (zh[name], en[name]):
        fonts = _fonts(pdf)
        assert fonts, "no fonts found"
        assert all(embedded for _, embedded in fonts), fonts
        assert any(re.search(r"CJK|Hei|Han", base) for base, _ in fonts), fonts
        # The Simplified-Chinese face, never the Japanese one of the .ttc collection.
        assert not any(re.search(r"CJK-?JP", base, re.I) for base, _ in fonts), fonts


# ------------------------------------------------------------------ determinism


def test_rerun_gives_identical_bytes(zh: dict[str, Path], tmp_path: Path) -> None:
    again = _render(tmp_path / "2020-04", "zh-CN")
    for name in OUTPUTS:
        assert again[name].read_bytes() == zh[name].read_bytes(), name


# ------------------------------------------------------------------ disclosure control


def test_protect_group_complements_a_single_small_cell() -> None:
    prot = disclosure.protect_group([9, 3, 0, 0, 6, 0], 5)
    assert prot.status == ("", "primary", "", "", "secondary", "")
    assert not prot.total_hidden


def test_protect_group_hides_total_when_nothing_can_complement() -> None:
    prot = disclosure.protect_group([0, 3, 0], 5)
    assert prot.status == ("", "primary", "")
    assert prot.total_hidden


def test_protect_group_small_hidden_sum_takes_another_cell() -> None:
    # Two small cells hidden together count 2: the sum would still pin them down to 1–1.
    prot = disclosure.protect_group([1, 1, 40, 7], 5)
    assert prot.status == ("primary", "primary", "", "secondary")


def test_protect_group_yes_no_flag() -> None:
    # 是 = 3 with 否 published next to a published total would give 是 away.
    prot = disclosure.protect_column([3, 3552], ["是", "否"], 5)
    assert prot.status == ("primary", "secondary")
    # 否 is never a primary suppression (it does not count the sensitive group).
    assert disclosure.protect_column([3552, 2], ["是", "否"], 5).status == ("", "")


def test_nothing_to_hide_and_unpublished_totals() -> None:
    assert disclosure.protect_group([0, 5, 12], 5).status == ("", "", "")
    assert disclosure.protect_group([3, 8], 5, total_published=False).status == ("primary", "")
    assert disclosure.display(3, "primary", 5) == "<5"
    assert disclosure.display(8, "secondary", 5) == "×"
    assert disclosure.display(8, "", 5) == 8


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=30), min_size=1, max_size=8),
       st.integers(min_value=2, max_value=10))
def test_no_small_cell_is_recoverable_from_the_total(counts: list[int], threshold: int) -> None:
    prot = disclosure.protect_group(counts, threshold)
    shown = [disclosure.display(c, s, threshold) for c, s in zip(counts, prot.status, strict=True)]
    total = "×" if prot.total_hidden else sum(counts)
    assert disclosure.recoverable_cells(shown, total) == []
    for c, s in zip(counts, prot.status, strict=True):
        if 0 < c < threshold:
            assert s == "primary"
    if any(prot.status) and not prot.total_hidden:
        hidden = [c for c, s in zip(counts, prot.status, strict=True) if s]
        assert len(hidden) >= 2 and sum(hidden) >= threshold


def _sheet_rows(path: Path, title: str) -> list[list[object]]:
    wb = openpyxl.load_workbook(path)
    return [list(r) for r in wb[title].iter_rows(min_row=4, values_only=True)]


def test_disabled_cells_suppressed_in_published_tables(zh: dict[str, Path]) -> None:
    rows = _sheet_rows(zh["tables.xlsx"], "残疾人按学校")
    body = [r for r in rows if str(r[0]).startswith("S")]
    (total,) = [r for r in rows if r[0] == "合计"]
    by_school = {r[0]: r[2] for r in body}
    assert by_school["S02"] == "<5"  # 3 disabled students
    assert by_school["S05"] == "×"  # the complement (smallest other non-zero cell, 6)
    assert total[2] == 18
    assert disclosure.recoverable_cells([r[2] for r in body], total[2]) == []
    published = sum(v for v in by_school.values() if isinstance(v, int))
    assert total[2] - published not in range(1, 5)
    html = zh["bulletin.html"].read_text(encoding="utf-8")
    assert "&lt;5" in html


def test_breakdown_small_disabled_count_and_its_complement() -> None:
    data = load_stage_files(FIXTURE)
    bd = data.breakdowns.copy()
    yes = (bd["dimension"] == "disabled") & (bd["category"] == "是")
    no = (bd["dimension"] == "disabled") & (bd["category"] == "否")
    for col in ("admitted", "registered", "counted"):
        moved = bd.loc[yes, col].to_numpy() - 3
        bd.loc[yes, col] = 3
        bd.loc[no, col] = bd.loc[no, col].to_numpy() + moved
    data.breakdowns = bd
    tab = Builder(data, "zh-CN", ("disabled",), 5).breakdowns()
    rows = [r for r in tab.rows if r[0] == "残疾人"]
    assert [r[4] for r in rows] == ["<5", "×"]
    assert [r[5] for r in rows] == ["×", "×"]  # the share would give the count away too


# ------------------------------------------------------------------ xlsx


def test_inert_prefixes_formula_starts() -> None:
    for text in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert inert(text) == "'" + text
    assert inert("哈尔滨技师学院") == "哈尔滨技师学院"


def test_xlsx_text_inert_numbers_numeric(zh: dict[str, Path]) -> None:
    wb = openpyxl.load_workbook(zh["tables.xlsx"])
    assert "按学校" in wb.sheetnames and "数据修订" in wb.sheetnames
    formula_cells = [c for ws in wb for row in ws.iter_rows() for c in row if c.data_type == "f"]
    assert formula_cells == []
    ws = wb["按学校"]
    assert [c.value for c in ws[3]][:5] == ["学校代码", "学校名称", "学校类型", "所在区", "指标"]
    names = {ws.cell(row=r, column=1).value: ws.cell(row=r, column=2) for r in range(4, 10)}
    assert names["S05"].value == "'" + FORMULA + "职业技能学校" and names["S05"].data_type == "s"
    assert names["S04"].value == f"哈尔滨{PAYLOAD}技工学校"
    quota = ws.cell(row=4, column=5).value
    assert isinstance(quota, int) and quota == 1200
    assert isinstance(ws.cell(row=4, column=9).value, float)  # the rate, formatted as %
    assert wb.properties.creator == "kuozhao"
    assert str(wb.properties.modified).startswith("2020-04-30")


# ------------------------------------------------------------------ personal data


def test_no_id_numbers_in_published_files(zh: dict[str, Path]) -> None:
    masked = re.compile(r"\d{6}\*{8}\d{3}[\dX]|\d{17}[\dXx]")
    for name in ("bulletin.html", "rewards.html"):
        assert not masked.search(zh[name].read_text(encoding="utf-8")), name
    assert not masked.search(_pdf_text(zh["bulletin.pdf"]))
    wb = openpyxl.load_workbook(zh["tables.xlsx"])
    for ws in wb:
        for row in ws.iter_rows(values_only=True):
            for val in row:
                assert not (isinstance(val, str) and masked.search(val)), (ws.title, val)


# ------------------------------------------------------------------ evaluator report


def test_worked_example_recomputes_the_published_amount() -> None:
    ex = RewardsBuilder(load_stage_files(FIXTURE), "zh-CN", (), 5).worked_example()
    assert ex is not None and ex["check_ok"], ex and ex["check"]
    assert ex["school"].startswith("S06")


def test_report_shows_gates_reasons_and_ranges(zh: dict[str, Path]) -> None:
    html = zh["rewards.html"].read_text(encoding="utf-8")
    for text in ("门槛检验", "未通过", "数据质量 88.5% 低于门槛 90%", "排名范围",
                 "5,000,000", "895,140", "最大余数法", "与公布金额 895,140 元一致"):
        assert text in html, text


def test_unallocated_pool_is_stated(tmp_path: Path) -> None:
    data = load_stage_files(FIXTURE)
    data.rewards = data.rewards.assign(eligible=False, reward_yuan=0)
    data.rewards_meta = {**data.rewards_meta, "unallocated": True, "allocated_yuan": 0}
    html = rewards_html(data, "zh-CN", find_cjk_font(), "2020-04-30")
    assert "奖补资金池未分配" in html
    assert "本期没有符合条件的学校" in html


# ------------------------------------------------------------------ errors, font, notebook


def test_missing_stage_file_is_one_line_input_error(tmp_path: Path) -> None:
    shutil.copytree(FIXTURE, tmp_path / "p")
    (tmp_path / "p" / "series.csv").unlink()
    with pytest.raises(InputError, match="series.csv"):
        render_all(tmp_path / "p")


def test_find_cjk_font() -> None:
    font = find_cjk_font()
    assert font.is_file()


def test_notebook_is_thin_and_stripped() -> None:
    nb = nbformat.read(ROOT / "notebooks" / "05_bulletin.ipynb", as_version=4)
    assert nb.metadata["kernelspec"]["name"] == "kuozhao"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert "parameters" in code[0].metadata.get("tags", [])
    names = re.findall(r"^(\w+) =", code[0].source, re.M)
    assert names == ["period", "raw_dir", "reference_dir", "config_dir", "processed_dir",
                     "out_dir", "lang", "skip_unreadable"]
    assert "StageContext.from_params" in code[1].source
    assert "bulletin_stage(ctx)" in code[2].source
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code)
