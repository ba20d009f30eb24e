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

from pipeline.context import StageContext
from pipeline.ingest import decode_bytes, raw_files

CONFIG = Path(__file__).resolve().parent.parent / "config"


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


def bench(rows: int, seed: int = 20190901, keep: Path | None = None,
          progress: Callable[[str], None] = lambda line: None) -> str:
    """Generate, read, run stages 01–03 in this process; return the result line.

    The stages' libraries are imported before the clock starts, as in ``kuozhao run``, where
    each stage's kernel imports them while the previous stage runs (their cost is the fixed
    overhead, measured apart from the per-row work timed here).
    """
    import importlib

    from pipeline.run import WARM_IMPORTS
    from pipeline.stages import clean_stage, fulfilment_stage, validate_stage

    for stage in ("01_clean", "02_validate", "03_fulfilment"):
        for module in WARM_IMPORTS[stage]:
            importlib.import_module(module)

    work = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="kuozhao-bench-"))
    try:
        data = work / "data"
        if not (data / "raw").is_dir():
            progress(f"generating {rows} rows …")
            t0 = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "pipeline", "sample", "--out", str(data),
                 "--rows", str(rows), "--seed", str(seed)], check=True,
            )
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
