"""``kuozhao bench``: the read floor against the stages on the same synthetic files.

The data is generated in a child process so that the peak memory reported is the
benchmark's own (reading and the stages), not the generator's. The stage functions are called
in one place, :func:`_stage_calls`.
"""

from __future__ import annotations

import io as _io
import logging
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from pipeline import resources
from pipeline.ingest import decode_bytes, raw_files
from pipeline.settings import CONFIG_FILES

Progress = Callable[[str], None]


def read_floor(raw_dir: Path, period: str) -> float:
    """Seconds to read every raw file with the fastest plain reader (pyarrow CSV engine,
    calamine for workbooks), as text, no cleaning."""
    t0 = time.perf_counter()
    for _, path in raw_files(raw_dir, period):
        if path.suffix.lower() == ".csv":
            data = path.read_bytes()
            try:
                data.decode("utf-8")
                source = _io.BytesIO(data)
            except UnicodeDecodeError:
                source = _io.BytesIO(decode_bytes(data, path.name)[0].encode("utf-8"))
            pd.read_csv(source, engine="pyarrow", dtype=str, header=None,
                        on_bad_lines="skip")
        else:
            pd.read_excel(path, engine="calamine", dtype=str, sheet_name=None, header=None)
    return time.perf_counter() - t0


class _StepLog(logging.Handler):
    """Passes the stages' step timings (debug records ``step …``) to the progress lines."""

    def __init__(self, progress: Progress):
        super().__init__(logging.DEBUG)
        self.progress = progress

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if record.levelno == logging.DEBUG and message.startswith("step "):
            self.progress("  " + message[5:])


