"""``kuozhao bench``: the result lines, measured for real on small synthetic data."""

from __future__ import annotations

import logging
import re

import pytest

from pipeline.tools.bench import _StepLog, bench, overhead

NUMBER = r"(\d+\.\d+)"


def test_only_the_stages_step_timings_reach_the_progress_lines():
    lines: list[str] = []
    log = logging.getLogger("test_tools_bench")
    log.setLevel(logging.DEBUG)
    handler = _StepLog(lines.append)
    log.addHandler(handler)
    try:
        log.debug("step ingest 0.42 s")
        log.debug("reading S01_201909.csv")
        log.info("step shown at info is not a timing")
    finally:
        log.removeHandler(handler)
    assert lines == ["  ingest 0.42 s"]


@pytest.mark.slow
def test_bench_line_and_step_timings(tmp_path):
    lines: list[str] = []
    got = bench(3000, keep=tmp_path / "bench", progress=lines.append)
    m = re.fullmatch(rf"bench rows=3000 read_s={NUMBER} pipeline_s={NUMBER} "
                     rf"ratio={NUMBER} peak_mb=(\d+)", got)
    assert m, got
    read_s, pipeline_s, ratio = (float(m.group(i)) for i in (1, 2, 3))
    assert read_s > 0 and pipeline_s > 0
    assert ratio == pytest.approx(pipeline_s / read_s, rel=0.2)  # from unrounded times
    steps = [line.split()[0] for line in lines if line.startswith("  ")]
    assert steps[:4] == ["ingest", "prepare", "resolve", "finish"]
    assert [line.split()[0] for line in lines if line.split()[-1] == "s"
            and not line.startswith(" ")][-3:] == ["clean", "validate", "fulfilment"]
    # The stages wrote their files, and the kept data is reused by a second call.
    assert (tmp_path / "bench" / "processed").is_dir()
    again = bench(3000, keep=tmp_path / "bench")
    assert again.startswith("bench rows=3000 ")


@pytest.mark.slow
def test_overhead_line_is_run_minus_stages():
    got = overhead(rows=120)
    m = re.fullmatch(rf"overhead rows=120 run_s={NUMBER} stages_s={NUMBER} "
                     rf"overhead_s=(-?\d+\.\d+)", got)
    assert m, got
    run_s, stages_s, over = (float(m.group(i)) for i in (1, 2, 3))
    assert run_s > stages_s > 0
    assert over == pytest.approx(run_s - stages_s, abs=0.02)


def test_the_long_cell_goes_into_the_first_record_of_a_roster(tmp_path):
    """The long-cell bench writes its cell where the reader finds the major."""
    from conftest import TIDY_HEADER, record, roster_line, write_csv

    from pipeline.tools.bench import _config, _with_major

    roster = write_csv(tmp_path / "raw" / "2020-04" / "HX01.csv",
                       [TIDY_HEADER, roster_line(record()), roster_line(record())])
    assert _with_major(tmp_path / "raw", "2020-04", _config(tmp_path), "机" * 500) == "HX01.csv"
    rows = roster.read_text(encoding="utf-8").splitlines()
    major = TIDY_HEADER.index("专业")
    assert rows[1].split(",")[major] == "机" * 500
    assert rows[2].split(",")[major] != "机" * 500
