"""The decision letters (告知书, issue 15): decision and amount, each gate with its distance in
persons, the figures and their files, pending corrections and whether they could change the
decision, 公示 and 复核, the sign-off, the run ID and hashes on the first page; masked IDs
only; the same bytes on a rerun; and the letters of the acceptance case."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from decision_cases import REPRO, acceptance_stages, school, stage_data
from openpyxl import load_workbook
from pypdf import PdfReader

from pipeline.catalog import relative_path
from pipeline.render.fonts import FontNotFound
from pipeline.render.labels import Labels
from pipeline.render.letters import letter_html, letters_beside, write_letters

ROOT = Path(__file__).resolve().parents[1]
CASE = ROOT.parent / "shared" / "acceptance" / "case-2020"
FULL_ID = re.compile(r"(?<![0-9*])[0-9]{17}[0-9Xx](?![0-9])")
MASKED = re.compile(r"[0-9]{6}\*{8}[0-9]{3}[0-9X]")
PAYLOAD = "<script>alert(1)</script>"

PENDING = {  # G: 45 of 100 counted and 5 rows quarantined; 50 at best, short of 60
    "G": {"count": 5, "by_reason": {"BAD_DATE": 3, "INVALID_ID": 2},
          "rows": [{"source_file": "2019-10/G.csv", "sheet": None, "source_row": 7 + i,
                    "id_masked": f"230102********{1230 + i}", "reasons": "BAD_DATE"}
                   for i in range(2)]},
    "C": {"count": 12, "by_reason": {"BAD_DATE": 12}, "rows": []},
}
FILES = {"AT": [{"source_file": "2019-09/AT_花名册.csv", "counted": 60, "standing": 60,
                 "quarantined": 0, "sha256": "e" * 64}]}


def cases() -> pd.DataFrame:
    """At the fulfilment gate (60 of 100), one short (59), one over (61); C (12 of 100 rows
    quarantined: correcting them passes data quality); G (short even after correcting)."""
    return pd.DataFrame([
        school("AT", c=60), school("SHORT", c=59), school("OVER", c=61),
        school("C", quarantined=12), school("G", c=45, quarantined=5, standing=50),
        school("X", c=70, school_name=f"学校{PAYLOAD}"),
    ])


@pytest.fixture(scope="module")
def data():
    return stage_data(cases(), pending=PENDING, files=FILES)


def letter(data, sid: str, lang: str = "zh-CN") -> str:
    row = data.rewards.set_index("school_id", drop=False).loc[sid]
    return letter_html(row, data, Labels.for_data(data, lang))


def test_distance_in_persons_at_the_gate_one_short_and_one_over(data) -> None:
    at, short, over = (letter(data, s) for s in ("AT", "SHORT", "OVER"))
    assert "计入学生减少 1 名即不通过" in at  # 60 of 100: one fewer fails
    assert "再增加 1 名计入学生即可通过" in short  # 59: one more passes
    assert "计入学生减少 2 名即不通过" in over  # 61: two fewer fail
    assert "<td class=\"text\">60 / 100</td>" in at and "≥ 60.00%" in at
    assert "你校未通过完成率门槛，本期不符合奖励条件，奖补金额为 0 元" in short


def test_the_decision_figures_and_files(data) -> None:
    html = letter(data, "AT")
    amount = int(data.rewards.set_index("school_id").loc["AT", "reward_yuan"])
    assert "你校三项门槛均通过，符合奖励条件" in html and f"奖补金额 {amount:,} 元" in html
    assert "2019-09/AT_花名册.csv" in html and "e" * 64 in html
    assert "学校AT（AT）：" in html
    assert "哈政办规【2019】20号" in html


def test_pending_corrections_could_and_could_not_change_the_decision(data) -> None:
    c, g, at = letter(data, "C"), letter(data, "G"), letter(data, "AT")
    best = int(data.rewards.set_index("school_id").loc["C", "yuan_best_case"])
    assert ("你校将通过全部门槛，评审结论可能改变：金额可能在 0 元至 "
            f"{best:,} 元之间") in c
    assert "你校仍不符合奖励条件，评审结论不会改变（金额 0 元）" in g
    assert "你校仍有 5 条记录待更正" in g and "（BAD_DATE）3 条" in g
    assert "以下列出前 2 条（共 5 条）" in g
    assert "你校报送的记录中没有待更正记录" in at


def test_masked_ids_only_and_submitted_text_escaped(data) -> None:
    g = letter(data, "G")
    assert MASKED.findall(g) == ["230102********1230", "230102********1231"]
    assert not FULL_ID.search(g)
    x = letter(data, "X")
    assert PAYLOAD not in x and "&lt;script&gt;" in x


def test_notice_review_and_sign_off(data) -> None:
    html = letter(data, "AT")
    assert "本评审结果自 2020年5月10日 起公示 7 日，至 2020年5月16日 止。" in html
    assert "请于 2020年5月31日 前向市人力资源和社会保障局职业能力建设处书面提出复核申请" in html
    assert "哈尔滨市人力资源和社会保障局" in html
    assert "编制：统计分析科" in html


def test_reproducibility_on_the_first_page(data) -> None:
    html = letter(data, "AT")
    first = html[:html.index('class="addressee"')]
    for value in (REPRO["run_id"], REPRO["policy_sha256"], REPRO["inputs_sha256"],
                  REPRO["published_sha256"], REPRO["commit"], "相同的输入给出逐字节相同的文件。"):
        assert value in first, value


def test_english_letter(data) -> None:
    html = letter(data, "SHORT", "en")
    assert '<html lang="en">' in html
    assert "1 more counted student would pass it" in html
    assert "did not pass the Fulfilment gate" in html
    assert "Vocational Capacity Division" in html and "The same inputs give the same bytes." in html


@pytest.mark.slow
def test_written_at_the_catalogue_paths_as_pdf_and_the_same_bytes_again(data, tmp_path) -> None:
    small = stage_data(cases().head(2), files=FILES)
    first = write_letters(small, tmp_path / "a")
    with letters_beside(small, tmp_path / "b"):  # as stage 05 writes them: in a second process
        pass
    again = [tmp_path / "b" / p.relative_to(tmp_path / "a") for p in first]
    assert [p.relative_to(tmp_path / "a") for p in first] == [
        relative_path("decision_html", "AT"), relative_path("decision_pdf", "AT"),
        relative_path("decision_html", "SHORT"), relative_path("decision_pdf", "SHORT")]
    for a, b in zip(first, again, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
    pdf = PdfReader(tmp_path / "a" / relative_path("decision_pdf", "SHORT"))
    page1 = re.sub(r"\s+", "", pdf.pages[0].extract_text())
    assert "再增加1名计入学生即可通过" in page1
    assert REPRO["run_id"] in page1 and "技工院校扩招以奖代补评审结果告知书" in page1


def test_an_error_in_the_second_process_reaches_the_stage(tmp_path) -> None:
    small = stage_data(cases().head(1), files=FILES)
    ran = []
    with pytest.raises(FontNotFound), letters_beside(small, tmp_path, font=tmp_path / "no.ttf"):
        ran.append("the block")
    assert ran == ["the block"]


# ------------------------------------------------------------------ the acceptance case


def raw_names(ctx) -> set[str]:
    """Every name written in the acceptance case's rosters (read as stage 01 reads them)."""
    from pipeline.ingest import HeaderMap, Reader, SchoolNames, ingest_all
    from pipeline.settings import load_settings
    from pipeline.stages import load_reference

    cfg = load_settings(ctx.config_dir).pipeline
    schools, _ = load_reference(ctx, cfg)
    reader = Reader(HeaderMap(cfg.header_map, cfg.required_fields, cfg.month_headers),
                    SchoolNames(schools))
    raw = ingest_all(ctx.raw_dir, ctx.period, reader)[0]
    return {n for n in raw["name"].dropna().astype(str) if len(n.strip()) >= 2}


