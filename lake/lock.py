"""One holder at a time: advisory file locks, one way for every lock livelake takes.

Two locks exist. The lake's (`lake_lock`, `lake/.lock`): one ingest writes the lake
at a time. The warehouse's (`warehouse_lock`, `.warehouse.duckdb.lock` beside it):
one build, publish or compaction uses the warehouse at a time, so a second build is
refused with a clear message (or waits) instead of failing on DuckDB's own file lock
half-way through, or racing a publish. A build never takes the lake's lock: it reads
committed runs only (docs/lake.md), whatever an ingest is writing meanwhile.

flock is released by the kernel when the last descriptor of its holder closes, even
by kill -9, so a crashed holder never leaves a stale lock behind. A holder that
starts a child doing the work under the lock (the build's dbt process) passes it
the descriptor (`Held.fd`): the lock lives while either of them does.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path

POLL_SECONDS = 0.2
# The exit code of a command that finds its lock held (ingest, build, publish, compact).
EXIT_BUSY = 4


class BusyError(RuntimeError):
    """Another process holds the lock."""


class LakeBusyError(BusyError):
    """Another process holds the lake's write lock."""


class WarehouseBusyError(BusyError):
    """Another build, publish or compaction holds the warehouse's lock."""


@dataclass(frozen=True)
class Held:
    """A lock this process holds; `fd` may be passed to a child that works under it."""

    path: Path
    fd: int


@contextmanager
def exclusive(
    path: Path,
    *,
    doing: str,
    busy: Callable[[str], BusyError],
    wait: bool = False,
    timeout: float | None = None,
) -> Iterator[Held]:
    """Hold `path`'s lock, or raise `busy(<who holds it>)` (at once, or after
    `timeout` seconds when waiting). The file records who holds it: pid, what it is
    doing and since when, for the next one's message."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not wait or (deadline is not None and time.monotonic() > deadline):
                    holder = os.pread(fd, 200, 0).decode(errors="replace").strip()
                    raise busy(holder or "holder unknown") from None
                time.sleep(POLL_SECONDS)
        os.ftruncate(fd, 0)
        started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        os.pwrite(fd, f"pid {os.getpid()}, {doing}, started {started}".encode(), 0)
        yield Held(path, fd)
    finally:
        os.close(fd)


@contextmanager
def lake_lock(lake: Path, *, wait: bool = False, timeout: float | None = None) -> Iterator[None]:
    """One ingest at a time writes `lake`."""

    def busy(holder: str) -> BusyError:
        return LakeBusyError(
            f"another run is writing to {lake} ({holder}); wait for it to finish, or pass --wait"
        )

    with exclusive(lake / ".lock", doing="ingest", busy=busy, wait=wait, timeout=timeout):
        yield


def warehouse_lock_path(warehouse: Path) -> Path:
    return warehouse.with_name(f".{warehouse.name}.lock")


def warehouse_lock(
    warehouse: Path, *, doing: str, wait: bool = False, timeout: float | None = None
) -> AbstractContextManager[Held]:
    """One build, publish or compaction at a time uses `warehouse`."""

    def busy(holder: str) -> BusyError:
        return WarehouseBusyError(
            f"another build, publish or compaction is using {warehouse} ({holder}); "
            "wait for it to finish, or pass --wait"
        )

    return exclusive(
        warehouse_lock_path(warehouse), doing=doing, busy=busy, wait=wait, timeout=timeout
    )
