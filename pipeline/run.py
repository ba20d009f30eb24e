"""Orchestration: papermill runs the five stage notebooks into a staging folder, and the
period's outputs replace the published ones only when every stage succeeded."""

from __future__ import annotations

import contextlib
import importlib.metadata as md
import os
import platform
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from pipeline import __version__, io, resources
from pipeline.config import load_pipeline_config
from pipeline.context import StageContext
from pipeline.errors import (
    ConfigError,
    InputError,
    KuozhaoError,
    StageFailed,
    ValidationFailed,
)
from pipeline.ingest import periods_in, raw_files
from pipeline.stages import as_of

STAGES = ("01_clean", "02_validate", "03_fulfilment", "04_rewards", "05_bulletin")
NOTEBOOKS = resources.notebooks_dir()
PACKAGES = (
    "pandas", "pyarrow", "numpy", "papermill", "nbconvert", "great-expectations", "matplotlib",
    "weasyprint", "openpyxl", "python-calamine", "opencc", "charset-normalizer", "pyyaml",
    "jinja2",
)


def kernel_name() -> str:
    """The project's kernel if registered, else the default Python kernel of this env."""
    from jupyter_client.kernelspec import find_kernel_specs

    return "kuozhao" if "kuozhao" in find_kernel_specs() else "python3"


@contextlib.contextmanager
def period_lock(out_root: Path, period: str) -> Iterator[None]:
    """Stop two runs of the same period from clashing (a stale lock is taken over)."""
    out_root.mkdir(parents=True, exist_ok=True)
    lock = out_root / f".{period}.lock"
    for _ in range(2):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            try:
                pid = int(lock.read_text().strip() or 0)
            except (OSError, ValueError):
                pid = 0
            if pid and _alive(pid):
                raise InputError(
                    f"{lock}: another run of period {period} is in progress (pid {pid})"
                ) from None
            lock.unlink(missing_ok=True)
            continue
        os.write(fd, str(os.getpid()).encode())
        os.close(fd)
        break
    try:
        yield
    finally:
        lock.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _swap(staged: Path, final: Path) -> None:
    """Move a finished folder into place; the old one is removed only afterwards."""
    old = final.with_name(f".old-{final.name}-{os.getpid()}")
    if final.exists():
        final.rename(old)
    staged.rename(final)
    if old.exists():
        shutil.rmtree(old)


def versions() -> dict[str, str]:
    """Versions of Python, kuozhao and the libraries that shape the figures."""
    out = {"python": platform.python_version(), "kuozhao": __version__}
    for pkg in PACKAGES:
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def _strip_timing(nb_path: Path) -> None:
    """Drop papermill's wall-clock metadata and random ids so reruns give identical
    notebooks."""
    import nbformat

    nb = nbformat.read(nb_path, as_version=4)
    nb.metadata.get("papermill", {}).pop("start_time", None)
    nb.metadata.get("papermill", {}).pop("end_time", None)
    nb.metadata.get("papermill", {}).pop("duration", None)
    nb.metadata.get("papermill", {}).pop("input_path", None)
    nb.metadata.get("papermill", {}).pop("output_path", None)
    for cell in nb.cells:
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell["id"] = "injected-parameters"  # papermill gives it a random id
        cell.metadata.pop("execution", None)
        pm = cell.metadata.get("papermill")
        if pm:
            for key in ("start_time", "end_time", "duration"):
                pm.pop(key, None)
    nbformat.write(nb, nb_path)


# What each stage's kernel imports while the previous stage runs (its start-up and imports
# then cost nothing on the critical path; they bind no name in the notebook's namespace).
WARM_IMPORTS = {
    "01_clean": ("pipeline.stages", "pipeline.warmup", "python_calamine", "pyarrow.csv",
                 "pyarrow.parquet"),
    "02_validate": ("pipeline.stages", "pipeline.validate", "great_expectations"),
    "03_fulfilment": ("pipeline.stages", "pipeline.fulfilment"),
    "04_rewards": ("pipeline.stages", "pipeline.rewards"),
    "05_bulletin": ("pipeline.stages", "pipeline.render", "matplotlib", "weasyprint"),
}


