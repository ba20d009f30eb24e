"""Known answers of pipeline.render.table: display strings of a table and the words a
table takes from the catalogue."""

from __future__ import annotations

from pipeline.render.labels import Labels
from pipeline.render.table import Table, labelled_table


def test_formatted_rows_and_total() -> None:
    tab = Table("k", "T", ["a", "b", "c"], ["text", "int", "pct"],
                [["S01", 1200, 0.9583], ["S02", "<5", None]], ["合计", 1205, 0.5])
    assert tab.formatted() == [["S01", "1,200", "95.8%"], ["S02", "<5", ""]]
    assert tab.formatted_total() == ["合计", "1,205", "50.0%"]
    assert Table("k", "T", ["a"], ["int"], []).formatted_total() is None


def test_labelled_table_bulletin_and_report() -> None:
    zh = Labels("zh-CN")
    tab = labelled_table(zh, "revisions", ("month", "revision"), ["text", "signed"], [],
                         note="注")
    assert (tab.key, tab.title, tab.headers) == ("revisions", "表8 历史月份数据修订",
                                                 ["月份", "修订"])
    assert tab.sheet == "数据修订" and tab.note == "注" and tab.total is None
    # A table that is not in the annex has no sheet name.
    assert labelled_table(zh, "validation_failed", (), [], []).sheet == ""
    rw = labelled_table(Labels("en"), "summary", ("rank",), ["int"], [[1]], total=[None],
                        section="rw")
    assert (rw.key, rw.title, rw.headers, rw.sheet) == (
        "rw_summary", "Table 1 Decision summary", ["Rank"], "")
