"""``manifest.json``: what a run read (with SHA-256), its parameters, versions and timings."""

from __future__ import annotations

import hashlib
import importlib.metadata as md
import json
import platform
import sys
from pathlib import Path

from pipeline import __version__, catalog, io
from pipeline.ingest import raw_files
from pipeline.settings import CONFIG_FILES

PACKAGES = (
    "pandas", "pyarrow", "numpy", "papermill", "nbconvert", "great-expectations", "matplotlib",
    "weasyprint", "openpyxl", "python-calamine", "opencc", "charset-normalizer", "pyyaml",
    "jinja2",
)
REFERENCE_FILES = ("schools.csv", "majors.csv")


def versions() -> dict[str, str]:
    """Versions of Python, kuozhao and the libraries that shape the figures."""
    out = {"python": platform.python_version(), "kuozhao": __version__}
    for pkg in PACKAGES:
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def inputs(raw_dir: Path, reference_dir: Path, config_dir: Path, period: str) -> list[dict]:
    """Every input of a period's run with its SHA-256."""
    found = [{"file": f"raw/{sf}", "sha256": io.sha256(p)} for sf, p in raw_files(raw_dir, period)]
    found += [{"file": f"reference/{n}", "sha256": io.sha256(Path(reference_dir) / n)}
              for n in REFERENCE_FILES]
    found += [{"file": f"config/{n}", "sha256": io.sha256(Path(config_dir) / n)}
              for n in CONFIG_FILES]
    return found


def run_id(inputs: list[dict], params: dict) -> str:
    """The run's ID: a digest of its inputs (SHA-256 each), its parameters (without the run's
    scratch folders, and without the input folders, whose content ``inputs`` holds) and the
    package version. The same inputs give the same ID wherever they lie, so the documents
    that show it stay byte-identical from one run to the next."""
    public = {k: v for k, v in params.items()
              if k not in PRIVATE_PARAMETERS and k not in INPUT_FOLDERS}
    blob = json.dumps({"inputs": inputs, "parameters": public, "kuozhao": __version__},
                      sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]


PRIVATE_PARAMETERS = ("out_dir", "processed_dir", "salt_dir", "run_id")
INPUT_FOLDERS = ("raw_dir", "reference_dir", "config_dir")  # identified by their files' hashes


def write_manifest(out_dir: Path, params: dict, period: str, timings: dict,
                   found: list[dict] | None = None) -> Path:
    """Write ``manifest.json`` into a period's output folder: the run ID, inputs with
    SHA-256, parameters (without the run's scratch folders), versions, timings per stage."""
    from pipeline.stages import as_of

    data_docs = catalog.entry("data_docs").name
    outputs = sorted(str(p.relative_to(out_dir)) for p in out_dir.rglob("*")
                     if p.is_file() and data_docs not in p.parts)
    public = {k: v for k, v in params.items() if k not in PRIVATE_PARAMETERS}
    path = catalog.Files(processed=out_dir, reports=out_dir).path("manifest")
    io.write_json(path, {
        "period": period,
        "run_id": params.get("run_id"),
        "parameters": public,
        "inputs": found if found is not None else inputs(
            Path(params["raw_dir"]), Path(params["reference_dir"]),
            Path(params["config_dir"]), period),
        "outputs": outputs,
        "versions": versions(),
        "timings_s": timings,
        "note": "timings_s is the only wall-clock value in the outputs",
        "generated_by": f"kuozhao {__version__} on {sys.platform}",
        "as_of": as_of(period).isoformat(),
    })
    return path