def peak_mb() -> float:
    """Peak resident memory of this process in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _generate(data: Path, rows: int, seed: int) -> None:
    """The synthetic sample, written by a child process (its memory is not the bench's)."""
    subprocess.run(
        [sys.executable, "-m", "pipeline", "sample", "--out", str(data),
         "--rows", str(rows), "--seed", str(seed)], check=True, stdout=subprocess.DEVNULL,
    )


def _import_ahead(stages: tuple[str, ...]) -> None:
    """Import what the stages' kernels import before their turn (``run.WARM_IMPORTS``)."""
    import importlib

    from pipeline.run import WARM_IMPORTS

    for stage in stages:
        for module in WARM_IMPORTS[stage]:
            importlib.import_module(module)


def _config(work: Path) -> Path:
    """A copy of the shipped configuration in ``work/config`` (its salt is made there)."""
    config = work / "config"
    config.mkdir(exist_ok=True)
    for name in CONFIG_FILES:
        shutil.copy(resources.default_config_dir() / name, config / name)
    return config


def _latest_period(raw: Path) -> str:
    return sorted(p.name for p in raw.iterdir() if p.is_dir())[-1]


def _stage_calls(data: Path, config: Path, scratch: Path, period: str,
                 every: bool) -> list[tuple[str, Callable[[], object]]]:
    """The stage functions on the sample in ``data``, as named calls writing under
    ``scratch``: all five as a run calls them (``every``), else stages 01–03 without Data
    Docs (the bench's per-row work). The one place that knows :mod:`pipeline.stages`."""
    from pipeline import stages as S
    from pipeline.context import StageContext

    ctx = StageContext.from_params(
        period=period, raw_dir=data / "raw", reference_dir=data / "reference",
        config_dir=config, processed_dir=scratch / "processed",
        out_dir=scratch / "reports" / period,
    )
    calls = [("clean", lambda: S.clean_stage(ctx)),
             ("validate", lambda: S.validate_stage(ctx, data_docs=every)),
             ("fulfilment", lambda: S.fulfilment_stage(ctx))]
    if every:
        calls += [("rewards", lambda: S.rewards_stage(ctx)),
                  ("bulletin", lambda: S.bulletin_stage(ctx))]
    return calls


def overhead(rows: int = 200, seed: int = 20190901,
             progress: Progress = lambda line: None) -> str:
    """The fixed overhead of ``kuozhao run``: a small sample published end to end (kernels,
    papermill, notebooks, manifest) against the five stage functions called in this process
    on the same files (their second call: imports and first-call set-up count as overhead).
    Returns ``overhead rows=N run_s=X stages_s=Y overhead_s=X-Y``."""
    from pipeline.run import STAGES, run_period

    _import_ahead(STAGES)
    work = Path(tempfile.mkdtemp(prefix="kuozhao-overhead-"))
    try:
        data = work / "data"
        _generate(data, rows, seed)
        period = _latest_period(data / "raw")
        config = _config(work)
        stages_s = 0.0
        for attempt in ("warm-up", "timed"):
            calls = _stage_calls(data, config, work / attempt, period, every=True)
            t0 = time.perf_counter()
            for _, call in calls:
                call()
            stages_s = time.perf_counter() - t0
        progress(f"stages in this process {stages_s:.2f} s")
        t0 = time.perf_counter()
        run_period(period, data / "raw", data / "reference", config, work / "run" / "processed",
                   work / "run" / "reports")
        run_s = time.perf_counter() - t0
        progress(f"kuozhao run {run_s:.2f} s")
        return (f"overhead rows={rows} run_s={run_s:.2f} stages_s={stages_s:.2f} "
                f"overhead_s={run_s - stages_s:.2f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _with_major(raw: Path, period: str, config: Path, major: str) -> str:
    """Write ``major`` into the first record of the period's first CSV roster (the sample's
    files are comma-separated); the file's name. The column is found through the header map,
    as the reader finds it."""
    import csv

    from pipeline.ingest.headers import HeaderMap, find_header
    from pipeline.settings import load_settings

    cfg = load_settings(config).pipeline
    hmap = HeaderMap(cfg.header_map, cfg.required_fields, cfg.month_headers)
    path = sorted((raw / period).rglob("*.csv"))[0]
    text, encoding = decode_bytes(path.read_bytes(), path.name)
    grid = list(csv.reader(_io.StringIO(text)))
    top = find_header(grid, hmap)
    column = hmap.columns(grid[top])["major"][0]
    grid[top + 1][column] = major
    out = _io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(grid)
    path.write_text(out.getvalue(), encoding=encoding)
    return path.name


def long_cell(rows: int = 1500, seed: int = 20190901, repeats: int = 3, length: int = 10_000,
              progress: Progress = lambda line: None) -> str:
    """Issue 16's long cell: the five stages (as a run calls them, in this process) on a
    month whose first record has an unknown major of ``length`` characters, against the same
    month with a short unknown major; alternated ``repeats`` times after a warm-up. Returns
    ``long_cell rows=N chars=L short_s=a–b long_s=c–d ratio=e–f`` (ranges over the repeats)."""
    work = Path(tempfile.mkdtemp(prefix="kuozhao-longcell-"))
    try:
        _import_ahead(("01_clean", "02_validate", "03_fulfilment", "04_rewards", "05_bulletin"))
        config = _config(work)
        majors = {"short": "未收录的短专业", "long": "机" * length}
        datasets = {name: work / name for name in majors}
        for data in datasets.values():
            _generate(data, rows, seed)
        period = _latest_period(datasets["short"] / "raw")
        for name, major in majors.items():
            _with_major(datasets[name] / "raw", period, config, major)
        times: dict[str, list[float]] = {"short": [], "long": []}
        for attempt in range(repeats + 1):
            for name, data in datasets.items():
                calls = _stage_calls(data, config, work / f"{name}-{attempt}", period, every=True)
                t0 = time.perf_counter()
                for _, call in calls:
                    call()
                seconds = time.perf_counter() - t0
                if attempt:  # the first round warms up
                    times[name].append(seconds)
                    progress(f"{name} cell, run {attempt}: {seconds:.2f} s")
        ratios = [lo / sh for lo, sh in zip(times["long"], times["short"], strict=True)]

        def span(values: list[float]) -> str:
            return f"{min(values):.2f}–{max(values):.2f}"

        return (f"long_cell rows={rows} chars={length} short_s={span(times['short'])} "
                f"long_s={span(times['long'])} ratio={span(ratios)}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _timed_stages(calls: list[tuple[str, Callable[[], object]]], progress: Progress) -> float:
    """Run the calls with the stages' step timings passed to ``progress``; their seconds."""
    stage_log = logging.getLogger("pipeline.stages")
    steps = _StepLog(progress)
    stage_log.addHandler(steps)
    level, stage_log.level = stage_log.level, logging.DEBUG
    total = 0.0
    try:
        for name, call in calls:
            t0 = time.perf_counter()
            call()
            seconds = time.perf_counter() - t0
            total += seconds
            progress(f"{name} {seconds:.2f} s")
    finally:
        stage_log.removeHandler(steps)
        stage_log.setLevel(level)
    return total


def bench(rows: int, seed: int = 20190901, keep: Path | None = None,
          progress: Progress = lambda line: None) -> str:
    """Generate, read, run stages 01–03 in this process; return the result line.

    The stages' libraries are imported before the clock starts, as in ``kuozhao run``, where
    each stage's kernel imports them while the previous stage runs (their cost is the fixed
    overhead, measured apart from the per-row work timed here).
    """
    _import_ahead(("01_clean", "02_validate", "03_fulfilment"))
    work = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="kuozhao-bench-"))
    try:
        data = work / "data"
        if not (data / "raw").is_dir():
            progress(f"generating {rows} rows …")
            t0 = time.perf_counter()
            _generate(data, rows, seed)
            progress(f"generated in {time.perf_counter() - t0:.1f} s")
        period = _latest_period(data / "raw")
        read_s = read_floor(data / "raw", period)
        progress(f"read floor {read_s:.2f} s")
        calls = _stage_calls(data, _config(work), work, period, every=False)
        pipeline_s = _timed_stages(calls, progress)
        return (f"bench rows={rows} read_s={read_s:.2f} pipeline_s={pipeline_s:.2f} "
                f"ratio={pipeline_s / read_s:.2f} peak_mb={peak_mb():.0f}")
    finally:
        if keep is None:
            shutil.rmtree(work, ignore_errors=True)
