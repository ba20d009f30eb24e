"""``kuozhao bench``: the result lines, measured for real on small synthetic data."""

from __future__ import annotations

import re

import pytest

from pipeline.bench import bench, overhead

NUMBER = r"(\d+\.\d+)"


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
