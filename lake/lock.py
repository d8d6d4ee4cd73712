"""One writer at a time: an advisory lock on the lake folder.

flock is released by the kernel when its holder dies, even by kill -9, so a crashed
run never leaves a stale lock behind.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class LakeBusyError(RuntimeError):
    """Another process holds the lake's write lock."""


@contextmanager
def lake_lock(lake: Path, *, wait: bool = False, timeout: float | None = None) -> Iterator[None]:
    lake.mkdir(parents=True, exist_ok=True)
    path = lake / ".lock"
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
                    raise LakeBusyError(
                        f"another run is writing to {lake} ({holder or 'holder unknown'}); "
                        "wait for it to finish, or pass --wait"
                    ) from None
                time.sleep(0.2)
        os.ftruncate(fd, 0)
        started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        os.pwrite(fd, f"pid {os.getpid()}, started {started}".encode(), 0)
        yield
    finally:
        os.close(fd)
