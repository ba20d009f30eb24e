"""Descriptive fields that cannot be read (study mode, class type, education kind) do not
stop publication: the record is counted, and validation warns instead of failing."""

from __future__ import annotations

import pytest
from conftest import TIDY_HEADER, make_context, make_id, record, roster_line, write_csv

from pipeline.stages import clean_stage, validate_stage


@pytest.mark.slow
def test_unreadable_descriptive_fields_warn_but_publish(tmp_path):
    ctx = make_context(tmp_path, "2019-10")
    lines = [TIDY_HEADER,
             roster_line(record("HX01", id_number=make_id(seq="011"))),
             roster_line(record("HX01", id_number=make_id(seq="021"), class_type="",
                                study_mode="函授?", education_kind="学历?"))]
    write_csv(ctx.raw_dir / "2019-10" / "HX01.csv", lines)
    totals = clean_stage(ctx)
    assert (totals["clean_rows"], totals["quarantined_rows"]) == (2, 0)
    summary = validate_stage(ctx, data_docs=False)  # must not raise ValidationFailed
    warned = {(r["column"], r["severity"]) for r in summary["results"] if not r["success"]}
    assert {("study_mode", "warning"), ("class_type", "warning"),
            ("education_kind", "warning")} <= warned
    assert summary["max_severity_failure"] != "critical"
