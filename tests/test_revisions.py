"""Revisions (issue 14): each earlier month as first published — from the archive of what
kuozhao published, else re-derived and labelled so — against the figure known now, and the
causes of the change by school; month-on-month change on both bases."""

from __future__ import annotations

import datetime as dt
import shutil

import pandas as pd
from conftest import (
    TIDY_HEADER,
    make_context,
    make_id,
    record,
    roster_line,
    run_clean,
    submission,
    write_csv,
)

from pipeline import archive
from pipeline import revisions as rev
from pipeline.run import keep_published
from pipeline.stages import clean_stage, files_of, fulfilment_stage

REG = ("已注册", "休学", "退学")
ENDS = [("2019-09", dt.date(2019, 9, 30)), ("2019-10", dt.date(2019, 10, 31))]


def _changes(*subs):
    result = run_clean(*subs)
    records = result.records.copy()
    return rev.by_school(records, ENDS, REG, "registered").set_index(["month", "school_id"])


def test_causes_of_a_revision_by_school():
    late = make_id("20000101", "011")
    fixed = make_id("20000101", "021")
    updated = make_id("20000101", "031")
    replaced = make_id("20000101", "041")
    september = submission([
        record(id_number=fixed, level="初级工"),  # quarantined (level not allowed)
        record(id_number=updated, status="待注册"),  # clean, not counted then
        record(id_number=replaced),  # counted then
    ], folder="2019-09")
    october = submission([
        record(id_number=late, admission_date="2019-09-20"),  # arrives late
        record(id_number=fixed, level="高级工"),  # corrected
        record(id_number=updated, status="已注册"),  # registered since
        record(id_number=replaced, status="待注册"),  # no longer counted
    ], folder="2019-10")
    got = _changes(september, october).loc[("2019-09", "HX01")]
    assert (got["then"], got["now"]) == (1, 3)
    assert (got["late_submissions"], got["corrections"], got["supersessions"], got["other"]) \
        == (1, 1, 0, 0)  # +1 updated, -1 replaced


def test_revision_table_adds_up_and_labels_its_source():
    per_school = pd.DataFrame({
        "month": ["2019-09", "2019-09", "2019-10"], "school_id": ["A", "B", "A"],
        "then": [10, 5, 30], "now": [13, 5, 30], "late_submissions": [2, 0, 0],
        "corrections": [1, 1, 0], "supersessions": [0, -1, 0], "other": [0, 0, 0]})
    t = rev.table(per_school, {"2019-09": 14}).set_index("month")
    assert t.loc["2019-09", "first_published_source"] == "archive"
    assert t.loc["2019-10", "first_published_source"] == "rederived"
    # re-derived 15, published 14: the difference is "other"
    assert (t.loc["2019-09", "revision"], t.loc["2019-09", "other"]) == (18 - 14, 15 - 14)
    for _, row in t.iterrows():
        assert row["revision"] == sum(row[c] for c in rev.CAUSES)


def _publish(ctx, out_root):
    clean_stage(ctx)
    fulfilment_stage(ctx)
    return keep_published(out_root, ctx.period, f"run-{ctx.period}", ctx.out_dir)


def test_first_published_is_what_was_published_then(tmp_path):
    """Publish 2019-09, add a late record of September in October, publish 2019-10: the
    first-published September figure is the archived one, the revision its late arrival."""
    ctx9 = make_context(tmp_path, "2019-09")
    out_root = ctx9.out_dir.parent
    a, b, c = (make_id("20000101", f"0{i}1") for i in range(3))
    write_csv(ctx9.raw_dir / "2019-09" / "HX01.csv",
              [TIDY_HEADER, roster_line(record(id_number=a, admission_date="2019-09-05")),
               roster_line(record(id_number=b, admission_date="2019-09-06"))])
    _publish(ctx9, out_root)
    assert files_of(ctx9).read("summary")["counted"] == 2
    ctx10 = make_context(tmp_path, "2019-10")
    write_csv(ctx10.raw_dir / "2019-10" / "HX01.csv",
              [TIDY_HEADER, roster_line(record(id_number=c, admission_date="2019-09-28"))])
    _publish(ctx10, out_root)
    revisions = files_of(ctx10).read("revisions").set_index("month")
    sep = revisions.loc["2019-09"]
    assert (sep["first_published"], sep["first_published_source"]) == (2, "archive")
    assert (sep["current"], sep["revision"], sep["late_submissions"]) == (3, 1, 1)
    summary = files_of(ctx10).read("summary")
    assert summary["previous_first_published"] == 2 and summary["change_vs_first_published"] == 1
    assert summary["change_since_last_month"] == 0  # September as known now is 3 too
    entries = archive.entries(out_root / "archive", "2019-09")
    assert [e["counted"] for e in entries] == [2]


def test_the_archive_is_append_only(tmp_path):
    first = archive.append(tmp_path, "2019-09", "r1", {"counted": 5}, {"A": 5})
    again = archive.append(tmp_path, "2019-09", "r1", {"counted": 5}, {"A": 5})
    second = archive.append(tmp_path, "2019-09", "r2", {"counted": 7}, {"A": 7})
    assert first == again and first.name == "001-r1.json" and second.name == "002-r2.json"
    assert archive.first_published(tmp_path, ["2019-09"])["2019-09"]["counted"] == 5
    shutil.rmtree(tmp_path)
