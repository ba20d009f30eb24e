"""The files the package ships with, found through :mod:`importlib.resources`.

They stay where a reader of the repository expects them (``notebooks/``, ``expectations/``,
``config/``) and are installed as data packages of ``pipeline`` (``pyproject.toml`` maps
``pipeline.notebooks``, ``pipeline.expectations`` and ``pipeline.defaults`` onto those
folders), so an installed kuozhao works outside a checkout.
"""

from __future__ import annotations

from importlib.resources import as_file, files
from pathlib import Path


def _folder(package: str) -> Path:
    """A shipped data package as a real folder (installed packages are plain folders)."""
    with as_file(files(package)) as path:
        return Path(path)


def notebooks_dir() -> Path:
    """The stage notebooks (``01_clean.ipynb`` … ``05_bulletin.ipynb``)."""
    return _folder("pipeline.notebooks")


def expectations_dir() -> Path:
    """The Great Expectations suites (JSON)."""
    return _folder("pipeline.expectations")


def default_config_dir() -> Path:
    """The shipped configuration (``pipeline.yaml``, ``rewards.yaml``, …): the repository's
    ``config/`` in a checkout, a copy of it in an installed package."""
    return _folder("pipeline.defaults")


def templates_dir() -> Path:
    """The Jinja2 templates of the documents."""
    return _folder("pipeline") / "templates"


def locales_dir() -> Path:
    """The message catalogues, one YAML file per language."""
    return _folder("pipeline") / "locales"


def datadocs_assets_dir() -> Path:
    """The copies of the assets Great Expectations' Data Docs load from CDNs."""
    return _folder("pipeline") / "datadocs_assets"