@pytest.mark.slow
@pytest.mark.skipif(not CASE.is_dir(), reason="acceptance case not found")
def test_acceptance_letters_and_evidence_hold_masked_ids_only(tmp_path) -> None:
    from pipeline.render.inputs import StageData
    from pipeline.stages import files_of, render_data

    ctx = acceptance_stages(tmp_path)
    files = files_of(ctx)
    files.write("validation", {"success": True, "results": []})  # stage 02 is not needed
    data: StageData = render_data(files)
    paths = write_letters(data, ctx.out_dir)
    names = raw_names(ctx)
    assert len(names) > 100
    texts = {p: p.read_text(encoding="utf-8") if p.suffix == ".html" else
             "\n".join(page.extract_text() for page in PdfReader(p).pages) for p in paths}
    texts |= {p: "\n".join(str(c) for ws in load_workbook(p, read_only=True).worksheets
                           for row in ws.iter_rows(values_only=True) for c in row if c)
              for p in sorted((ctx.out_dir / "internal" / "evidence").glob("*.xlsx"))}
    for path, text in texts.items():
        assert not FULL_ID.search(text), path
        assert not [n for n in names if n in text], path
    hx02 = texts[ctx.out_dir / relative_path("decision_html", "HX02")]
    assert "符合奖励条件：总分 0.7085，在 5 所参评学校中排名第 1，奖补金额 1,778,663 元" in hx02
    assert MASKED.search(hx02)  # its pending rows, masked
    hx03 = texts[ctx.out_dir / relative_path("decision_html", "HX03")]
    assert "再增加 107 名计入学生即可通过" in hx03  # 433 of 900 counted, 540 pass


def test_a_script_without_a_main_guard_runs_once(tmp_path) -> None:
    """The letters' process is a plain child: the calling script is not run again in it."""
    import subprocess
    import sys

    script = tmp_path / "script.py"
    script.write_text(
        "import sys\n"
        f"sys.path[:0] = [{str(ROOT)!r}, {str(ROOT / 'tests')!r}]\n"
        "from pathlib import Path\n"
        "from decision_cases import stage_data\n"
        "from test_render_letters import FILES, cases\n"
        "from pipeline.render.letters import letters_beside\n"
        f"marker = Path({str(tmp_path / 'runs.txt')!r})\n"
        "marker.write_text(marker.read_text() + 'x' if marker.exists() else 'x')\n"
        f"with letters_beside(stage_data(cases().head(1), files=FILES), Path({str(tmp_path)!r})):\n"
        "    pass\n", encoding="utf-8")
    subprocess.run([sys.executable, str(script)], check=True, cwd=tmp_path)
    assert (tmp_path / "runs.txt").read_text() == "x"
    assert (tmp_path / relative_path("decision_pdf", "AT")).is_file()


def test_a_child_that_dies_without_a_word_is_an_error(tmp_path, monkeypatch) -> None:
    import sys

    small = stage_data(cases().head(1), files=FILES)
    monkeypatch.setattr(sys, "executable", "/bin/false")
    with pytest.raises(RuntimeError, match="ended with code 1"), letters_beside(small, tmp_path):
        pass
