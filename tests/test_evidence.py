"""Evidence behind every count (issue 15): each school's workbook lists the records of each
count of its reward decision, and its totals equal the report's inputs to the person."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from pipeline.context import StageContext
from pipeline.fulfilment import MEASURES
from pipeline.stages import clean_stage, files_of, fulfilment_stage, rewards_stage

ROOT = Path(__file__).resolve().parents[1]
CASE = ROOT.parent / "shared" / "acceptance" / "case-2020"
ID_RE = r"^[0-9]{6}\*{8}[0-9]{3}[0-9X]$"


@pytest.mark.skipif(not CASE.is_dir(), reason="acceptance case not found")
def test_evidence_totals_equal_the_reward_inputs_and_ids_are_masked(tmp_path):
    import re

    ctx = StageContext.from_params("2019-10", CASE / "raw", CASE / "reference", ROOT / "config",
                                   tmp_path / "processed", tmp_path / "out" / "2019-10")
    clean_stage(ctx)
    fulfilment_stage(ctx)
    rewards_stage(ctx)
    files = files_of(ctx)
    inputs = files.read("reward_inputs").set_index("school_id")
    for sid, row in inputs.iterrows():
        wb = load_workbook(files.path("evidence", sid), read_only=True)
        counted = list(wb["计入记录"].iter_rows(values_only=True))
        totals = dict(zip(MEASURES, counted[0][-len(MEASURES):], strict=True))
        assert totals == {m: int(row[m]) for m in MEASURES}, sid
        body = counted[2:]
        assert sum(r[-len(MEASURES)] for r in body) == row["c"]
        assert all(re.match(ID_RE, r[0]) for r in body)
        sent = list(wb["报送记录"].iter_rows(values_only=True))
        assert len(sent) - 2 == row["standing"]
        assert sum(r[4] == "待更正" for r in sent[2:]) == row["quarantined"]
