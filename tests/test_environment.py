"""pyproject.toml and environment.yml pin the same packages at the same versions."""

from __future__ import annotations

import os
import re
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]

# Conda entries that are the interpreter and installer, not project dependencies.
NOT_DEPENDENCIES = {"python", "pip"}

_REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:(==|=)\s*([^\s;,]+))?\s*$")


def normalise_name(name: str) -> str:
    """Lower case, with `_` and `.` read as `-` (PEP 503 style, so `PyYAML` == `pyyaml`)."""
    return re.sub(r"[-_.]+", "-", name.strip()).lower()


def parse_pin(spec: str) -> tuple[str, str | None]:
    """`name==1.2` (pip) or `name=1.2` (conda) -> (normalised name, version or None)."""
    match = _REQUIREMENT.match(spec)
    if match is None:
        raise ValueError(f"not a plain `name==version` pin: {spec!r}")
    name, _, version = match.groups()
    return normalise_name(name), version


def pins_from_pyproject(data: dict) -> dict[str, str | None]:
    """The project's dependencies as {normalised name: version}."""
    return dict(parse_pin(spec) for spec in data["project"]["dependencies"])


def pins_from_environment(data: dict) -> dict[str, str | None]:
    """Conda and pip entries of an environment.yml as {normalised name: version}."""
    pins: dict[str, str | None] = {}
    for entry in data["dependencies"]:
        specs = entry["pip"] if isinstance(entry, dict) else [entry]
        for spec in specs:
            name, version = parse_pin(spec)
            if name not in NOT_DEPENDENCIES:
                pins[name] = version
    return pins


def pin_drift(left: dict[str, str | None], right: dict[str, str | None]) -> list[str]:
    """One line per package whose presence or version differs; empty when they agree."""
    problems = []
    for name in sorted(left.keys() | right.keys()):
        if name not in right:
            problems.append(f"{name}: only in pyproject.toml ({left[name]})")
        elif name not in left:
            problems.append(f"{name}: only in environment.yml ({right[name]})")
        elif left[name] != right[name]:
            problems.append(f"{name}: pyproject.toml {left[name]} != environment.yml {right[name]}")
    return problems


@pytest.fixture(scope="module")
def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def environment() -> dict:
    return yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))


def test_pyproject_and_environment_pin_the_same_versions(pyproject, environment):
    drift = pin_drift(pins_from_pyproject(pyproject), pins_from_environment(environment))
    assert drift == [], "\n".join(drift)


def test_every_dependency_is_pinned_exactly(pyproject):
    unpinned = [spec for spec in pyproject["project"]["dependencies"] if "==" not in spec]
    assert unpinned == []


def test_environment_python_matches_requires_python(pyproject, environment):
    lower = re.fullmatch(r">=\s*(\d+\.\d+)", pyproject["project"]["requires-python"])
    assert lower is not None
    conda = [e for e in environment["dependencies"] if isinstance(e, str)]
    assert f"python={lower.group(1)}" in conda


# The comparison itself, on hand-made pairs, so that the checks above can fail.


def test_normalise_name_folds_case_and_separators():
    assert normalise_name("PyYAML") == "pyyaml"
    assert normalise_name("great_expectations") == "great-expectations"
    assert normalise_name("Charset.Normalizer") == "charset-normalizer"


def test_parse_pin_reads_pip_and_conda_spellings():
    assert parse_pin("Jinja2==3.1.6") == ("jinja2", "3.1.6")
    assert parse_pin("python=3.11") == ("python", "3.11")
    assert parse_pin("pip") == ("pip", None)
    with pytest.raises(ValueError):
        parse_pin("pandas>=2")


def test_pin_drift_is_empty_for_the_same_pins_spelled_differently():
    left = pins_from_pyproject({"project": {"dependencies": ["great_expectations==1.24.1"]}})
    right = pins_from_environment(
        {"dependencies": ["python=3.11", "pip", {"pip": ["Great-Expectations==1.24.1"]}]}
    )
    assert pin_drift(left, right) == []


def test_pin_drift_reports_a_changed_version_and_a_missing_package():
    left = pins_from_pyproject({"project": {"dependencies": ["pandas==3.1.1", "ruff==0.17.6"]}})
    right = pins_from_environment(
        {"dependencies": ["python=3.11", "numpy=2.4.6", {"pip": ["pandas==3.1.0"]}]}
    )
    assert pin_drift(left, right) == [
        "numpy: only in environment.yml (2.4.6)",
        "pandas: pyproject.toml 3.1.1 != environment.yml 3.1.0",
        "ruff: only in pyproject.toml (0.17.6)",
    ]


def test_arrow_allocator_is_jemalloc_unless_configured():
    """The command line prefers jemalloc; importing the package alone changes nothing."""
    import subprocess

    def pool(code: str, **extra: str) -> str:
        env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
        env.update(extra)
        return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                              text=True, check=True).stdout.strip()

    show = "import pyarrow as pa; print(pa.default_memory_pool().backend_name)"
    assert pool("import pipeline; " + show) != "jemalloc"
    prefer = "from pipeline.memory import prefer_jemalloc; prefer_jemalloc(); "
    assert pool(prefer + show) == "jemalloc"
    assert pool(prefer + show, ARROW_DEFAULT_MEMORY_POOL="system") == "system"
