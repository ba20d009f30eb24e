"""Stage 01 on the synthetic sample: every file reconciles, and every kind of dirt the
generator plants is found with its reason (some planted errors are corrected by a later
resubmission, which resolves them, so a reason never counts more than was planted)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from pipeline import io
from pipeline.context import StageContext
from pipeline.sample import write_sample
from pipeline.stages import clean_stage

ROOT = Path(__file__).resolve().parents[1]
PLANTED_AS = {
    "invalid_check_digit": "INVALID_ID",
    "id_mangled_by_spreadsheet": "ID_AS_NUMBER",
    "unknown_school": "UNKNOWN_SCHOOL",
    "out_of_window": "OUT_OF_WINDOW",
    "implausible_age": "IMPLAUSIBLE_AGE",
    "level_not_allowed": "LEVEL_NOT_ALLOWED",
    "short_training": "SHORT_TRAINING",
    "bad_date": "BAD_DATE",
    "unknown_target_group": "UNKNOWN_TARGET_GROUP",
}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    d = tmp_path_factory.mktemp("sample")
    planted = write_sample(d / "data", seed=5, rows=3000)["planted"]
    ctx = StageContext.from_params("2020-04", d / "data" / "raw", d / "data" / "reference",
                                   ROOT / "config", d / "processed", d / "out")
    totals = clean_stage(ctx)
    return planted, totals, ctx


def test_every_file_reconciles(run):
    _, totals, ctx = run
    recon = io.read_csv(ctx.out_dir / "reconciliation.csv")
    assert (recon["raw_rows"] == recon["clean_rows"] + recon["quarantined_rows"]
            + recon["superseded_rows"]).all()
    assert recon["raw_rows"].sum() == totals["raw_rows"] == 3000
    assert recon["skipped_lines"].sum() > 0  # printed-form rosters have footers and blanks


def test_every_planted_kind_of_dirt_is_found(run):
    planted, _, ctx = run
    q = pd.read_csv(ctx.out_dir / "quarantine.csv", encoding="utf-8-sig")
    found = Counter(c for r in q["reasons"] for c in r.split(";"))
    for kind, reason in PLANTED_AS.items():
        assert 0 < found[reason], reason
        if reason != "INVALID_ID":
            assert found[reason] <= planted[kind], reason
    assert found["INVALID_ID"] <= planted["invalid_check_digit"] + planted[
        "id_mangled_by_spreadsheet"]
    assert found["CROSS_SCHOOL_DUPLICATE"] == planted["cross_school_students"]
    report = io.read_json(ctx.out_dir / "ingest_report.json")
    assert report["gender_mismatch_rows"] == planted["gender_mismatch_rows"]
    assert 0 < sum(m["rows"] for m in report["unmapped_majors"]) <= planted["unknown_major_rows"]
    assert report["skipped_sheets"]  # the instruction sheets of multi-sheet workbooks
