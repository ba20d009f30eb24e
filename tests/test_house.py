"""House rules that keep the package easy to change (issue 12): short functions, modules of a
readable size, no module reaching its resources through the checkout's folders."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "pipeline"
MAX_FUNCTION_LINES = 60
MAX_MODULE_LINES = 500
MODULES = sorted(p for p in PACKAGE.rglob("*.py"))


def _functions(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_module_and_functions_are_short(path):
    text = path.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= MAX_MODULE_LINES
    long = [f"{f.name} ({f.end_lineno - f.lineno + 1} lines)"
            for f in _functions(ast.parse(text))
            if f.end_lineno - f.lineno + 1 > MAX_FUNCTION_LINES]
    assert long == []


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_resource_found_through_the_checkout(path):
    """Resources come through importlib.resources (pipeline.resources), so that an installed
    package works outside a checkout."""
    text = path.read_text(encoding="utf-8")
    assert "parent.parent" not in text and "parents[1]" not in text


def test_every_package_is_installed():
    """pyproject.toml lists every package (a new subpackage left out would be missing from
    an installed kuozhao)."""
    import tomllib

    listed = set(tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text(encoding="utf-8"))
                 ["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(PACKAGE.parent).parts)
             for p in PACKAGE.rglob("__init__.py")}
    assert found <= listed
    assert {"pipeline.notebooks", "pipeline.expectations", "pipeline.defaults"} <= listed
