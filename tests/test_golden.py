"""Whole output folders against the expected ones kept in ``tests/golden/`` (a backtest).

Each case is published end to end (``kuozhao run``: papermill, every stage) and every output
file is compared byte for byte with what ``tests/golden/refresh.py`` recorded: text files
(CSV, JSON) with a readable diff first, then the SHA-256 of every file (PDF, HTML and XLSX
included). An output that changes on purpose is refreshed with that script, in its own commit.
"""

from __future__ import annotations

import difflib
import json
import sys
from pathlib import Path

import pytest

GOLDEN = Path(__file__).resolve().parent / "golden"
sys.path.insert(0, str(GOLDEN))
from refresh import CASE, CASES, TEXT_SUFFIXES, compared_files, digests, run_case  # noqa: E402

pytestmark = pytest.mark.slow


def _first_difference(expected: Path, got: Path) -> str:
    diff = difflib.unified_diff(
        expected.read_text(encoding="utf-8-sig").splitlines(),
        got.read_text(encoding="utf-8-sig").splitlines(), "expected", "got", lineterm="", n=1)
    return "\n".join(list(diff)[:40])


@pytest.mark.parametrize("name", CASES)
def test_outputs_equal_the_golden_files(tmp_path, name):
    if name.startswith("acceptance") and not CASE.is_dir():
        pytest.skip(f"acceptance case not found at {CASE}")
    out = run_case(name, tmp_path)
    expected = json.loads((GOLDEN / name / "sha256.json").read_text(encoding="utf-8"))
    got = digests(out)
    assert sorted(got) == sorted(expected), "the set of output files changed"
    for p in compared_files(out):
        rel = str(p.relative_to(out))
        if p.suffix in TEXT_SUFFIXES and got[rel] != expected[rel]:
            pytest.fail(f"{rel} differs:\n{_first_difference(GOLDEN / name / 'files' / rel, p)}")
    assert [k for k in got if got[k] != expected[k]] == []
    inputs = GOLDEN / name / "inputs.sha256.json"
    if inputs.is_file():
        assert digests(tmp_path / "data") == json.loads(inputs.read_text(encoding="utf-8"))
