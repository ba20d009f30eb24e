"""Orchestration: one-line errors, atomic publication, the lock, and a real end-to-end run
of every notebook on small sample data (twice: the outputs must be byte-identical)."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import nbformat
import pytest

from pipeline import kernels
from pipeline import lock as lockmod
from pipeline import run as runmod
from pipeline.catalog import relative_path
from pipeline.cli import main
from pipeline.settings import CONFIG_FILES

ROOT = Path(__file__).resolve().parents[1]
CASE = ROOT.parent / "shared" / "acceptance" / "case-2020"
ID_RE = re.compile(r"(?<![0-9])[1-8][0-9]{16}[0-9Xx](?![0-9])")


def _run(capsys, *args: str) -> tuple[int, str]:
    code = main(["run", *args])
    err = capsys.readouterr().err
    return code, err


def _small_case(tmp_path: Path) -> dict[str, Path]:
    """The acceptance reference plus the first two raw folders, in a tmp tree."""
    raw = tmp_path / "raw"
    for month in ("2019-09", "2019-10"):
        shutil.copytree(CASE / "raw" / month, raw / month)
    ref = tmp_path / "reference"
    shutil.copytree(CASE / "reference", ref)
    cfg = tmp_path / "config"
    cfg.mkdir()
    for name in CONFIG_FILES:
        shutil.copy(ROOT / "config" / name, cfg / name)
    return {"raw": raw, "reference": ref, "config": cfg, "out": tmp_path / "out",
            "processed": tmp_path / "processed"}


def _args(p: dict[str, Path], period: str | None = "2019-10") -> list[str]:
    args = ["--raw", str(p["raw"]), "--reference", str(p["reference"]), "--config",
            str(p["config"]), "--out", str(p["out"]), "--processed", str(p["processed"])]
    return (["--period", period] if period else []) + args


@pytest.mark.skipif(not CASE.is_dir(), reason="acceptance case not found")
@pytest.mark.parametrize("breakage, expected", [
    ("unknown_period", "没有 2021-01 的报送文件夹"),
    ("quota_sum", "quotas sum to 4375, not the target 4376"),
    ("duplicate_school", "duplicate school_id HX01"),
    ("broken_config", "pipeline.yaml: not valid YAML"),
    ("bad_reward_key", "rewards.yaml"),
    ("no_raw", "找不到原始数据文件夹"),
    ("missing_schools_column", "missing column(s) quota"),
    ("raw_missing_column", "2019-10/HX03_201910.csv：找不到完整的表头，缺少必需的列："
                           "录取日期（可写作“录取日期”“录取时间”“入学日期”）。"
                           "无法识别的列标题：“日期”（最接近"),
    ("raw_binary", "2019-10/HX01_201910.csv：这不是文本（CSV）文件"),
])
def test_unusable_input_one_line(tmp_path, capsys, breakage, expected):
    p = _small_case(tmp_path)
    published = p["out"] / "2019-10"
    (published / relative_path("summary")).parent.mkdir(parents=True)
    (published / relative_path("summary")).write_text('{"old": true}', encoding="utf-8")
    period = "2019-10"
    schools = p["reference"] / "schools.csv"
    if breakage == "unknown_period":
        period = "2021-01"
    elif breakage == "quota_sum":
        schools.write_text(schools.read_text(encoding="utf-8").replace(",500\n", ",499\n"),
                           encoding="utf-8")
    elif breakage == "duplicate_school":
        text = schools.read_text(encoding="utf-8")
        schools.write_text(text + text.splitlines()[1] + "\n", encoding="utf-8")
    elif breakage == "broken_config":
        (p["config"] / "pipeline.yaml").write_text("programme: [unclosed\n", encoding="utf-8")
    elif breakage == "bad_reward_key":
        path = p["config"] / "rewards.yaml"
        path.write_text(path.read_text(encoding="utf-8").replace("pool_yuan:", "pool_yaun:"),
                        encoding="utf-8")
    elif breakage == "no_raw":
        shutil.rmtree(p["raw"])
    elif breakage == "raw_missing_column":
        path = p["raw"] / "2019-10" / "HX03_201910.csv"
        text = path.read_bytes().decode("gb18030")
        path.write_bytes(text.replace("录取日期", "日期").encode("gb18030"))
    elif breakage == "raw_binary":
        (p["raw"] / "2019-10" / "HX01_201910.csv").write_bytes(bytes(range(256)) * 40)
    elif breakage == "missing_schools_column":
        lines = schools.read_text(encoding="utf-8").splitlines()
        schools.write_text("\n".join(",".join(x.split(",")[:-1]) for x in lines) + "\n",
                           encoding="utf-8")
    code, err = _run(capsys, *_args(p, period))
    assert code != 0
    lines = [line for line in err.splitlines() if line.strip() and not line.startswith("[")]
    assert len(lines) == 1, err  # progress lines ("[1/5] …") aside
    assert expected in lines[0]
    assert "Traceback" not in err
    assert (published / relative_path("summary")).read_text(encoding="utf-8") == '{"old": true}'
    assert not list(p["out"].glob(".staging-*"))


@pytest.mark.slow
@pytest.mark.skipif(not CASE.is_dir(), reason="acceptance case not found")
def test_failing_stage_keeps_published_output(tmp_path, capsys, monkeypatch):
    p = _small_case(tmp_path)
    published = p["out"] / "2019-10"
    (published / relative_path("bulletin_html")).parent.mkdir(parents=True)
    (published / relative_path("bulletin_html")).write_text("previous bulletin", encoding="utf-8")
    notebooks = tmp_path / "notebooks"
    shutil.copytree(ROOT / "notebooks", notebooks)
    nb = nbformat.read(notebooks / "03_fulfilment.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("raise RuntimeError('disk full while writing')"))
    nbformat.write(nb, notebooks / "03_fulfilment.ipynb")
    monkeypatch.setattr(kernels, "NOTEBOOKS", notebooks)
    code, err = _run(capsys, *_args(p))
    assert code == 4
    line = [x for x in err.splitlines() if x.startswith("kuozhao: ")]
    assert len(line) == 1
    assert "RuntimeError" not in line[0] and "Traceback" not in err
    assert "03_fulfilment" in line[0] and "disk full while writing" in line[0]
    failed_nb = p["out"] / "2019-10.failed" / "notebooks" / "03_fulfilment.ipynb"
    assert str(failed_nb) in line[0] and failed_nb.is_file()
    bulletin = published / relative_path("bulletin_html")
    assert bulletin.read_text(encoding="utf-8") == "previous bulletin"
    assert not (p["out"] / ".2019-10.lock").exists()
    assert not (p["processed"] / "2019-10").exists()


def test_lock_stops_a_second_run(tmp_path):
    import os

    out = tmp_path / "out"
    out.mkdir()
    (out / ".2019-10.lock").write_text(str(os.getpid()))
    with pytest.raises(lockmod.InputError, match="2019-10 正由另一次运行处理"):
        with lockmod.period_lock(out, "2019-10"):
            pass
    (out / ".2019-10.lock").write_text("999999999")  # a dead process: stale lock taken over
    with lockmod.period_lock(out, "2019-10"):
        assert (out / ".2019-10.lock").read_text() == str(os.getpid())
    assert not (out / ".2019-10.lock").exists()


def _submitted_names(raw: Path, config: Path) -> set[str]:
    """Every name of three characters or more in the raw submissions."""
    from pipeline.config import load_pipeline_config
    from pipeline.ingest import HeaderMap, raw_files, read_file

    cfg = load_pipeline_config(config)
    from pipeline.ingest import Reader, SchoolNames
    from pipeline.io import read_schools

    schools = read_schools(raw.parent / "reference", tuple(cfg.levels_by_school_type), cfg.target)
    rdr = Reader(HeaderMap(cfg.header_map, cfg.required_fields), SchoolNames(schools))
    names: set[str] = set()
    for source_file, path in raw_files(raw, "2020-04"):
        got = read_file(path, source_file, rdr)
        names |= {n.replace(" ", "").strip() for n in got.records["name"]}
    return {n for n in names if len(n) >= 3}


def _digest(folder: Path) -> dict[str, str]:
    out = {}
    for p in sorted(folder.rglob("*")):
        rel = str(p.relative_to(folder))
        if p.is_file() and "data_docs" not in p.parts and p.name != "manifest.json":
            out[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


@pytest.mark.slow
def test_sample_end_to_end_twice(tmp_path, capsys):
    """``kuozhao sample`` then ``kuozhao run`` (every notebook through papermill), twice."""
    data = tmp_path / "data"
    assert main(["sample", "--out", str(data), "--rows", "1500", "--seed", "7"]) == 0
    cfg = tmp_path / "config"
    cfg.mkdir()
    for name in CONFIG_FILES:
        shutil.copy(ROOT / "config" / name, cfg / name)
    args = ["--raw", str(data / "raw"), "--reference", str(data / "reference"),
            "--config", str(cfg), "--processed", str(tmp_path / "processed")]
    assert main(["run", *args, "--out", str(tmp_path / "a")]) == 0
    err = capsys.readouterr().err
    assert "[1/5]" in err and "[5/5]" in err
    out = tmp_path / "a" / "2020-04"
    for key in ("summary", "fulfilment_by_school", "reconciliation", "quarantine", "rewards",
                "bulletin_html", "bulletin_pdf", "rewards_html", "rewards_pdf", "tables",
                "manifest"):
        assert (out / relative_path(key)).is_file(), key
    manifest = json.loads((out / relative_path("manifest")).read_text(encoding="utf-8"))
    assert set(manifest["timings_s"]) == set(runmod.STAGES)
    assert all(len(i["sha256"]) == 64 for i in manifest["inputs"])
    summary = json.loads((out / relative_path("summary")).read_text(encoding="utf-8"))
    assert summary["synthetic"] is True
    assert summary["raw_rows"] == (summary["clean_rows"] + summary["quarantined_rows"]
                                   + summary["superseded_rows"])

    # No ID number or name of the submissions reaches anything published.
    published_text = []
    for p in out.rglob("*"):
        if p.is_file() and p.suffix in (".json", ".csv", ".html", ".ipynb"):
            published_text.append(p.read_text(encoding="utf-8-sig", errors="ignore"))
    blob = "\n".join(published_text)
    assert not ID_RE.search(blob)
    names = _submitted_names(data / "raw", cfg)
    assert len(names) > 100
    leaked = sorted(n for n in names if n in blob)
    assert leaked == []

    # Same inputs, same outputs (manifest timings aside).
    first = _digest(out)
    assert main(["run", *args, "--out", str(tmp_path / "a")]) == 0
    second = _digest(out)
    assert first.keys() == second.keys()
    differing = [k for k in first if first[k] != second[k]]
    assert differing == []


def test_published_files_leave_out_notebooks_and_data_docs(tmp_path):
    """Stage 05 shows this table while papermill is still writing its own notebook (with
    timings): listing the notebooks made the executed notebook differ between runs."""
    from pipeline.stages import published_files

    for name in ("summary.json", "notebooks/05_bulletin.ipynb", "data_docs/index.html",
                 "feedback/S01.xlsx"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x", encoding="utf-8")
    assert published_files(tmp_path)["file"].tolist() == ["feedback/S01.xlsx", "summary.json"]


@pytest.mark.parametrize(("lang", "expected"), [
    ("zh-CN", "本月无新报送"), ("en", "no new submissions this month")])
def test_empty_month_and_unread_entries_are_said(tmp_path, lang, expected):
    """A month folder with no roster warns (the run goes on); unread entries are counted."""
    (tmp_path / "2019-10").mkdir()
    (tmp_path / "2019-10" / "说明.docx").write_bytes(b"x")
    said: list[str] = []
    runmod.warn_about_inputs(tmp_path, "2019-10", lang, said.append)
    assert len(said) == 2
    assert all(line.startswith("kuozhao: ") and "\n" not in line for line in said)
    assert expected in said[0] and "2019-10" in said[0]
    (tmp_path / "2019-10" / "说明.docx").unlink()
    (tmp_path / "2019-10" / "roster.csv").write_text("a\n", encoding="utf-8")
    said.clear()
    runmod.warn_about_inputs(tmp_path, "2019-10", lang, said.append)
    assert said == []
