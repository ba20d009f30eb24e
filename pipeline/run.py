"""Orchestration: papermill runs the five stage notebooks into staging folders, and the
period's outputs replace the published ones only when every stage succeeded."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pipeline import io
from pipeline.errors import InputError, KuozhaoError
from pipeline.ingest import periods_in
from pipeline.kernels import (
    LOOKAHEAD,
    STAGES,
    WARM_IMPORTS,
    WarmKernel,
    execute_stage,
    kernel_name,
)
from pipeline.lock import period_lock
from pipeline.manifest import write_manifest
from pipeline.settings import config_dir_for, load_settings, salt_dir_for

__all__ = ["STAGES", "WARM_IMPORTS", "run_period"]


def choose_period(raw_dir: Path, period: str | None) -> str:
    """The period asked for (checked against the raw folder), else the latest found."""
    found = periods_in(raw_dir)
    if not found:
        raise InputError(f"{raw_dir}: no monthly folders (YYYY-MM) of raw submissions")
    period = period or found[-1]
    if period not in found:
        raise InputError(f"{raw_dir}: no folder for period {period} "
                         f"(found {found[0]} … {found[-1]})")
    return period


def _swap(staged: Path, final: Path) -> None:
    """Move a finished folder into place; the old one is removed only afterwards."""
    old = final.with_name(f".old-{final.name}-{os.getpid()}")
    if final.exists():
        final.rename(old)
    staged.rename(final)
    if old.exists():
        shutil.rmtree(old)


@dataclass(frozen=True)
class Staging:
    """Where a run writes before it publishes: fixed names (the lock makes them exclusive),
    because the paths appear in the executed notebooks' parameters, which must not change
    from one run to the next."""

    out_root: Path
    processed_root: Path
    period: str

    @property
    def out(self) -> Path:
        """The staged output folder of the period."""
        return self.out_root / f".staging-{self.period}"

    @property
    def processed(self) -> Path:
        """The staged processed folder (holding ``<period>/``)."""
        return self.processed_root / f".staging-{self.period}"

    def create(self) -> None:
        """Empty staging folders (a killed run's leftovers removed)."""
        for d in (self.out, self.processed):
            shutil.rmtree(d, ignore_errors=True)
            d.mkdir(parents=True)

    def publish(self) -> Path:
        """Move the staged folders into place; the published output folder."""
        _swap(self.processed / self.period, self.processed_root / self.period)
        _swap(self.out, self.out_root / self.period)
        shutil.rmtree(self.out_root / f"{self.period}.failed", ignore_errors=True)
        return self.out_root / self.period

    def keep_failed(self) -> Path:
        """Keep a failed run's output folder as ``<period>.failed``."""
        failed = self.out_root / f"{self.period}.failed"
        shutil.rmtree(failed, ignore_errors=True)
        self.out.rename(failed)
        return failed

    def remove(self) -> None:
        """Remove what is left of the staging folders."""
        shutil.rmtree(self.out, ignore_errors=True)
        shutil.rmtree(self.processed, ignore_errors=True)


def run_period(  # noqa: PLR0913 - the command line's options, one by one
    period: str | None,
    raw_dir: Path,
    reference_dir: Path,
    config_dir: Path | None,
    processed_dir: Path,
    out_root: Path,
    *,
    lang: str | None = None,
    skip_unreadable: bool = False,
    progress: Callable[[str], None] = lambda line: None,
) -> Path:
    """Run every stage for one period and publish ``out_root/<period>`` atomically."""
    config_dir = config_dir_for(config_dir)
    settings = load_settings(config_dir)
    cfg = settings.pipeline
    period = choose_period(raw_dir, period)
    io.read_schools(reference_dir, tuple(cfg.levels_by_school_type), cfg.target)
    io.read_majors(reference_dir, cfg.industries)
    out_root, processed_dir = Path(out_root).resolve(), Path(processed_dir).resolve()
    with period_lock(out_root, period):
        staging = Staging(out_root, processed_dir, period)
        staging.create()
        params = {
            "period": period, "raw_dir": str(Path(raw_dir).resolve()),
            "reference_dir": str(Path(reference_dir).resolve()),
            "config_dir": str(Path(config_dir).resolve()),
            "processed_dir": str(staging.processed), "out_dir": str(staging.out),
            "lang": lang or cfg.lang, "skip_unreadable": bool(skip_unreadable),
            "salt_dir": str(salt_dir_for(config_dir, processed_dir).resolve()),
        }
        try:
            timings = run_stages(params, staging, progress)
            write_manifest(staging.out, params, period, timings)
            return staging.publish()
        finally:
            staging.remove()


def run_stages(params: dict, staging: Staging, progress: Callable[[str], None]
               ) -> dict[str, float]:
    """Every stage in order, each in a kernel warmed while the previous one ran; the
    timings. A failed stage keeps the run's folder as ``<period>.failed`` and names its
    executed notebook."""
    kernel, period = kernel_name(), params["period"]
    timings: dict[str, float] = {}
    warm: dict[str, WarmKernel] = {}
    try:
        for i, stage in enumerate(STAGES, 1):
            progress(f"[{i}/{len(STAGES)}] {period} {stage} …")
            t0 = time.perf_counter()
            for ahead in STAGES[i - 1:i + LOOKAHEAD]:
                if ahead not in warm:
                    warm[ahead] = WarmKernel(kernel, WARM_IMPORTS[ahead])
            try:
                execute_stage(stage, params, staging.out, warm[stage])
            except KuozhaoError as exc:
                nb = staging.keep_failed() / "notebooks" / f"{stage}.ipynb"
                raise type(exc)(str(exc).replace("{notebook}", str(nb))) from None
            warm.pop(stage).shutdown()
            timings[stage] = round(time.perf_counter() - t0, 2)
            progress(f"[{i}/{len(STAGES)}] {period} {stage} done in {timings[stage]:.1f} s")
    finally:
        for left in warm.values():
            left.shutdown()
    return timings
