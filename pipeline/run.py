"""Orchestration: papermill runs the five stage notebooks into staging folders, and the
period's outputs replace the published ones only when every stage succeeded."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pipeline import archive, catalog, io, messages
from pipeline.errors import InputError, KuozhaoError, Localized, StageFailed
from pipeline.gate import check_public
from pipeline.ingest import periods_in
from pipeline.ingest.folders import month_entries
from pipeline.ingest.reading import READ_THREADS
from pipeline.kernels import (
    LOOKAHEAD,
    STAGES,
    WARM_IMPORTS,
    WarmKernel,
    execute_stage,
    kernel_name,
)
from pipeline.lock import period_lock
from pipeline.manifest import inputs as manifest_inputs
from pipeline.manifest import run_id, write_manifest
from pipeline.settings import config_dir_for, load_settings, salt_dir_for

__all__ = ["STAGES", "WARM_IMPORTS", "run_period"]


def choose_period(raw_dir: Path, period: str | None) -> str:
    """The period asked for (checked against the raw folder), else the latest found."""
    found = periods_in(raw_dir)
    if not found:
        raise InputError(key="no_month_folders", folder=str(raw_dir))
    period = period or found[-1]
    if period not in found:
        raise InputError(key="no_period_folder", folder=str(Path(raw_dir) / period),
                         period=period, found=f"{found[0]} … {found[-1]}")
    return period


def warn_about_inputs(raw_dir: Path, period: str, lang: str,
                      progress: Callable[[str], None]) -> None:
    """Warn, in the run's language, when the period's folder holds no new roster, and when
    entries of the month folders are not read (listed in the ingest report)."""
    read, listed = month_entries(raw_dir, period)
    if not read:
        progress("kuozhao: " + messages.t("warnings.no_new_submissions", lang, period=period))
    if listed:
        progress("kuozhao: " + messages.t("warnings.listed_entries", lang, n=len(listed)))


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
    """Where one run writes before it publishes: folders of its own (named with the run's
    process id), in both the output and the processed folder. The period's lock is held on
    both, so any other staging folder of the period is a killed run's and is removed."""

    out_root: Path
    processed_root: Path
    period: str
    token: str = field(default_factory=lambda: str(os.getpid()))

    @property
    def out(self) -> Path:
        """The staged output folder of the period."""
        return self.out_root / f".staging-{self.period}-{self.token}"

    @property
    def processed(self) -> Path:
        """The staged processed folder (holding ``<period>/``)."""
        return self.processed_root / f".staging-{self.period}-{self.token}"

    def create(self) -> None:
        """Empty staging folders; a killed run's leftovers of the period removed."""
        for root in (self.out_root, self.processed_root):
            for old in root.glob(f".staging-{self.period}*"):
                shutil.rmtree(old, ignore_errors=True)
        for d in (self.out, self.processed):
            d.mkdir(parents=True)

    def publish(self, run_id: str) -> Path:
        """Move the staged folders into place, after checking that the stage files are this
        run's own; the published output folder."""
        staged = catalog.Files(self.processed / self.period, self.out).path("run")
        if not staged.is_file() or io.read_json(staged).get("run_id") != run_id:
            raise StageFailed(key="not_this_run", period=self.period)
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

    def published_paths(self) -> dict[str, str]:
        """Staging path → published path, to rewrite the executed notebooks with."""
        return {str(self.out): str(self.out_root / self.period),
                str(self.processed): str(self.processed_root)}


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
    """Run every stage for one period and publish ``out_root/<period>`` atomically.

    The period is locked in both the output and the processed folder, each run stages in
    folders of its own, and the stage files are checked to carry the run's ID before the
    outputs replace the published ones: two runs never publish each other's figures.
    """
    config_dir = config_dir_for(config_dir)
    cfg = load_settings(config_dir).pipeline
    period = choose_period(raw_dir, period)
    warn_about_inputs(raw_dir, period, lang or cfg.lang, progress)
    io.read_schools(reference_dir, tuple(cfg.levels_by_school_type), cfg.target)
    io.read_majors(reference_dir, cfg.industries)
    out_root, processed_dir = Path(out_root).resolve(), Path(processed_dir).resolve()
    with period_lock(out_root, period), period_lock(processed_dir, period):
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
        inputs = manifest_inputs(Path(raw_dir), Path(reference_dir), Path(config_dir), period)
        params["run_id"] = run_id(inputs, params)
        try:
            timings = run_stages(params, staging, progress)
            check_public(staging.out, cfg.disclosure_dimensions, cfg.disclosure_threshold)
            write_manifest(staging.out, params, period, timings, inputs)
            published = staging.publish(params["run_id"])
            keep_published(out_root, period, params["run_id"], published)
            return published
        finally:
            staging.remove()


def keep_published(out_root: Path, period: str, run_id: str, published: Path) -> Path:
    """Append the publication's public figures to the archive (``reports/archive``)."""
    files = catalog.Files(published, published)
    summary = files.read("summary")
    schools = files.read("fulfilment_by_school")
    by_school = {str(k): int(v) for k, v in zip(schools["school_id"], schools["counted"],
                                                 strict=True)}
    return archive.append(out_root / archive.ARCHIVE, period, run_id, summary, by_school)


def _reading(staging: Staging, exc: StageFailed) -> Localized | str:
    """The files stage 01 was reading when its kernel died (from its reading note)."""
    note = catalog.Files(staging.processed / staging.period, staging.out).path("reading_note")
    if exc.key != "kernel_died" or not note.is_file():
        return ""
    files = "、".join(note.read_text(encoding="utf-8").split()[-READ_THREADS:])
    return Localized({lang: messages.t("errors.reading_when_died", lang, files=files)
                      for lang in messages.LANGS})


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
                execute_stage(stage, params, staging.out, warm[stage],
                              staging.published_paths())
            except KuozhaoError as exc:
                nb = staging.keep_failed() / "notebooks" / f"{stage}.ipynb"
                if isinstance(exc, StageFailed):
                    exc.fields.update(notebook=str(nb), reading=_reading(staging, exc))
                raise
            warm.pop(stage).shutdown()
            timings[stage] = round(time.perf_counter() - t0, 2)
            progress(f"[{i}/{len(STAGES)}] {period} {stage} done in {timings[stage]:.1f} s")
    finally:
        for left in warm.values():
            left.shutdown()
    return timings
