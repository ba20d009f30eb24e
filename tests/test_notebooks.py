"""The stage notebooks: stored without outputs, one `parameters` cell with the shared
parameters, and no logic (no branches, loops or definitions: those belong in pipeline/)."""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pytest

from pipeline.run import STAGES

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
PARAMETERS = {"period", "raw_dir", "reference_dir", "config_dir", "processed_dir", "out_dir",
              "lang", "skip_unreadable", "salt_dir", "run_id"}
LOGIC = (ast.For, ast.While, ast.If, ast.FunctionDef, ast.ClassDef, ast.Try, ast.With)


@pytest.mark.parametrize("stage", STAGES)
def test_notebook_is_stripped_and_parameterised(stage):
    nb = nbformat.read(NOTEBOOKS / f"{stage}.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)
    tagged = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1 and tagged[0] is code[0]
    names = {t.id for node in ast.parse(tagged[0].source).body for t in node.targets}
    assert names == PARAMETERS
    assert nb.metadata["kernelspec"]["name"] == "kuozhao"
    for cell in code[1:]:
        tree = ast.parse(cell.source)
        assert not [n for n in ast.walk(tree) if isinstance(n, LOGIC)], cell.source
