"""No run publishes another run's figures (issue 16, finding 2), a killed run's leftovers are
cleaned, a dying kernel ends in one line, and two first runs agree on one salt.

The orchestration is exercised with the stages replaced by a fast stand-in that writes its
own inputs' figure with a random delay: the mechanism (locks on both folders, staging of
one's own, the run-ID check before publication) is what is under test, twenty times over;
one pair of real runs follows, marked slow.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import random
import shutil
import time
from pathlib import Path

import pytest

from pipeline import run as runmod
from pipeline.catalog import relative_path
from pipeline.config import load_salt
from pipeline.errors import InputError, StageFailed
from pipeline.settings import CONFIG_FILES

ROOT = Path(__file__).resolve().parents[1]
CASE = ROOT.parent / "shared" / "acceptance" / "case-2020"


def _fake_stages(params: dict, staging, progress) -> dict:
    """Stand-in for the five stages: the 'figure' is the number of raw files the run's own
    raw folder holds, written to its staged output and processed folders."""
    files = sorted(Path(params["raw_dir"]).rglob("*.csv"))
    time.sleep(random.uniform(0, 0.05))
    out, proc = Path(params["out_dir"]), Path(params["processed_dir"]) / params["period"]
    proc.mkdir(parents=True, exist_ok=True)
    (proc / "run.json").write_text(json.dumps({"run_id": params["run_id"]}), encoding="utf-8")
    time.sleep(random.uniform(0, 0.05))
    summary = out / relative_path("summary")
    summary.parent.mkdir(parents=True, exist_ok=True)
    summary.write_text(json.dumps({"files": len(files), "raw": params["raw_dir"],
                                   "counted": len(files)}), encoding="utf-8")
    (out / relative_path("fulfilment_by_school")).write_text("school_id,counted\nHX01,1\n",
                                                  encoding="utf-8")
    return {"01_clean": 0.0}


def _one_run(args: tuple) -> str:
    raw, reference, config, processed, out = args
    runmod.run_stages = _fake_stages
    try:
        runmod.run_period("2019-10", Path(raw), Path(reference), Path(config), Path(processed),
                          Path(out))
    except InputError as exc:
        return "refused: " + str(exc)
    return "published"


def _tree(tmp: Path, name: str, files: int) -> tuple:
    raw = tmp / name / "raw" / "2019-10"
    raw.mkdir(parents=True)
    for i in range(files):
        (raw / f"f{i}.csv").write_text("x", encoding="utf-8")
    ref = tmp / name / "reference"
    shutil.copytree(CASE / "reference", ref)
    cfg = tmp / "config"
    if not cfg.exists():
        cfg.mkdir()
        for n in CONFIG_FILES:
            shutil.copy(ROOT / "config" / n, cfg / n)
    return str(raw.parent), str(ref), str(cfg), str(tmp / "processed"), str(tmp / name / "out")


@pytest.mark.skipif(not CASE.is_dir(), reason="acceptance case not found")
def test_two_runs_sharing_processed_never_publish_each_others_figures(tmp_path):
    ctx = mp.get_context("fork")
    for i in range(20):
        tmp = tmp_path / str(i)
        a, b = _tree(tmp, "a", 3), _tree(tmp, "b", 5)
        with ctx.Pool(2) as pool:
            results = pool.map(_one_run, [a, b])
        assert "published" in results
        for args, result in zip((a, b), results, strict=True):
            summary = Path(args[4]) / "2019-10" / relative_path("summary")
            if result == "published":
                got = json.loads(summary.read_text(encoding="utf-8"))
                assert got["raw"] == args[0] and got["files"] == (3 if args is a else 5)
            else:
                assert "2019-10 正由另一次运行处理" in result
                assert not summary.exists()
        leftovers = list(Path(a[3]).glob(".staging-*")) + list(Path(a[4]).glob(".staging-*"))
        assert leftovers == []


@pytest.mark.skipif(not CASE.is_dir(), reason="acceptance case not found")
def test_a_killed_runs_staging_is_removed_and_its_stale_lock_taken_over(tmp_path, monkeypatch):
    a = _tree(tmp_path, "a", 2)
    processed, out = Path(a[3]), Path(a[4])
    for root in (processed, out):
        (root / ".staging-2019-10-999999").mkdir(parents=True)
        (root / ".2019-10.lock").write_text("999999999", encoding="utf-8")  # a dead process
    monkeypatch.setattr(runmod, "run_stages", _fake_stages)
    runmod.run_period("2019-10", *(Path(x) for x in a))
    for root in (processed, out):
        assert not list(root.glob(".staging-*")) and not (root / ".2019-10.lock").exists()
    assert (out / "2019-10" / relative_path("summary")).is_file()


@pytest.mark.skipif(not CASE.is_dir(), reason="acceptance case not found")
def test_stage_files_of_another_run_are_not_published(tmp_path, monkeypatch):
    def other_run(params, staging, progress):
        _fake_stages({**params, "run_id": "someone-else"}, staging, progress)
        return {}

    a = _tree(tmp_path, "a", 2)
    monkeypatch.setattr(runmod, "run_stages", other_run)
    with pytest.raises(StageFailed) as err:
        runmod.run_period("2019-10", *(Path(x) for x in a))
    assert "不是本次运行写入的" in str(err.value)
    assert not (Path(a[4]) / "2019-10").exists()


def test_a_dead_kernel_is_one_line_naming_the_stage_the_file_and_the_notebook(tmp_path,
                                                                             monkeypatch):
    """The kernel is killed while stage 01 reads: one line, no traceback, the file named."""
    staging = runmod.Staging(tmp_path / "out", tmp_path / "processed", "2019-10")
    staging.create()
    note = staging.processed / "2019-10" / "reading.txt"
    note.parent.mkdir(parents=True)
    note.write_text("2019-10/a.csv\n2019-10/b.xlsx\n", encoding="utf-8")

    def dies(stage, params, out_dir, warm, published=None):
        raise StageFailed(key="kernel_died", stage=stage, reading="", notebook="")

    class Kernel:
        def __init__(self, *a):
            pass

        def shutdown(self):
            pass

    monkeypatch.setattr(runmod, "execute_stage", dies)
    monkeypatch.setattr(runmod, "WarmKernel", Kernel)
    with pytest.raises(StageFailed) as err:
        runmod.run_stages({"period": "2019-10"}, staging, lambda line: None)
    text = err.value.text("zh-CN")
    assert text.startswith("阶段 01_clean 的计算进程意外退出（可能是内存不足），当时正在读取："
                           "2019-10/a.csv、2019-10/b.xlsx；已保留执行过的笔记本：")
    assert text.endswith("2019-10.failed/notebooks/01_clean.ipynb") and "\n" not in text


def _salt(folder: str) -> str:
    return load_salt(Path(folder)).hex()


def test_two_first_runs_agree_on_one_salt(tmp_path):
    folders = [str(tmp_path)] * 8
    with mp.get_context("fork").Pool(4) as pool:
        salts = pool.map(_salt, folders)
    assert len(set(salts)) == 1
    assert [p.name for p in (tmp_path / "local").iterdir()] == ["salt"]


@pytest.mark.slow
@pytest.mark.skipif(not CASE.is_dir(), reason="acceptance case not found")
def test_two_real_runs_started_together(tmp_path):
    """Two real runs of one period on different inputs, sharing --processed: one publishes its
    own figures, the other is refused (or runs after it), never a mix."""
    from pipeline.cli import main

    trees = []
    for name, months in (("a", ("2019-09", "2019-10")), ("b", ("2019-10",))):
        raw = tmp_path / name / "raw"
        for m in months:
            shutil.copytree(CASE / "raw" / m, raw / m)
        trees.append(raw)
    args = [["run", "--period", "2019-10", "--raw", str(raw), "--reference",
             str(CASE / "reference"), "--config", str(ROOT / "config"), "--processed",
             str(tmp_path / "processed"), "--out", str(raw.parent / "out")] for raw in trees]
    with mp.get_context("fork").Pool(2) as pool:
        codes = pool.map(main, args)
    assert 0 in codes
    for raw, code in zip(trees, codes, strict=True):
        out = raw.parent / "out" / "2019-10"
        if code == 0:
            recon = (out / relative_path("reconciliation")).read_text(encoding="utf-8-sig")
            summary = json.loads((out / relative_path("summary")).read_text(encoding="utf-8"))
            folders = {line.split("/")[0] for line in recon.splitlines()[1:]}
            assert folders == {p.name for p in raw.iterdir()}
            assert summary["raw_rows"] == sum(
                int(line.split(",")[1]) for line in recon.splitlines()[1:])
    assert os.path.isdir(tmp_path / "processed" / "2019-10")
