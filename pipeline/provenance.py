"""What makes a reward decision reproducible, as printed on the evaluator report and on every
decision letter: the run's ID, the SHA-256 of the reward policy file, one digest of every
input, one digest of the published tables, the package version and the code commit.

Digests of several files (:func:`digest`) are the SHA-256 of the text ``sha256sum`` prints
for them: one line ``<sha256 of the file>  <name>`` per file, sorted by name (byte order),
each ending in a newline. So an auditor can check one with standard tools, e.g. in a
period's ``public/`` folder::

    sha256sum breakdowns.csv fulfilment_by_school.csv … | sha256sum

(the names in :data:`PUBLISHED_TABLES` order, which is sorted). Two digests are printed:

- **inputs**: every input of the run as :func:`pipeline.manifest.inputs` lists it — the raw
  files of every month folder up to the period (``raw/<month>/<file>``), the reference
  tables (``reference/<file>``) and the configuration files (``config/<file>``; never the
  salt);
- **published tables**: the files of ``public/`` written before the reward documents are
  rendered, i.e. those stages 01–04 publish (:data:`PUBLISHED_TABLES`, named as they are in
  ``public/``); the bulletin and ``tables.xlsx``, which stage 05 writes, are not in it.

The code commit is ``git rev-parse HEAD`` of the checkout the package runs from (only when
that checkout is kuozhao's own), else ``unknown``; the environment variable
``KUOZHAO_CODE_COMMIT`` overrides it (the golden tests pin it, as ``SOURCE_DATE_EPOCH`` pins
the date). Nothing here reads the clock, so the same inputs give the same bytes.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from collections.abc import Iterable
from pathlib import Path

import pipeline
from pipeline import catalog, io

COMMIT_VARIABLE = "KUOZHAO_CODE_COMMIT"
UNKNOWN = "unknown"
#: The public files stages 01–04 write, by name (sorted): the published-tables digest.
PUBLISHED_TABLES = tuple(sorted(
    e.name for e in catalog.ENTRIES
    if e.layer == catalog.REPORTS and e.audience == catalog.PUBLIC
    and e.stage not in ("05_bulletin", "run")
))


def digest(pairs: Iterable[tuple[str, str]]) -> str:
    """SHA-256 of ``sha256sum``'s lines for ``(name, sha256)`` pairs, sorted by name."""
    lines = "".join(f"{sha}  {name}\n" for name, sha in sorted(pairs))
    return hashlib.sha256(lines.encode("utf-8")).hexdigest()


def published_tables(public_dir: Path) -> list[dict[str, str]]:
    """``file`` and ``sha256`` of each of :data:`PUBLISHED_TABLES` present in ``public_dir``."""
    return [{"file": name, "sha256": io.sha256(Path(public_dir) / name)}
            for name in PUBLISHED_TABLES if (Path(public_dir) / name).is_file()]


def code_commit() -> str:
    """The commit the package runs from (see the module notes); never fails."""
    pinned = os.environ.get(COMMIT_VARIABLE, "").strip()
    if pinned:
        return pinned
    here = Path(pipeline.__file__).resolve().parent
    try:
        top = _git(here, "rev-parse", "--show-toplevel")
        if (Path(top) / "pipeline" / "__init__.py").resolve() != here / "__init__.py":
            return UNKNOWN  # an installed copy inside some other repository
        return _git(here, "rev-parse", "HEAD") or UNKNOWN
    except (OSError, subprocess.SubprocessError):
        return UNKNOWN


def _git(folder: Path, *args: str) -> str:
    """The output of one git command in ``folder`` (raises when git fails)."""
    done = subprocess.run(["git", "-C", str(folder), *args], capture_output=True, text=True,
                          timeout=10, check=True)
    return done.stdout.strip()


def reproducibility(run_id: str, policy_file: Path, inputs: list[dict],
                    public_dir: Path) -> dict:
    """The reproducibility block of the reward documents.

    ``inputs`` is :func:`pipeline.manifest.inputs` of the run (``file`` and ``sha256`` each);
    ``public_dir`` the period's ``public/`` folder once stage 04 has written ``rewards.csv``.
    """
    tables = published_tables(public_dir)
    return {
        "run_id": run_id,
        "policy_file": Path(policy_file).name,
        "policy_sha256": io.sha256(Path(policy_file)),
        "inputs_sha256": digest((f["file"], f["sha256"]) for f in inputs),
        "inputs_count": len(inputs),
        "published_sha256": digest((f["file"], f["sha256"]) for f in tables),
        "published_files": [f["file"] for f in tables],
        "version": pipeline.__version__,
        "commit": code_commit(),
    }
