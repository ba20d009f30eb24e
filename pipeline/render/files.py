"""Writing the rendered files: atomically, so a reader never sees half a document."""

from __future__ import annotations

from pathlib import Path


def write_bytes(path: Path, content: bytes) -> None:
    """Write a file atomically (a ``.tmp`` sibling renamed into place), creating its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(content)
    tmp.replace(path)


def write_text(path: Path, text: str) -> None:
    """Write UTF-8 text (line ends as they are) atomically."""
    write_bytes(path, text.encode("utf-8"))
