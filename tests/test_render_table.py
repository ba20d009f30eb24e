"""Known answers of pipeline.render.table: display strings of a table and the words a
table takes from the catalogue."""

from __future__ import annotations

from pipeline.render.labels import Labels
from pipeline.render.table import TEXT_LIMITS, Table, css_class, labelled_table


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
    assert (tab.key, tab.title, tab.headers) == ("revisions", "历史月份数据修订",
                                                 ["月份", "修订"])
    assert tab.sheet == "数据修订" and tab.note == "注" and tab.total is None
    # A table that is not in the annex has no sheet name.
    assert labelled_table(zh, "validation_failed", (), [], []).sheet == ""
    rw = labelled_table(Labels("en"), "summary", ("rank",), ["int"], [[1]], total=[None],
                        section="rw")
    assert (rw.key, rw.title, rw.headers, rw.sheet) == (
        "rw_summary", "Table 1 Decision summary", ["Rank"], "")


def test_text_cells_are_shortened_by_kind_numbers_are_not() -> None:
    long = "机" * 10_000
    tab = Table("k", "T", ["a", "b", "c", "d"], ["name", "code", "text", "int"],
                [[long, "CROSS_SCHOOL_DUPLICATE", "x" * 250, 10**12]], [long, "", "", 1])
    name, code, text, number = tab.rows[0]
    assert name == "机" * 39 + "…" and len(name) == TEXT_LIMITS["name"]
    assert code == "CROSS_SCHOOL_DUPLICATE" and number == 10**12
    assert len(text) == TEXT_LIMITS["text"] and text.endswith("…")
    assert tab.total[0] == name


def test_per_row_kinds_and_cell_classes() -> None:
    tab = Table("k", "T", ["item", "value"], ["text", "int"],
                [["rate", 0.8124], ["change", 175], ["school", "哈尔滨技师学院"]],
                cell_kinds=[["text", "pct"], ["text", "signed"], ["text", "name"]])
    assert tab.formatted() == [["rate", "81.2%"], ["change", "+175"],
                               ["school", "哈尔滨技师学院"]]
    assert [c[1] for c in tab.cells()] == [("81.2%", "num"), ("+175", "num"),
                                           ("哈尔滨技师学院", "name nowrap")]
    assert css_class("name", "Harbin Technician College") == "name"
    assert css_class("code", "S01") == "code" and css_class("dec1") == "num"


def test_notes_under_a_table() -> None:
    tab = Table("k", "T", ["a"], ["int"], [[1]], note="注", unit="单位：人",
                source="资料来源：x。", notes=["另注"])
    assert tab.all_notes() == ["注", "另注", "资料来源：x。"]
