"""The shared acceptance case (../shared/acceptance/case-2020): every expected figure, exact.

2020-04 is run as a user would (``kuozhao run`` with papermill, all five stages); 2019-10
and 2020-01 run the stage functions in-process on the same files (the same code the
notebooks call), which keeps the suite fast.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from pipeline.catalog import relative_path
from pipeline.cli import main
from pipeline.context import StageContext
from pipeline.stages import clean_stage, fulfilment_stage, rewards_stage

ROOT = Path(__file__).resolve().parents[1]
CASE = ROOT.parent / "shared" / "acceptance" / "case-2020"
pytestmark = pytest.mark.skipif(not CASE.is_dir(), reason=f"acceptance case not found at {CASE}")


def _csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, encoding="utf-8-sig", keep_default_na=False)


def check_period(out: Path, expected: dict) -> None:
    """Compare one period's output folder with its expected figures."""
    summary = json.loads((out / relative_path("summary")).read_text(encoding="utf-8"))
    for key, value in expected["summary"].items():
        if key == "fulfilment_rate":
            assert summary[key] == pytest.approx(value, abs=1e-9), key
        else:
            assert summary[key] == value, key
    assert summary["period"] == expected["period"]
    assert summary["as_of"] == expected["as_of"]

    schools = _csv(out / relative_path("fulfilment_by_school")).set_index("school_id")
    for sid, row in expected["schools"].items():
        for key, value in row.items():
            if key != "school_id":
                assert schools.loc[sid, key] == value, (sid, key)
        assert schools.loc[sid, "counted"] == row["registered"]

    recon = _csv(out / relative_path("reconciliation")).set_index("source_file")
    assert set(recon.index) == set(expected["reconciliation"])
    for source_file, row in expected["reconciliation"].items():
        for key, value in row.items():
            assert recon.loc[source_file, key] == value, (source_file, key)

    quarantine = _csv(out / relative_path("quarantine"))
    reasons = Counter(c for rs in quarantine["reasons"] for c in rs.split(";") if c)
    assert dict(reasons) == expected["reasons"]

    rewards = _csv(out / relative_path("rewards")).set_index("school_id")
    for sid, row in expected["rewards"].items():
        assert bool(rewards.loc[sid, "eligible"]) == row["eligible"], sid
        assert rewards.loc[sid, "score"] == pytest.approx(row["score"], abs=1e-6), sid
        assert rewards.loc[sid, "rank"] == row["rank"], sid
        assert rewards.loc[sid, "reward_yuan"] == row["reward_yuan"], sid
        failed = rewards.loc[sid, "failed_gates"]
        assert [g for g in str(failed).split(";") if g] == row["failed_gates"], sid


@pytest.fixture(scope="module")
def expected() -> dict:
    return json.loads((CASE / "expected.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("period", ["2019-10", "2020-01"])
def test_stages_in_process(tmp_path, expected, period):
    ctx = StageContext.from_params(
        period, CASE / "raw", CASE / "reference", ROOT / "config", tmp_path / "processed",
        tmp_path / "reports" / period,
    )
    clean_stage(ctx)
    fulfilment_stage(ctx)
    rewards_stage(ctx)
    check_period(ctx.out_dir, expected[period])


@pytest.mark.slow
def test_full_run_2020_04(tmp_path, expected):
    code = main([
        "run", "--period", "2020-04", "--raw", str(CASE / "raw"),
        "--reference", str(CASE / "reference"), "--config", str(ROOT / "config"),
        "--out", str(tmp_path / "out"), "--processed", str(tmp_path / "processed"),
    ])
    assert code == 0
    out = tmp_path / "out" / "2020-04"
    check_period(out, expected["2020-04"])
    for key in ("summary", "fulfilment_by_school", "reconciliation", "quarantine", "rewards",
                "bulletin_html", "bulletin_pdf", "rewards_html", "rewards_pdf", "tables",
                "manifest", "validation"):
        assert (out / relative_path(key)).is_file(), key
    assert sorted(p.name for p in (out / "notebooks").iterdir()) == [
        "01_clean.ipynb", "02_validate.ipynb", "03_fulfilment.ipynb", "04_rewards.ipynb",
        "05_bulletin.ipynb"]


def test_tiered_allocation(tmp_path, expected):
    """The same case under ``allocation: tiered`` gives ``reward_yuan_tiered``."""
    import shutil

    config = tmp_path / "config"
    config.mkdir()
    shutil.copy(ROOT / "config" / "pipeline.yaml", config)
    shutil.copy(ROOT / "config" / "publication.yaml", config)
    text = (ROOT / "config" / "rewards.yaml").read_text(encoding="utf-8")
    assert "allocation: proportional" in text
    (config / "rewards.yaml").write_text(
        text.replace("allocation: proportional", "allocation: tiered"), encoding="utf-8")
    ctx = StageContext.from_params(
        "2020-04", CASE / "raw", CASE / "reference", config, tmp_path / "processed",
        tmp_path / "reports" / "2020-04",
    )
    clean_stage(ctx)
    fulfilment_stage(ctx)
    rewards_stage(ctx)
    rewards = _csv(ctx.out_dir / relative_path("rewards")).set_index("school_id")
    for sid, row in expected["2020-04"]["rewards"].items():
        assert rewards.loc[sid, "reward_yuan"] == row["reward_yuan_tiered"], sid
