"""Installable where the users are (issue 12): a wheelhouse built here installs kuozhao into a
fresh virtual environment with no index at all, and the installed command publishes a sample
from a folder that is not a checkout (the configuration, notebooks and suites ship inside)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.catalog import relative_path

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def _run(args: list[str], cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, (args, done.stdout[-2000:], done.stderr[-2000:])
    return done


def test_wheelhouse_installs_offline_and_runs_outside_a_checkout(tmp_path):
    wheelhouse = tmp_path / "wheelhouse"
    _run(["make", "wheelhouse", f"WHEELHOUSE={wheelhouse}", f"PYTHON={sys.executable}"], ROOT)
    assert any(p.name.startswith("kuozhao-") for p in wheelhouse.iterdir())
    venv = tmp_path / "venv"
    _run([getattr(sys, "_base_executable", sys.executable), "-m", "venv", str(venv)], tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "VIRTUAL_ENV"))}
    env["PIP_CONFIG_FILE"] = os.devnull  # no index from a configuration file either
    _run([str(venv / "bin" / "pip"), "install", "--quiet", "--no-index", "--find-links",
          str(wheelhouse), "kuozhao"], tmp_path, env)

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    kuozhao = str(venv / "bin" / "kuozhao")
    _run([kuozhao, "sample", "--out", "data", "--rows", "300"], elsewhere, env)
    _run([kuozhao, "run", "--raw", "data/raw", "--reference", "data/reference"], elsewhere, env)
    out = elsewhere / "reports" / "2020-04"
    summary = json.loads((out / relative_path("summary")).read_text(encoding="utf-8"))
    assert summary["raw_rows"] == 300
    assert (out / relative_path("bulletin_pdf")).stat().st_size > 10_000
    # The shipped configuration was used, and the salt was kept beside the processed data.
    manifest = json.loads((out / relative_path("manifest")).read_text(encoding="utf-8"))
    assert "site-packages" in manifest["parameters"]["config_dir"]
    assert (elsewhere / "data" / "processed" / "local" / "salt").is_file()
    assert not list(venv.glob("lib/python*/site-packages/pipeline/defaults/local"))
