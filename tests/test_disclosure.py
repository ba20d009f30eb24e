"""Known answers of pipeline.disclosure: primary and complementary suppression, yes/no flags,
and that no small cell can be recovered from a published total."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import disclosure


def test_protect_group_complements_a_single_small_cell() -> None:
    prot = disclosure.protect_group([9, 3, 0, 0, 6, 0], 5)
    assert prot.status == ("", "primary", "", "", "secondary", "")
    assert not prot.total_hidden


def test_protect_group_hides_total_when_nothing_can_complement() -> None:
    prot = disclosure.protect_group([0, 3, 0], 5)
    assert prot.status == ("", "primary", "")
    assert prot.total_hidden


def test_protect_group_small_hidden_sum_takes_another_cell() -> None:
    # Two small cells hidden together count 2: the sum would still pin them down to 1–1.
    prot = disclosure.protect_group([1, 1, 40, 7], 5)
    assert prot.status == ("primary", "primary", "", "secondary")


def test_protect_group_yes_no_flag() -> None:
    # 是 = 3 with 否 published next to a published total would give 是 away.
    prot = disclosure.protect_column([3, 3552], ["是", "否"], 5)
    assert prot.status == ("primary", "secondary")
    # 否 is never a primary suppression (it does not count the sensitive group).
    assert disclosure.protect_column([3552, 2], ["是", "否"], 5).status == ("", "")


def test_nothing_to_hide_and_unpublished_totals() -> None:
    assert disclosure.protect_group([0, 5, 12], 5).status == ("", "", "")
    assert disclosure.protect_group([3, 8], 5, total_published=False).status == ("primary", "")
    assert disclosure.display(3, "primary", 5) == "<5"
    assert disclosure.display(8, "secondary", 5) == "×"
    assert disclosure.display(8, "", 5) == 8


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=30), min_size=1, max_size=8),
       st.integers(min_value=2, max_value=10))
def test_no_small_cell_is_recoverable_from_the_total(counts: list[int], threshold: int) -> None:
    prot = disclosure.protect_group(counts, threshold)
    shown = [disclosure.display(c, s, threshold) for c, s in zip(counts, prot.status, strict=True)]
    total = "×" if prot.total_hidden else sum(counts)
    assert disclosure.recoverable_cells(shown, total) == []
    for c, s in zip(counts, prot.status, strict=True):
        if 0 < c < threshold:
            assert s == "primary"
    if any(prot.status) and not prot.total_hidden:
        hidden = [c for c, s in zip(counts, prot.status, strict=True) if s]
        assert len(hidden) >= 2 and sum(hidden) >= threshold