LOOKAHEAD = 1  # kernels started ahead of their turn (more gave nothing measurable)


class WarmKernel:
    """A stage's kernel, started ahead of its turn and importing its libraries meanwhile."""

    def __init__(self, kernel: str, modules: tuple[str, ...]):
        import subprocess

        import zmq
        import zmq.asyncio
        from jupyter_client import BlockingKernelClient
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_core.utils import run_sync

        self._run_sync = run_sync
        # Its own zmq context, sockets not lingering: papermill's client of a kernel it did
        # not start is left to the garbage collector, whose clean-up must neither touch the
        # next run's sockets nor wait on messages to a stopped kernel.
        context = zmq.asyncio.Context()
        context.setsockopt(zmq.LINGER, 0)  # closing never waits on a stopped kernel
        self.km = AsyncKernelManager(kernel_name=kernel, context=context)
        run_sync(self.km.start_kernel)(cwd=str(NOTEBOOKS), stderr=subprocess.DEVNULL)
        # A client of its own (own zmq context): sharing the manager's would leave that
        # context half-destroyed for the next run in the same process.
        self.kc = BlockingKernelClient()
        self.kc.load_connection_info(self.km.get_connection_info())
        self.kc.start_channels()
        code = ("import importlib as _k\n"
                f"for _m in {modules!r}:\n    _k.import_module(_m)\n"
                "del _k, _m")
        self.kc.execute(code, silent=True, store_history=False)

    def shutdown(self) -> None:
        """Stop the kernel (idempotent)."""
        if self.kc is not None:
            self.kc.stop_channels()
            self.kc = None
        if self.km.has_kernel:
            self._run_sync(self.km.shutdown_kernel)(now=True)


def execute_stage(stage: str, params: dict, out_dir: Path, warm: WarmKernel) -> Path:
    """Run one stage notebook with papermill in its warmed kernel; StageFailed (or the
    stage's own error type) with one line on failure."""
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    nb_out = out_dir / "notebooks" / f"{stage}.ipynb"
    nb_out.parent.mkdir(parents=True, exist_ok=True)
    try:
        pm.execute_notebook(
            str(NOTEBOOKS / f"{stage}.ipynb"), str(nb_out), parameters=params,
            kernel_name=warm.km.kernel_name, cwd=str(NOTEBOOKS), progress_bar=False,
            log_output=False, start_timeout=120, km=warm.km,
        )
    except PapermillExecutionError as exc:
        error = {"ValidationFailed": ValidationFailed, "InputError": InputError,
                 "ConfigError": ConfigError}.get(exc.ename, StageFailed)
        detail = str(exc.evalue).strip().splitlines()[0] if str(exc.evalue).strip() else ""
        raise error(f"stage {stage} failed: {exc.ename}: {detail} "
                    f"(executed notebook: {{notebook}})") from None
    _strip_timing(nb_out)
    return nb_out


