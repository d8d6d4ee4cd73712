"""Worker processes that read batches of files, and what happens when one dies.

A reader that aborts (calamine's failed allocation), segfaults or is OOM-killed takes
its whole process with it; no `try` catches that. So files are read in worker
processes, and each worker tells the run, through its pipe, when a reader call on a
file starts and ends (ingest.readers.workbook.watch). The run therefore knows:

- which file a dead worker was reading: that file alone is reported (`Died`, with the
  signal), or read once more, alone, if the run asks (`on_death`); the other files
  of its batch go back to the queue, read by a new worker. A
  worker that dies between reader calls (typing or writing the batch) names no file:
  its batch is split into one-file batches, so the next death names its file;
- how long the reader has spent on each file: past the per-file limit the worker is
  killed and the file reported `TimedOut`; the rest of its batch is read again. A
  batch that takes longer than the limit per file (plus one) in all is stopped too,
  whatever it was doing: its files are read again one per batch, so a file that
  spins outside the reader's calls is named the same way.

A worker says when it is ready (its imports done). One that dies before that names
no file and its batch waits for the next worker; if three die that way, the
environment is broken (an install, the memory to start a process) and the run stops
with `WorkersCannotStartError` rather than blame, and later reject, good files.

The pool is stdlib only: the run process never imports polars.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.connection import wait as wait_for
from multiprocessing.process import BaseProcess

from ingest.jobs import FileJob, FileResult
from lake.runs import PendingPart

_TICK_S = 0.5  # how often the run checks the time limit while waiting
# How long a worker may take to start (import polars and the ingest) on a busy machine.
START_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class Died:
    reason: str  # "its worker was killed by SIGABRT", "its worker exited with code 1"


@dataclass(frozen=True)
class TimedOut:
    seconds: float


Outcome = FileResult | BaseException | Died | TimedOut
# A batch's outcomes and the parts its worker wrote for the files that have a result.
Finish = Callable[[list[FileJob], list[Outcome], list[PendingPart]], None]
# Told of each death a file caused; True: read it again in this run (alone), False:
# the death is its outcome.
OnDeath = Callable[[FileJob, Died], bool]


@dataclass
class _Worker:
    process: BaseProcess
    conn: Connection
    ready: bool = False  # it has imported the ingest and waits for work
    ready_at: float = 0.0
    batch: list[FileJob] | None = None
    reading: int | None = None  # index in batch of the file a reader call is on
    since: float = 0.0  # when that call started
    spent: dict[int, float] = field(default_factory=dict)  # reader seconds per file
    started: float = 0.0  # when the batch was sent


class WorkersCannotStartError(RuntimeError):
    """Workers die before they can read anything: the environment, not a file, is broken."""


def run_batches(
    batches: Iterable[list[FileJob]],
    workers: int,
    timeout_s: float,
    finish: Finish,
    on_death: OnDeath | None = None,
) -> None:
    """Read every batch in `workers` processes; `finish` gets each batch's outcomes
    and the parts written for it.

    The workers are started first, then `batches` is drawn: a generator that sizes
    the batches (opening every zip) runs while the workers import polars.

    A batch whose worker died is finished in pieces: the file it named (no parts),
    then the rest once a new worker has read them. The dead worker's temporaries are
    never placed. `on_death` decides whether the named file is read again, alone, in
    this run (a death can be the machine's, not the file's: the run records it and
    tries once more, so one bad file is settled in one run).
    """
    _Pool(workers, timeout_s, finish, on_death).run(batches)


class _Pool:
    # Workers that die before they are ready (a broken install, no memory to start)
    # are not the files' fault: past this many, the run stops instead of blaming them.
    MAX_START_DEATHS = 3

    def __init__(
        self, workers: int, timeout_s: float, finish: Finish, on_death: OnDeath | None
    ) -> None:
        self.size, self.timeout_s, self.finish = workers, timeout_s, finish
        self.on_death = on_death
        self.context = multiprocessing.get_context("spawn")
        self.queue: deque[list[FileJob]] = deque()
        self.workers: list[_Worker] = []
        self.start_deaths: list[str] = []

    def run(self, batches: Iterable[list[FileJob]]) -> None:
        # Only this process holds `alive`: the workers' lifeline ends with it.
        self.lifeline, alive = self.context.Pipe(duplex=False)
        try:
            while len(self.workers) < self.size:
                self._spawn()
            self.queue.extend(b for b in batches if b)
            while self.queue or any(w.batch is not None for w in self.workers):
                self.workers = [
                    w for w in self.workers if w.process.is_alive() or w.batch is not None
                ]
                while self.queue and (idle := self._idle()) is not None:
                    idle.batch, idle.reading, idle.spent = self.queue.popleft(), None, {}
                    idle.started = time.monotonic()
                    idle.conn.send(idle.batch)
                busy = [w for w in self.workers if w.batch is not None]
                handles = [w.conn for w in busy] + [w.process.sentinel for w in busy]
                ready = wait_for(handles, _TICK_S)
                for worker in busy:
                    if worker.conn in ready or worker.process.sentinel in ready:
                        self._receive(worker)
                for worker in busy:
                    self._enforce_time_limit(worker)
        finally:
            for worker in self.workers:
                with contextlib.suppress(OSError):
                    worker.conn.send(None)
                worker.conn.close()
            for worker in self.workers:
                worker.process.join(timeout=5)
                if worker.process.is_alive():
                    _kill(worker)
            alive.close()
            self.lifeline.close()

    def _idle(self) -> _Worker | None:
        for worker in self.workers:
            if worker.batch is None and worker.process.is_alive():
                return worker
        if len(self.workers) >= self.size:
            return None
        return self._spawn()

    def _spawn(self) -> _Worker:
        ours, theirs = self.context.Pipe(duplex=True)
        process = self.context.Process(
            target=_worker_main, args=(theirs, self.lifeline), daemon=True
        )
        process.start()
        theirs.close()
        worker = _Worker(process, ours)
        self.workers.append(worker)
        return worker

    def _receive(self, worker: _Worker) -> None:
        """Everything the worker has said; if it has died, what is lost with it."""
        batch = worker.batch
        assert batch is not None
        eof, done = False, None
        try:
            while done is None and worker.conn.poll():
                message = worker.conn.recv()
                kind = message[0]
                if kind == "ready":
                    worker.ready, worker.ready_at = True, message[1]
                elif kind == "start":
                    worker.reading, worker.since = message[1], message[2]
                elif kind == "end":
                    index = message[1]
                    worker.spent[index] = worker.spent.get(index, 0.0) + message[2] - worker.since
                    worker.reading = None
                elif kind == "done":
                    done = message
        except (EOFError, OSError):
            eof = True
        if done is not None:
            # Outside the pipe's try: an OSError of `finish` itself (a closed stdout)
            # is the run's failure to report, not this worker's death.
            worker.batch, worker.reading = None, None
            self.finish(batch, done[1], done[2])
            return
        if eof or not worker.process.is_alive():
            worker.process.join(timeout=10)
            if worker.process.is_alive():  # it closed its pipe but lives on: end it
                _kill(worker)
            self._lost(worker, Died(_death_reason(worker.process.exitcode)))

    def _enforce_time_limit(self, worker: _Worker) -> None:
        """Stop a worker past the limit: the file whose reader call is over it, or a batch
        over the limit per file plus one in all (a phase outside the reader that spins,
        which names no file: its files are then read one per batch)."""
        batch = worker.batch
        if batch is None:
            return
        now = time.monotonic()
        if not worker.ready:
            limit = max(self.timeout_s, START_TIMEOUT_S)
            if now - worker.started > limit:  # it hangs while starting
                _kill(worker)
                self._lost(worker, Died(f"its worker did not start within {limit:g} s"))
            return
        if worker.reading is not None:
            spent = worker.spent.get(worker.reading, 0.0) + now - worker.since
            if spent > self.timeout_s:
                _kill(worker)
                self._lost(worker, TimedOut(round(spent, 1)))
                return
        began = max(worker.started, worker.ready_at)  # a fresh worker starts up first
        if now - began > self.timeout_s * (len(batch) + 1):
            _kill(worker)
            worker.reading = None  # no file is to blame yet, unless it is alone
            self._lost(worker, TimedOut(round(now - began, 1)))

    def _lost(self, worker: _Worker, outcome: Died | TimedOut) -> None:
        """A worker is gone mid-batch: report the file it was reading, requeue the rest."""
        batch, index = worker.batch, worker.reading
        assert batch is not None
        worker.batch, worker.reading = None, None
        with contextlib.suppress(OSError):
            worker.conn.close()
        if not worker.ready:
            self.start_deaths.append(getattr(outcome, "reason", "it timed out"))
            if len(self.start_deaths) >= self.MAX_START_DEATHS:
                raise WorkersCannotStartError(
                    f"ingest workers die before reading anything ({'; '.join(self.start_deaths)}): "
                    "no file is blamed; check the installation (`make setup`) and free memory"
                )
            self.queue.appendleft(batch)
            return
        if index is None and len(batch) == 1:
            index = 0
        if index is None:  # one file per batch: the next death names its file
            self.queue.extendleft([job] for job in reversed(batch))
            return
        rest = batch[:index] + batch[index + 1 :]
        if rest:
            self.queue.appendleft(rest)
        job = batch[index]
        if isinstance(outcome, Died) and self.on_death is not None and self.on_death(job, outcome):
            self.queue.append([job])  # again, alone, after the others
        else:
            self.finish([job], [outcome], [])


def _kill(worker: _Worker) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(worker.process.pid, signal.SIGKILL)  # type: ignore[arg-type]
    worker.process.join()


def _death_reason(code: int | None) -> str:
    if code is None:
        return "the worker vanished"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        hint = (
            " (out of memory? the kernel's OOM killer sends it)" if -code == signal.SIGKILL else ""
        )
        return f"its worker was killed by {name}{hint}"
    return f"its worker exited with code {code}"


def _worker_main(conn: Connection, lifeline: Connection) -> None:
    """A worker: read batches from the run until it says stop (None) or goes away."""
    _die_with_run(lifeline)
    os.environ["POLARS_MAX_THREADS"] = "1"  # the workers already fill the cores
    from ingest.files import ingest_files  # polars with it: only workers need it
    from ingest.readers import workbook

    conn.send(("ready", time.monotonic()))
    while True:
        try:
            batch = conn.recv()
        except (EOFError, OSError):
            return
        if batch is None:
            return
        index = {str(job.path): i for i, job in enumerate(batch)}

        def tell(event: str, path: str, index: dict[str, int] = index) -> None:
            # CLOCK_MONOTONIC is the machine's: the run compares it with its own.
            conn.send((event, index.get(path), time.monotonic()))

        workbook.watch = tell
        parts: list[PendingPart] = []
        try:
            results, parts = ingest_files(batch)
            outcomes = [_portable(o) for o in results]
        except Exception as exc:  # ingest_files reports its own errors; anything else
            outcomes = [_portable(exc)] * len(batch)
        finally:
            workbook.watch = None
        conn.send(("done", outcomes, parts))


def _portable(outcome: FileResult | BaseException) -> FileResult | BaseException:
    """An outcome that survives pickling back to the run (some exceptions do not)."""
    if isinstance(outcome, FileResult):
        return outcome
    return RuntimeError(f"{type(outcome).__name__}: {outcome}")


def _die_with_run(lifeline: Connection) -> None:
    """A worker must not outlive a killed run and keep writing.

    The run holds the only writing end of `lifeline`; a thread of the worker waits on
    the reading end, which reads end-of-file once the run has exited or been killed,
    and ends the worker.
    """

    def watch() -> None:
        with contextlib.suppress(EOFError, OSError):
            lifeline.recv_bytes()
        os._exit(1)

    threading.Thread(target=watch, name="lifeline", daemon=True).start()
