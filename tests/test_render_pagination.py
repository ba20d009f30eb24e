"""pipeline.render.pagination: where a table is cut for its continuation pages, read from a
real layout, and the parts the template prints."""

from __future__ import annotations

import pytest

from pipeline.render.pagination import page_breaks, parts


def test_parts_put_the_total_row_in_the_last_part() -> None:
    assert parts(10, []) == [(0, 10)]
    assert parts(10, [4, 8]) == [(0, 4), (4, 8), (8, 10)]
    assert parts(10, [10]) == [(0, 10), (10, 10)]  # only the total row goes over
    assert parts(10, [0, 4, 4, 12]) == [(0, 4), (4, 10)]  # nonsense cuts are dropped
    assert parts(0, []) == [(0, 0)]


@pytest.mark.slow
def test_page_breaks_of_a_long_table() -> None:
    from weasyprint import HTML

    rows = "".join(f'<tr data-row="{i}"><td>{i}</td><td>x</td></tr>' for i in range(120))
    html = (f'<html><body><p>before</p><table data-table="t"><thead><tr><th>a</th><th>b</th>'
            f'</tr></thead><tbody>{rows}</tbody></table>'
            f'<table data-table="small"><tbody><tr data-row="0"><td>1</td></tr></tbody>'
            f'</table></body></html>')
    doc = HTML(string=html).render()
    splits, widths = page_breaks(doc)
    assert list(splits) == ["t"] and len(splits["t"]) == len(doc.pages) - 1
    assert splits["t"] == sorted(splits["t"]) and 0 < splits["t"][0] < 120
    assert len(widths["t"]) == 2 and all(w > 0 for w in widths["t"])