def run_period(
    period: str | None,
    raw_dir: Path,
    reference_dir: Path,
    config_dir: Path,
    processed_dir: Path,
    out_root: Path,
    lang: str | None = None,
    skip_unreadable: bool = False,
    progress: Callable[[str], None] = lambda line: None,
) -> Path:
    """Run every stage for one period and publish ``out_root/<period>`` atomically."""
    cfg = load_pipeline_config(config_dir)
    found = periods_in(raw_dir)
    if not found:
        raise InputError(f"{raw_dir}: no monthly folders (YYYY-MM) of raw submissions")
    period = period or found[-1]
    if period not in found:
        raise InputError(f"{raw_dir}: no folder for period {period} "
                         f"(found {found[0]} … {found[-1]})")
    lang = lang or cfg.lang
    io.read_schools(reference_dir, tuple(cfg.levels_by_school_type), cfg.target)
    io.read_majors(reference_dir, cfg.industries)
    from pipeline.rewards import load_reward_policy

    load_reward_policy(Path(config_dir) / "rewards.yaml")
    out_root, processed_dir = Path(out_root).resolve(), Path(processed_dir).resolve()
    with period_lock(out_root, period):
        # Fixed names (the lock makes them exclusive): the paths appear in the executed
        # notebooks' parameters, which must not change from one run to the next.
        stage_out = out_root / f".staging-{period}"
        stage_proc = processed_dir / f".staging-{period}"
        for d in (stage_out, stage_proc):
            shutil.rmtree(d, ignore_errors=True)
        stage_out.mkdir(parents=True)
        stage_proc.mkdir(parents=True)
        params = {
            "period": period, "raw_dir": str(Path(raw_dir).resolve()),
            "reference_dir": str(Path(reference_dir).resolve()),
            "config_dir": str(Path(config_dir).resolve()),
            "processed_dir": str(stage_proc), "out_dir": str(stage_out),
            "lang": lang, "skip_unreadable": bool(skip_unreadable),
        }
        StageContext.from_params(**params)
        kernel = kernel_name()
        timings = {}
        warm: dict[str, WarmKernel] = {}
        try:
            for i, stage in enumerate(STAGES, 1):
                progress(f"[{i}/{len(STAGES)}] {period} {stage} …")
                t0 = time.perf_counter()
                # This stage's kernel and the next LOOKAHEAD ones warm up while it runs.
                for ahead in STAGES[i - 1:i + LOOKAHEAD]:
                    if ahead not in warm:
                        warm[ahead] = WarmKernel(kernel, WARM_IMPORTS[ahead])
                try:
                    execute_stage(stage, params, stage_out, warm[stage])
                except KuozhaoError as exc:
                    failed = out_root / f"{period}.failed"
                    shutil.rmtree(failed, ignore_errors=True)
                    stage_out.rename(failed)
                    nb = failed / "notebooks" / f"{stage}.ipynb"
                    raise type(exc)(str(exc).replace("{notebook}", str(nb))) from None
                warm.pop(stage).shutdown()
                timings[stage] = round(time.perf_counter() - t0, 2)
                progress(f"[{i}/{len(STAGES)}] {period} {stage} done in {timings[stage]:.1f} s")
            write_manifest(stage_out, params, raw_dir, reference_dir, config_dir, period,
                           timings)
            _swap(stage_proc / period, processed_dir / period)
            _swap(stage_out, out_root / period)
            shutil.rmtree(out_root / f"{period}.failed", ignore_errors=True)
        finally:
            for kernel_left in warm.values():
                kernel_left.shutdown()
            shutil.rmtree(stage_out, ignore_errors=True)
            shutil.rmtree(stage_proc, ignore_errors=True)
    return out_root / period


def write_manifest(out_dir: Path, params: dict, raw_dir: Path, reference_dir: Path,
                   config_dir: Path, period: str, timings: dict) -> None:
    """``manifest.json``: inputs with SHA-256, parameters, versions, timings per stage."""
    inputs = [{"file": f"raw/{sf}", "sha256": io.sha256(p)} for sf, p in
              raw_files(Path(raw_dir), period)]
    for name in ("schools.csv", "majors.csv"):
        p = Path(reference_dir) / name
        inputs.append({"file": f"reference/{name}", "sha256": io.sha256(p)})
    for name in ("pipeline.yaml", "rewards.yaml"):
        p = Path(config_dir) / name
        inputs.append({"file": f"config/{name}", "sha256": io.sha256(p)})
    outputs = sorted(
        str(p.relative_to(out_dir)) for p in out_dir.rglob("*")
        if p.is_file() and "data_docs" not in p.parts
    )
    public = {k: v for k, v in params.items() if k not in ("out_dir", "processed_dir")}
    io.write_json(out_dir / "manifest.json", {
        "period": period,
        "parameters": public,
        "inputs": inputs,
        "outputs": outputs,
        "versions": versions(),
        "timings_s": timings,
        "note": "timings_s is the only wall-clock value in the outputs",
        "generated_by": f"kuozhao {__version__} on {sys.platform}",
        "as_of": as_of(period).isoformat(),
    })
