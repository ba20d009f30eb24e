"""Running a stage notebook: papermill in a kernel started, and importing its libraries,
while the previous stage runs (kernel start-up stays off the critical path)."""

from __future__ import annotations

from pathlib import Path

from pipeline import resources
from pipeline.catalog import relative_path
from pipeline.errors import ConfigError, InputError, StageFailed, ValidationFailed

STAGES = ("01_clean", "02_validate", "03_fulfilment", "04_rewards", "05_bulletin")
NOTEBOOKS = resources.notebooks_dir()


def kernel_name() -> str:
    """The project's kernel if registered, else the default Python kernel of this env."""
    from jupyter_client.kernelspec import find_kernel_specs

    return "kuozhao" if "kuozhao" in find_kernel_specs() else "python3"


def _strip_timing(nb_path: Path, published: dict[str, str]) -> None:
    """Drop papermill's wall-clock metadata and random ids, and show the published folders
    instead of the run's staging folders (``published``: staging path → published path), so
    reruns give identical notebooks."""
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
    if published:
        text = nb_path.read_text(encoding="utf-8")
        for staged, final in published.items():
            text = text.replace(staged, final)
        nb_path.write_text(text, encoding="utf-8")


# What each stage's kernel imports while the previous stage runs (its start-up and imports
# then cost nothing on the critical path; they bind no name in the notebook's namespace).
WARM_IMPORTS = {
    "01_clean": ("pipeline.stages", "pipeline.warmup", "python_calamine", "pyarrow.csv",
                 "pyarrow.parquet", "pipeline.render.workbooks"),
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


USER_ERRORS = {"ValidationFailed": ValidationFailed, "InputError": InputError,
               "ConfigError": ConfigError}


def execute_stage(stage: str, params: dict, out_dir: Path, warm: WarmKernel,
                  published: dict[str, str] | None = None) -> Path:
    """Run one stage notebook with papermill in its warmed kernel.

    An error the user can fix (a refused input, a wrong configuration, a failed critical
    expectation) comes back as that error with the stage's own one-line message, already in
    the run's language; anything else, a kernel's death included, as :class:`StageFailed`
    naming the stage (the run adds the kept notebook).
    """
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    nb_out = out_dir / relative_path("notebooks") / f"{stage}.ipynb"
    nb_out.parent.mkdir(parents=True, exist_ok=True)
    try:
        pm.execute_notebook(
            str(NOTEBOOKS / f"{stage}.ipynb"), str(nb_out), parameters=params,
            kernel_name=warm.km.kernel_name, cwd=str(NOTEBOOKS), progress_bar=False,
            log_output=False, start_timeout=120, km=warm.km,
        )
    except PapermillExecutionError as exc:
        detail = " ".join(str(exc.evalue).split())
        if exc.ename in USER_ERRORS:
            raise USER_ERRORS[exc.ename](detail) from None
        raise StageFailed(key="stage_failed", stage=stage, detail=detail or exc.ename,
                          notebook="") from None
    except Exception as exc:  # the kernel died (DeadKernelError) or could not be reached
        raise StageFailed(key="kernel_died", stage=stage, reading="", notebook="",
                          cause=type(exc).__name__) from None
    _strip_timing(nb_out, published or {})
    return nb_out
