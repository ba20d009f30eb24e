"""The documentation's generated tables say what the code says."""

from __future__ import annotations

from pathlib import Path

from pipeline.catalog import ENTRIES, REPORTS, relative_path
from pipeline.tools import docs

ROOT = Path(__file__).resolve().parents[1]


def test_generated_tables_are_current():
    """A new file in the catalogue or a new module is documented (run `make docs`)."""
    assert docs.stale(ROOT) == []


def test_every_published_file_is_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for e in ENTRIES:
        if e.layer == REPORTS:
            assert f"`{relative_path(e.key, '{school_id}').as_posix()}" in readme, e.key


def test_refreshing_rewrites_only_the_blocks():
    text = "before\n<!-- generated: processed -->\nSTALE TEXT\n<!-- end generated -->\nafter\n"
    out = docs.refreshed(text)
    assert out.startswith("before\n<!-- generated: processed -->\n| file |")
    assert out.endswith("<!-- end generated -->\nafter\n") and "STALE TEXT" not in out
    assert docs.refreshed(out) == out
