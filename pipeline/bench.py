"""``kuozhao bench``: the read floor against the stages on the same synthetic files.

The data is generated in a child process so that the peak memory reported is the
benchmark's own (reading and the stages), not the generator's.
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
from pipeline.context import StageContext
from pipeline.ingest import decode_bytes, raw_files

CONFIG = resources.default_config_dir()


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

    def __init__(self, progress: Callable[[str], None]):
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


def overhead(rows: int = 200, seed: int = 20190901,
             progress: Callable[[str], None] = lambda line: None) -> str:
    """The fixed overhead of ``kuozhao run``: a small sample published end to end (kernels,
    papermill, notebooks, manifest) against the five stage functions called in this process
    on the same files (their second call: imports and first-call set-up count as overhead).
    Returns ``overhead rows=N run_s=X stages_s=Y overhead_s=X-Y``."""
    from pipeline import stages as S
    from pipeline.run import STAGES, run_period

    _import_ahead(STAGES)
    work = Path(tempfile.mkdtemp(prefix="kuozhao-overhead-"))
    try:
        data = work / "data"
        _generate(data, rows, seed)
        period = sorted(p.name for p in (data / "raw").iterdir() if p.is_dir())[-1]
        config = work / "config"
        config.mkdir()
        for name in ("pipeline.yaml", "rewards.yaml"):
            shutil.copy(CONFIG / name, config / name)
        stages_s = 0.0
        for attempt in ("warm-up", "timed"):
            ctx = StageContext.from_params(
                period=period, raw_dir=data / "raw", reference_dir=data / "reference",
                config_dir=config, processed_dir=work / attempt / "processed",
                out_dir=work / attempt / "reports" / period,
            )
            t0 = time.perf_counter()
            for stage in (S.clean_stage, S.validate_stage, S.fulfilment_stage,
                          S.rewards_stage, S.bulletin_stage):
                stage(ctx)
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


def bench(rows: int, seed: int = 20190901, keep: Path | None = None,
          progress: Callable[[str], None] = lambda line: None) -> str:
    """Generate, read, run stages 01–03 in this process; return the result line.

    The stages' libraries are imported before the clock starts, as in ``kuozhao run``, where
    each stage's kernel imports them while the previous stage runs (their cost is the fixed
    overhead, measured apart from the per-row work timed here).
    """
    from pipeline.stages import clean_stage, fulfilment_stage, validate_stage

    _import_ahead(("01_clean", "02_validate", "03_fulfilment"))

    work = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="kuozhao-bench-"))
    try:
        data = work / "data"
        if not (data / "raw").is_dir():
            progress(f"generating {rows} rows …")
            t0 = time.perf_counter()
            _generate(data, rows, seed)
            progress(f"generated in {time.perf_counter() - t0:.1f} s")
        period = sorted(p.name for p in (data / "raw").iterdir() if p.is_dir())[-1]
        read_s = read_floor(data / "raw", period)
        progress(f"read floor {read_s:.2f} s")
        (work / "config").mkdir(exist_ok=True)
        for name in ("pipeline.yaml", "rewards.yaml"):
            shutil.copy(CONFIG / name, work / "config" / name)
        ctx = StageContext.from_params(
            period=period, raw_dir=data / "raw", reference_dir=data / "reference",
            config_dir=work / "config", processed_dir=work / "processed",
            out_dir=work / "reports" / period,
        )
        stage_log = logging.getLogger("pipeline.stages")
        steps = _StepLog(progress)
        stage_log.addHandler(steps)
        level, stage_log.level = stage_log.level, logging.DEBUG
        timings = {}
        for name, stage in (("clean", clean_stage),
                            ("validate", lambda c: validate_stage(c, data_docs=False)),
                            ("fulfilment", fulfilment_stage)):
            t0 = time.perf_counter()
            stage(ctx)
            timings[name] = time.perf_counter() - t0
            progress(f"{name} {timings[name]:.2f} s")
        stage_log.removeHandler(steps)
        stage_log.setLevel(level)
        pipeline_s = sum(timings.values())
        return (f"bench rows={rows} read_s={read_s:.2f} pipeline_s={pipeline_s:.2f} "
                f"ratio={pipeline_s / read_s:.2f} peak_mb={peak_mb():.0f}")
    finally:
        if keep is None:
            shutil.rmtree(work, ignore_errors=True)
