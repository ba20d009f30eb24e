"""The raw folder: one folder per month, the files in it in order."""

from __future__ import annotations

import re
from pathlib import Path

from pipeline.errors import InputError


def periods_in(raw_dir: Path) -> list[str]:
    """Monthly folders (YYYY-MM) under the raw folder, sorted."""
    if not raw_dir.is_dir():
        raise InputError(f"{raw_dir}: raw data folder not found")
    return sorted(
        p.name for p in raw_dir.iterdir()
        if p.is_dir() and re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", p.name)
    )


def raw_files(raw_dir: Path, period: str) -> list[tuple[str, Path]]:
    """(source_file, path) of every submission in the folders up to the period, in order."""
    found = []
    for folder in periods_in(raw_dir):
        if folder > period:
            break
        for p in sorted((raw_dir / folder).iterdir(), key=lambda q: q.name):
            if p.is_file() and not p.name.startswith((".", "~$")) and p.name.lower() not in (
                "readme.md", "readme.txt"
            ):
                found.append((f"{folder}/{p.name}", p))
    return found
