"""The documentation's generated tables: kept true by the code they describe.

README.md and docs/INTERFACES.md hold blocks between ``<!-- generated: NAME -->`` and
``<!-- end generated -->``. Each block is written from one source of truth: the catalogue
(what a run writes, for whom, by which stage) or the modules' docstrings. ``python -m
pipeline.tools.docs``, run in the repository, rewrites the blocks; ``--check`` lists the
stale ones and exits 1 (a test runs the check, so a new file or module cannot go
undocumented).
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Callable
from pathlib import Path

import pipeline
from pipeline.catalog import ENTRIES, PROCESSED, REPORTS, relative_path

DOCUMENTS = ("README.md", "docs/INTERFACES.md")
_BLOCK = re.compile(
    r"(<!-- generated: (?P<name>[a-z_]+) -->\n)(?P<body>.*?)(<!-- end generated -->)", re.S)
_AUDIENCE_WORDS = {"public": "public", "internal": "office, evaluators",
                   "school": "the school", "top": "the office"}


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"


def outputs_table() -> str:
    """What a run publishes in ``reports/<period>/``, one row per catalogue entry."""
    rows = [_row(["file", "for", "stage", "content"]), _row(["---"] * 4)]
    for e in ENTRIES:
        if e.layer != REPORTS:
            continue
        path = relative_path(e.key, "{school_id}").as_posix() + ("/" if e.kind == "dir" else "")
        rows.append(_row([f"`{path}`", _AUDIENCE_WORDS[e.audience or "top"], e.stage,
                          e.description]))
    return "\n".join(rows) + "\n"


def processed_table() -> str:
    """The hand-off between stages in ``data/processed/<period>/``."""
    rows = [_row(["file", "written by", "content"]), _row(["---"] * 3)]
    rows += [_row([f"`{e.name}`", e.stage, e.description]) for e in ENTRIES
             if e.layer == PROCESSED]
    return "\n".join(rows) + "\n"


def _summary(path: Path) -> str:
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    return " ".join(doc.split("\n\n")[0].split())


def modules_table() -> str:
    """One row per module of the package: its path and the first paragraph of its docstring."""
    package = Path(pipeline.__file__).resolve().parent
    rows = [_row(["module", "what it is"]), _row(["---"] * 2)]
    for path in sorted(package.rglob("*.py"), key=lambda p: p.relative_to(package).as_posix()):
        if path.name == "__init__.py" and path.parent == package:
            continue
        if path.name == "__init__.py" and not _summary(path):
            continue
        name = path.relative_to(package.parent).as_posix()
        rows.append(_row([f"`{name}`", _summary(path)]))
    return "\n".join(rows) + "\n"


BLOCKS: dict[str, Callable[[], str]] = {
    "outputs": outputs_table,
    "processed": processed_table,
    "modules": modules_table,
}


def refreshed(text: str) -> str:
    """``text`` with every generated block rewritten from its source."""
    return _BLOCK.sub(lambda m: m.group(1) + BLOCKS[m.group("name")]() + m.group(4), text)


def stale(root: Path) -> list[str]:
    """The documents whose generated blocks differ from what the code says now."""
    return [doc for doc in DOCUMENTS
            if (text := (root / doc).read_text(encoding="utf-8")) != refreshed(text)]


def main(argv: list[str] | None = None) -> int:
    """Rewrite the generated blocks (``--check``: only list the stale documents)."""
    argv = sys.argv[1:] if argv is None else argv
    root = Path.cwd()
    if "--check" in argv:
        out_of_date = stale(root)
        for doc in out_of_date:
            sys.stdout.write(f"{doc}: generated tables are out of date (run: make docs)\n")
        return 1 if out_of_date else 0
    for doc in DOCUMENTS:
        path = root / doc
        path.write_text(refreshed(path.read_text(encoding="utf-8")), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
