"""Statistical disclosure control for published tables (pure functions).

A published cell that counts 1 to ``threshold - 1`` people of a sensitive group (for example
disabled people) is a *primary* suppression and shows ``<5``. A suppressed cell must not be
recoverable from a published total: when a group of cells adds up to a published total, the
hidden cells are extended with *complementary* (secondary) suppressions — the smallest other
non-zero cells — until at least two cells are hidden and the hidden cells together count at
least ``threshold`` people. When that is impossible (no other non-zero cell), the total itself
is hidden.

Zero cells are never suppressed: a published 0 says nothing about any person.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

PRIMARY = "primary"
SECONDARY = "secondary"

#: Categories of a sensitive dimension that do *not* denote the sensitive group (the "no" side
#: of a yes/no flag). Their cells are never primary suppressions, but may be complementary ones.
NON_SENSITIVE_CATEGORIES = frozenset({"否", "false", "no", "n", "0", "非残疾人"})


@dataclass(frozen=True)
class GroupProtection:
    """The outcome of protecting one group of cells that adds up to one total.

    ``status[i]`` is ``""`` (published), ``"primary"`` or ``"secondary"``; ``total_hidden``
    says whether the group's total must be hidden too.
    """

    status: tuple[str, ...]
    total_hidden: bool

    @property
    def hidden(self) -> tuple[bool, ...]:
        """One flag per cell: is it hidden (primary or secondary)?"""
        return tuple(bool(s) for s in self.status)


def is_small(count: int, threshold: int) -> bool:
    """True for a count of 1 .. ``threshold - 1`` people (a primary suppression)."""
    return 0 < int(count) < threshold


def is_sensitive_category(category: object) -> bool:
    """True unless the category is the "no" side of a yes/no flag (``否``, ``False``, ``0``)."""
    return str(category).strip().lower() not in NON_SENSITIVE_CATEGORIES


def protect_group(
    counts: Sequence[int],
    threshold: int = 5,
    *,
    sensitive: Sequence[bool] | None = None,
    total_published: bool = True,
) -> GroupProtection:
    """Decide which cells of one additive group to hide.

    ``counts`` are the cells that add up to the group's total; ``sensitive[i]`` (default all
    true) says whether cell ``i`` counts people of the sensitive group (only those can be
    primary suppressions). With ``total_published`` false nothing but the primary cells is
    hidden, because no published sum can reveal them.
    """
    values = [int(c) for c in counts]
    flags = list(sensitive) if sensitive is not None else [True] * len(values)
    if len(flags) != len(values):
        raise ValueError("sensitive must have one flag per count")
    status = [
        PRIMARY if f and is_small(v, threshold) else "" for v, f in zip(values, flags, strict=True)
    ]
    if not any(status) or not total_published:
        return GroupProtection(tuple(status), False)

    def hidden_sum() -> int:
        return sum(v for v, s in zip(values, status, strict=True) if s)

    # Complementary suppression: smallest other non-zero cells (ties: first in order) until
    # two or more cells are hidden and together they count at least `threshold` people.
    while sum(1 for s in status if s) < 2 or hidden_sum() < threshold:
        candidates = [
            (v, i) for i, (v, s) in enumerate(zip(values, status, strict=True)) if not s and v > 0
        ]
        if not candidates:
            return GroupProtection(tuple(status), True)
        _, pick = min(candidates)
        status[pick] = SECONDARY
    return GroupProtection(tuple(status), False)


def display(count: int, status: str, threshold: int = 5) -> int | str:
    """The published form of a cell: the count itself, ``<5`` (primary) or ``×`` (secondary)."""
    if status == PRIMARY:
        return f"<{threshold}"
    if status == SECONDARY:
        return "×"
    return int(count)


def protect_column(
    counts: Sequence[int],
    categories: Sequence[object],
    threshold: int = 5,
    *,
    total_published: bool = True,
) -> GroupProtection:
    """Protect one column of a sensitive dimension (categories decide which cells are sensitive)."""
    return protect_group(
        counts,
        threshold,
        sensitive=[is_sensitive_category(c) for c in categories],
        total_published=total_published,
    )


def recoverable_cells(published: Sequence[int | str], total: int | str | None) -> list[int]:
    """Indices of hidden cells whose value can be computed as total minus the published cells.

    A hidden cell is any non-integer entry (``<5``, ``×``). With a published integer total
    and exactly one hidden cell, that cell is recoverable. Used by the tests and as a final
    self-check before publishing.
    """
    hidden = [i for i, v in enumerate(published) if not isinstance(v, int)]
    if not isinstance(total, int) or len(hidden) != 1:
        return []
    return hidden


HIDDEN = "×"


def protect_long_table(table: pd.DataFrame, sensitive: Sequence[str], threshold: int = 5,
                       count_columns: Sequence[str] = ("admitted", "registered", "counted")
                       ) -> pd.DataFrame:
    """A long table (``dimension, category, <counts>``) as it may be published: within each
    sensitive dimension, every count column protected as one group (:func:`protect_column`);
    hidden cells become text (``<5``, ``×``), the others stay numbers."""
    import pandas as pd

    out = table.astype({c: object for c in count_columns})
    for dim in sensitive:
        rows = table.index[table["dimension"] == dim]
        if not len(rows):
            continue
        categories = table.loc[rows, "category"].tolist()
        for col in count_columns:
            counts = [int(x) for x in table.loc[rows, col]]
            prot = protect_column(counts, categories, threshold)
            out.loc[rows, col] = pd.Series(
                [display(v, s, threshold) for v, s in zip(counts, prot.status, strict=True)],
                index=rows, dtype=object)
    return out
