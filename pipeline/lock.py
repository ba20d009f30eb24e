"""One run per period at a time: a lock file holding the running process's id."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from pipeline.errors import InputError


@contextlib.contextmanager
def period_lock(out_root: Path, period: str) -> Iterator[None]:
    """Stop two runs of the same period from clashing (a stale lock is taken over)."""
    out_root.mkdir(parents=True, exist_ok=True)
    lock = out_root / f".{period}.lock"
    for _ in range(2):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            pid = _holder(lock)
            if pid and alive(pid):
                raise InputError(key="lock_held", period=period, pid=pid) from None
            lock.unlink(missing_ok=True)
            continue
        os.write(fd, str(os.getpid()).encode())
        os.close(fd)
        break
    try:
        yield
    finally:
        lock.unlink(missing_ok=True)


def _holder(lock: Path) -> int:
    """The process id written in a lock file (0 when unreadable)."""
    try:
        return int(lock.read_text().strip() or 0)
    except (OSError, ValueError):
        return 0


def alive(pid: int) -> bool:
    """Whether a process with this id exists."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
