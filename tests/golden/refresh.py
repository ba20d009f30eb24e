"""Write the expected output folders the golden tests compare with (``tests/test_golden.py``).

Run it only when an output is meant to change, and say why in the commit::

    .venv/bin/python tests/golden/refresh.py

Two cases, each published end to end with ``kuozhao run`` (papermill, every stage):

- ``acceptance-2020-04``: the shared acceptance case (``../shared/acceptance/case-2020``);
- ``sample-7-1500``: ``kuozhao sample --seed 7 --rows 1500``, its latest period (and
  ``inputs.sha256.json``: the generated files themselves).

For each case ``files/`` keeps a copy of every text output (CSV, JSON) so that a difference
shows as a readable diff, and ``sha256.json`` the SHA-256 of every output file (PDF, HTML,
XLSX included). The executed notebooks, Data Docs and the manifest are left out: they carry
paths and timings of the run (DESIGN §6), not figures.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CASE = ROOT.parent / "shared" / "acceptance" / "case-2020"
SALT = bytes(range(16))
LEFT_OUT = ("notebooks", "data_docs")
TEXT_SUFFIXES = (".csv", ".json")
COMMIT_VARIABLE = "KUOZHAO_CODE_COMMIT"  # pipeline.provenance.COMMIT_VARIABLE


def compared_files(folder: Path) -> list[Path]:
    """The files of an output folder the golden test compares, sorted."""
    return sorted(
        p for p in folder.rglob("*")
        if p.is_file() and p.name != "manifest.json"
        and not set(LEFT_OUT) & set(p.relative_to(folder).parts)
    )


def digests(folder: Path) -> dict[str, str]:
    """``{relative path: SHA-256}`` of the compared files of a folder."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in compared_files(folder)}


def config_dir(work: Path) -> Path:
    """The repository's configuration with a fixed salt, in a scratch folder."""
    cfg = work / "config"
    shutil.copytree(ROOT / "config", cfg, ignore=shutil.ignore_patterns("local"))
    (cfg / "local").mkdir()
    (cfg / "local" / "salt").write_text(SALT.hex() + "\n", encoding="ascii")
    return cfg


def run_case(name: str, work: Path) -> Path:
    """Publish one case under ``work`` and return its period's output folder (the code
    commit the reward documents print pinned, as any commit would change them)."""
    old = os.environ.get(COMMIT_VARIABLE)
    os.environ[COMMIT_VARIABLE] = "golden"
    try:
        return _run_case(name, work)
    finally:
        if old is None:
            os.environ.pop(COMMIT_VARIABLE, None)
        else:
            os.environ[COMMIT_VARIABLE] = old


def _run_case(name: str, work: Path) -> Path:
    from pipeline.cli import main

    cfg = config_dir(work)
    if name == "acceptance-2020-04":
        raw, ref = CASE / "raw", CASE / "reference"
    elif name == "sample-7-1500":
        assert main(["sample", "--out", str(work / "data"), "--rows", "1500", "--seed", "7"]) == 0
        raw, ref = work / "data" / "raw", work / "data" / "reference"
    else:
        raise ValueError(name)
    code = main(["run", "--period", "2020-04", "--raw", str(raw), "--reference", str(ref),
                 "--config", str(cfg), "--out", str(work / "out"),
                 "--processed", str(work / "processed")])
    assert code == 0, name
    return work / "out" / "2020-04"


CASES = ("acceptance-2020-04", "sample-7-1500")


def refresh(name: str) -> None:
    """Rewrite ``tests/golden/<name>/`` from a fresh run."""
    target = HERE / name
    with tempfile.TemporaryDirectory() as tmp:
        out = run_case(name, Path(tmp))
        shutil.rmtree(target, ignore_errors=True)
        (target / "files").mkdir(parents=True)
        for p in compared_files(out):
            if p.suffix in TEXT_SUFFIXES:
                dest = target / "files" / p.relative_to(out)
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(p, dest)
        write_digests(target / "sha256.json", digests(out))
        if (Path(tmp) / "data").is_dir():  # the generator's own files: the same seed, same bytes
            write_digests(target / "inputs.sha256.json", digests(Path(tmp) / "data"))


def write_digests(path: Path, table: dict[str, str]) -> None:
    """A digest table as stable JSON."""
    path.write_text(json.dumps(table, indent=1, sort_keys=True) + "\n", encoding="utf-8")


if __name__ == "__main__":
    for case in sys.argv[1:] or CASES:
        refresh(case)
        print(f"refreshed {HERE / case}")
