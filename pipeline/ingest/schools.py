"""Which school a text names: for a file (or sheet) without a school column, the one known
school named above its header — a ``填报单位：…`` line or a title — else in its file name
(DESIGN §3, "The school named once").

"Named" means the text contains a school's name or alias (after NFKC, Traditional →
Simplified and removing spaces; where one name contains another, the longest match wins) or
its ``school_id`` as a whole token.
"""

from __future__ import annotations

import re
import unicodedata

import pandas as pd

from pipeline.normalise import key_text, split_aliases


class SchoolNames:
    """The spellings of the quota table's schools, to find the schools a text names."""

    def __init__(self, schools: pd.DataFrame):
        self.by_key: dict[str, str] = {}
        self.name_of: dict[str, str] = {}
        for row in schools.itertuples(index=False):
            self.name_of[row.school_id] = row.school_name
            for spelling in (row.school_name, *split_aliases(row.aliases)):
                key = key_text(str(spelling))
                if key:
                    self.by_key.setdefault(key, row.school_id)
        self._keys = sorted(self.by_key, key=len, reverse=True)
        self._ids = {sid: re.compile(rf"(?<![A-Z0-9]){re.escape(key_text(sid))}(?![A-Z0-9])")
                     for sid in self.name_of}

    @property
    def known_keys(self) -> frozenset[str]:
        """Matching keys of every school spelling."""
        return frozenset(self.by_key)

    def named_in(self, text: str) -> set[str]:
        """The ids of the schools a text names (see the module notes)."""
        key = key_text(text)
        spans: list[tuple[int, int, str]] = []
        for spelling in self._keys:  # longest first
            start = key.find(spelling)
            while start >= 0:
                end = start + len(spelling)
                if not any(s <= start and end <= e for s, e, _ in spans):
                    spans.append((start, end, self.by_key[spelling]))
                start = key.find(spelling, start + 1)
        found = {sid for _, _, sid in spans}
        plain = unicodedata.normalize("NFKC", text).upper()
        found |= {sid for sid, pattern in self._ids.items() if pattern.search(plain)}
        return found
