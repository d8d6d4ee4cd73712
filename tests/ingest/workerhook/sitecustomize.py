"""Test-only: make a real ingest worker die mid-file, from outside the product.

The crash tests put this folder on PYTHONPATH (the `crash_on` fixture,
tests/ingest/conftest.py), so every Python process they start, the ingest's
spawned workers included, imports it at start-up. When `LIVELAKE_TESTS_CRASH_ON`
names a file, a worker dies as `LIVELAKE_TESTS_CRASH_HOW` says once a reader call on
that file has started (the run has been told which file it is on): "abort" (the
default), "segv", "kill", or "spin" (never returns); "after" (abort) and
"spin-after" do it once the call has returned instead; "once" aborts the first
worker only (it leaves `LIVELAKE_TESTS_CRASH_MARK` behind). ":start" as the file: every
worker dies before it is ready. The product itself reads no such variable.
"""

from __future__ import annotations

import os

CRASH_ON = os.environ.get("LIVELAKE_TESTS_CRASH_ON")


def _crash(how: str) -> None:
    import signal
    import time

    if how == "segv":
        os.kill(os.getpid(), signal.SIGSEGV)
    elif how == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    elif how == "spin":
        while True:
            time.sleep(0.05)
    elif how == "once":
        mark = os.environ["LIVELAKE_TESTS_CRASH_MARK"]
        try:
            os.close(os.open(mark, os.O_CREAT | os.O_EXCL))
        except FileExistsError:
            return  # a worker died on it already: this one reads it
    os.abort()


def _arm() -> None:
    from contextlib import contextmanager

    import ingest.pool as pool

    original = pool._worker_main
    how = os.environ.get("LIVELAKE_TESTS_CRASH_HOW", "abort")
    after = how.endswith("after")
    kind = how.removesuffix("after").strip("-") or "abort"

    def _worker_main(conn, lifeline):  # noqa: ANN001, ANN202 - the pool's own signature
        if CRASH_ON == ":start":
            os.abort()
        from ingest.readers import workbook

        watched = workbook._watched

        @contextmanager
        def crashing(path):  # noqa: ANN001, ANN202
            hit = os.path.basename(str(path)) == CRASH_ON
            with watched(path):
                if hit and not after:
                    _crash(kind)
                yield
            if hit and after:
                _crash(kind)

        workbook._watched = crashing
        original(conn, lifeline)

    # The run pickles its target by name (ingest.pool._worker_main): the worker
    # resolves that name to this wrapper.
    pool._worker_main = _worker_main


if CRASH_ON and __name__ == "sitecustomize":
    _arm()
