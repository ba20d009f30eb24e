"""Finding the table in a roster: header cells resolved to fields through the header map, and
the refusal that tells a school which headings are missing and how to write them."""

from __future__ import annotations

import difflib
import re

from pipeline.errors import InputError, Localized
from pipeline.normalise import key_text

HEADER_SCAN_ROWS = 50
# The field a file may name once, above its header or in its file name (DESIGN §3).
NAMED_ONCE = "school"
_HEADER_NOISE = re.compile(r"[*＊:：]|[(（](必填|选填|必选)[)）]")
SPELLINGS_SHOWN = 3


class HeaderMap:
    """Resolves header cells to fields via the configured spellings.

    ``month_headers`` are spellings of the admission date whose values are months
    (``入学年月``): their dates are kept at month precision.
    """

    def __init__(self, header_map: dict[str, tuple[str, ...]], required: tuple[str, ...],
                 month_headers: tuple[str, ...] = ()):
        self.lookup: dict[str, str] = {}
        self.spelling: dict[str, str] = {}  # key → the spelling as configured
        for fld, spellings in header_map.items():
            for spelling in spellings:
                self.lookup.setdefault(self.key(spelling), fld)
                self.spelling.setdefault(self.key(spelling), spelling)
        self.spellings = {fld: tuple(s) for fld, s in header_map.items()}
        self.required = tuple(required)
        self.month_keys = frozenset(self.key(h) for h in month_headers)

    @staticmethod
    def key(cell: object) -> str:
        """The matching key of a header cell."""
        return _HEADER_NOISE.sub("", key_text(str(cell))) if cell is not None else ""

    def columns(self, cells: list[str]) -> dict[str, list[int]]:
        """Field → every column naming it, in order (a field may be named twice)."""
        found: dict[str, list[int]] = {}
        for i, cell in enumerate(cells):
            fld = self.lookup.get(self.key(cell))
            if fld:
                found.setdefault(fld, []).append(i)
        return found

    def resolve(self, cells: list[str]) -> dict[int, str]:
        """Column index → field, first occurrence of each field only."""
        return {cols[0]: fld for fld, cols in self.columns(cells).items()}

    def is_header(self, cells: list[str]) -> bool:
        """Whether a row names every required field (the school may be named once instead)."""
        needed = set(self.required) - {NAMED_ONCE}
        return needed <= set(self.columns([str(c) for c in cells]))

    def suggest(self, cell: str) -> str | None:
        """The closest known heading (as configured) for an unknown one, if any is close."""
        match = difflib.get_close_matches(self.key(cell), list(self.lookup), n=1, cutoff=0.5)
        return self.spelling[match[0]] if match else None

    def is_month_column(self, cell: str) -> bool:
        """Whether a heading names an admission date given as a month."""
        return self.key(cell) in self.month_keys


def find_header(grid: list[list[str]], hmap: HeaderMap) -> int | None:
    """The index of the first row (of the first ``HEADER_SCAN_ROWS``) naming every required
    field, or None."""
    for i, row in enumerate(grid[:HEADER_SCAN_ROWS]):
        if row and hmap.is_header([str(c) for c in row]):
            return i
    return None


def missing_fields_error(where: str, grid: list[list[str]], hmap: HeaderMap) -> InputError:
    """The refusal of a table whose header was not found: the required fields its best
    candidate header row lacks, by their Chinese headings with accepted spellings, and the
    nearest known heading for each unknown one."""
    best: list[str] = []
    for row in grid[:HEADER_SCAN_ROWS]:
        cells = [str(c) for c in row]
        if len(hmap.columns(cells)) > len(hmap.columns(best)):
            best = cells
    found = set(hmap.columns(best))
    missing = [f for f in hmap.required if f not in found and f != NAMED_ONCE]
    unknown = [c.strip() for c in best if c.strip() and hmap.key(c) not in hmap.lookup]
    near = [(c, hmap.suggest(c)) for c in unknown]
    return InputError(key="missing_fields", file=where,
                      missing=_fields_text(missing, hmap),
                      unknown=_unknown_text([(c, n) for c, n in near if n]))


def _fields_text(fields: list[str], hmap: HeaderMap) -> Localized:
    """``录取日期（可写作“录取日期”“录取时间”“入学日期”）、…`` and its English form."""
    from pipeline import messages

    zh, en = [], []
    for f in fields:
        shown = hmap.spellings.get(f, (f,))[:SPELLINGS_SHOWN]
        zh.append(f"{shown[0]}（可写作" + "".join(f"“{s}”" for s in shown) + "）")
        label = messages.t(f"fields.{f}", "en") if messages.has(f"fields.{f}", "en") else f
        en.append(f"{label} ({', '.join(shown)})")
    return Localized({"zh-CN": "、".join(zh), "en": "; ".join(en)})


def _unknown_text(pairs: list[tuple[str, str]]) -> Localized:
    """The unknown headings with the nearest known one, as a sentence (empty when none)."""
    if not pairs:
        return Localized({"zh-CN": "", "en": ""})
    zh = "、".join(f"“{c}”（最接近“{n}”）" for c, n in pairs)
    en = "; ".join(f'"{c}" (nearest: {n})' for c, n in pairs)
    return Localized({"zh-CN": f"无法识别的列标题：{zh}。", "en": f"Unknown headings: {en}."})
