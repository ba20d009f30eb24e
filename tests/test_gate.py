"""The disclosure gate (issue 14): a table in public/ that would leak a small count of a
sensitive group stops the publication with one line naming the file and the cell."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from pipeline import run as runmod
from pipeline.catalog import relative_path
from pipeline.disclosure import protect_long_table
from pipeline.errors import ValidationFailed
from pipeline.gate import check_public
from pipeline.settings import CONFIG_FILES

ROOT = Path(__file__).resolve().parents[1]
CASE = ROOT.parent / "shared" / "acceptance" / "case-2020"


def breakdowns(yes: int, no: int) -> pd.DataFrame:
    return pd.DataFrame({
        "dimension": ["intake", "intake", "disabled", "disabled"],
        "category": ["2019秋季", "2020春季", "是", "否"],
        "admitted": [60, 40, yes, no], "registered": [60, 40, yes, no],
        "counted": [60, 40, yes, no]})


def publish(folder: Path, frame: pd.DataFrame) -> None:
    path = folder / relative_path("breakdowns")
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, encoding="utf-8-sig")


def test_a_small_sensitive_count_is_stopped_naming_file_and_cell(tmp_path):
    publish(tmp_path, breakdowns(3, 97))
    with pytest.raises(ValidationFailed) as err:
        check_public(tmp_path, ("disabled",), 5)
    assert str(err.value) == ("public/breakdowns.csv：第 4 行“admitted”为 3，"
                              "是敏感群体 1–4 人的小数，必须显示为“<5”；未发布。")


def test_one_hidden_cell_alone_is_stopped(tmp_path):
    frame = breakdowns(3, 97).astype({"admitted": object, "registered": object,
                                      "counted": object})
    frame.loc[2, ["admitted", "registered", "counted"]] = "<5"
    publish(tmp_path, frame)
    with pytest.raises(ValidationFailed, match="唯一被隐藏的单元格"):
        check_public(tmp_path, ("disabled",), 5)


def test_the_protected_table_passes(tmp_path):
    publish(tmp_path, protect_long_table(breakdowns(3, 97), ("disabled",), 5))
    assert check_public(tmp_path, ("disabled",), 5) == 1
    got = pd.read_csv(tmp_path / relative_path("breakdowns"), encoding="utf-8-sig", dtype=str)
    assert got.loc[2, "counted"] == "<5" and got.loc[3, "counted"] == "×"


def test_a_share_beside_hidden_counts_is_stopped(tmp_path):
    frame = protect_long_table(breakdowns(3, 97), ("disabled",), 5).assign(
        share=[0.6, 0.4, 0.03, 0.97])
    publish(tmp_path, frame)
    with pytest.raises(ValidationFailed, match="占比也须隐藏"):
        check_public(tmp_path, ("disabled",), 5)


@pytest.mark.skipif(not CASE.is_dir(), reason="acceptance case not found")
def test_a_leaking_run_publishes_nothing(tmp_path, monkeypatch):
    def leaking(params, staging, progress):
        out = Path(params["out_dir"])
        publish(out, breakdowns(2, 98))
        (out / relative_path("summary")).write_text(json.dumps({"counted": 100}),
                                                    encoding="utf-8")
        proc = Path(params["processed_dir"]) / params["period"]
        proc.mkdir(parents=True)
        (proc / "run.json").write_text(json.dumps({"run_id": params["run_id"]}))
        return {}

    raw = tmp_path / "raw" / "2019-10"
    raw.mkdir(parents=True)
    config = tmp_path / "config"
    config.mkdir()
    for name in CONFIG_FILES:
        shutil.copy(ROOT / "config" / name, config / name)
    monkeypatch.setattr(runmod, "run_stages", leaking)
    with pytest.raises(ValidationFailed, match="public/breakdowns.csv：第 4 行"):
        runmod.run_period("2019-10", raw.parent, CASE / "reference", config,
                          tmp_path / "processed", tmp_path / "out")
    assert not (tmp_path / "out" / "2019-10").exists()
    assert not list((tmp_path / "out").glob(".staging-*"))
