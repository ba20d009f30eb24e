"""Finding the table in a roster: header cells resolved to fields through the header map."""

from __future__ import annotations

import difflib
import re

from pipeline.normalise import key_text

HEADER_SCAN_ROWS = 50
_HEADER_NOISE = re.compile(r"[*＊:：]|[(（](必填|选填|必选)[)）]")


class HeaderMap:
    """Resolves header cells to fields via the configured spellings."""

    def __init__(self, header_map: dict[str, tuple[str, ...]], required: tuple[str, ...]):
        self.lookup: dict[str, str] = {}
        for fld, spellings in header_map.items():
            for spelling in spellings:
                self.lookup.setdefault(self.key(spelling), fld)
        self.required = tuple(required)

    @staticmethod
    def key(cell: object) -> str:
        """The matching key of a header cell."""
        return _HEADER_NOISE.sub("", key_text(str(cell))) if cell is not None else ""

    def resolve(self, cells: list[str]) -> dict[int, str]:
        """Column index → field, first occurrence of each field only."""
        found: dict[int, str] = {}
        taken: set[str] = set()
        for i, cell in enumerate(cells):
            fld = self.lookup.get(self.key(cell))
            if fld and fld not in taken:
                found[i] = fld
                taken.add(fld)
        return found

    def is_header(self, cells: list[str]) -> bool:
        """Whether a row names every required field."""
        return set(self.required) <= set(self.resolve(cells).values())

    def suggest(self, cell: str) -> str | None:
        """The closest known header for an unknown one, if any is close."""
        match = difflib.get_close_matches(self.key(cell), list(self.lookup), n=1, cutoff=0.6)
        return match[0] if match else None


# ---------------------------------------------------------------- decoding

def find_header(grid: list[list[str]], hmap: HeaderMap) -> int | None:
    """The index of the first row (of the first ``HEADER_SCAN_ROWS``) naming every required
    field, or None."""
    for i, row in enumerate(grid[:HEADER_SCAN_ROWS]):
        if row and hmap.is_header([str(c) for c in row]):
            return i
    return None



def missing_message(grid: list[list[str]], hmap: HeaderMap) -> str:
    """Which required columns the best candidate header row lacks."""
    best: set[str] = set()
    for row in grid[:HEADER_SCAN_ROWS]:
        found = set(hmap.resolve([str(c) for c in row]).values())
        if len(found) > len(best):
            best = found
    if not best:
        return "no header row naming the required columns was found"
    missing = [f for f in hmap.required if f not in best]
    return "missing required column(s): " + ", ".join(missing)


