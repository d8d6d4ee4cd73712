"""One ingest run: list the source, skip what the lake holds, load the rest.

Files are processed in parallel worker processes (calamine is single-threaded, so
two processes use both cores), in small batches per worker (`BATCH_FILES`,
`BATCH_BYTES`), so memory follows the batch, not the inbox. The run holds the lake's
lock throughout; a worker commits each file of its batch to the manifest once all
the batch's parts are in place, never before. The run process itself only lists,
hashes and reports: it never imports polars, so the workers start sooner.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import multiprocessing
import os
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path

from ingest.jobs import FileJob, FileResult
from ingest.sources.base import Source
from lake.atomic import sweep_temporaries
from lake.layout import committed
from lake.lock import lake_lock

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_REJECTED = 3  # some file or sheet was rejected; everything else loaded
EXIT_BUSY = 4  # another run holds the lake

# A worker ingests up to this many files (or bytes of workbooks) together.
BATCH_FILES = 16
BATCH_BYTES = 4 << 20


@dataclass
class FileReport:
    source_file: str
    sha256: str
    status: str  # loaded | partial | rejected | duplicate | already_ingested | failed
    result: FileResult | None = None
    note: str | None = None

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "source_file": self.source_file,
            "sha256": self.sha256,
            "status": self.status,
            "note": self.note,
            "rows_read": 0,
            "rows_loaded": 0,
            "rows_quarantined": 0,
            "rows_rejected": 0,
        }
        if self.result is not None:
            detail = self.result.to_dict()
            out.update({k: detail[k] for k in detail if k not in ("source_file", "sha256")})
            out["status"] = self.status
        return out


@dataclass
class RunReport:
    run_id: str
    started_at: dt.datetime
    files: list[FileReport] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    swept_temporaries: int = 0

    @property
    def exit_code(self) -> int:
        statuses = {f.status for f in self.files}
        if "failed" in statuses:
            return EXIT_FAILED
        if statuses & {"rejected", "partial"}:
            return EXIT_REJECTED
        return EXIT_OK

    def totals(self) -> dict[str, int]:
        keys = ("rows_read", "rows_loaded", "rows_quarantined", "rows_rejected")
        rows = [f.to_dict() for f in self.files]
        totals = {k: sum(int(r[k]) for r in rows) for k in keys}
        totals["files"] = len(self.files)
        for status in ("loaded", "partial", "rejected", "duplicate", "already_ingested", "failed"):
            totals[f"files_{status}"] = sum(f.status == status for f in self.files)
        return totals

    def to_dict(self) -> dict[str, object]:
        return {
            "run_id": self.run_id,
            "started_at": self.started_at.isoformat(),
            "exit_code": self.exit_code,
            "totals": self.totals(),
            "files": [f.to_dict() for f in self.files],
            "ignored": self.ignored,
        }


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _ingest_batch(batch: list[FileJob]) -> list[FileResult | Exception]:
    """What a worker runs. ingest.files (and polars with it) is imported here, not at the
    top: the run process never needs it, and workers have it preloaded."""
    from ingest.files import ingest_files

    return ingest_files(batch)


def _die_with_run(lifeline: Connection) -> None:
    """Worker initialiser: a worker must not outlive a killed run and keep writing.

    The run holds the only writing end of `lifeline`; a thread of the worker waits on
    the reading end, which reads end-of-file once the run has exited or been killed,
    and ends the worker. (A signal on the parent's death cannot do it: workers are
    children of the fork server, which itself lives as long as any worker does.)
    """

    def watch() -> None:
        with contextlib.suppress(EOFError, OSError):
            lifeline.recv_bytes()
        os._exit(1)

    threading.Thread(target=watch, name="lifeline", daemon=True).start()


def run_ingest(
    source: Source,
    lake: Path,
    *,
    workers: int = 2,
    wait_for_lock: bool = False,
    on_planned: Callable[[int], None] | None = None,
    on_file_done: Callable[[FileReport], None] | None = None,
) -> RunReport:
    started = dt.datetime.now(dt.UTC)
    report = RunReport(run_id=uuid.uuid4().hex[:12], started_at=started)
    with lake_lock(lake, wait=wait_for_lock):
        report.swept_temporaries = sweep_temporaries(lake)
        done = committed(lake)
        seen: dict[str, str] = {}
        jobs: list[FileJob] = []
        for item in source.files():
            sha = sha256_of(item.path)
            if sha in done:
                report.files.append(FileReport(item.source_file, sha, "already_ingested"))
            elif sha in seen:
                note = f"same content as {seen[sha]}"
                report.files.append(FileReport(item.source_file, sha, "duplicate", note=note))
            else:
                seen[sha] = item.source_file
                jobs.append(
                    FileJob(
                        path=item.path,
                        source_file=item.source_file,
                        sha256=sha,
                        size_bytes=item.size_bytes,
                        mtime=item.mtime,
                        lake=lake,
                        ingested_at=started,
                        run_id=report.run_id,
                    )
                )
        report.ignored = source.ignored()
        if on_planned:
            on_planned(len(jobs))

        def finish(batch: list[FileJob], outcomes: list[FileResult | BaseException]) -> None:
            """Report a batch's files; the worker has committed the loaded ones."""
            for job, outcome in zip(batch, outcomes, strict=True):
                if isinstance(outcome, FileResult):
                    entry = FileReport(job.source_file, job.sha256, outcome.status, result=outcome)
                else:
                    note = f"unexpected error, not committed (the next run retries): {outcome!r}"
                    entry = FileReport(job.source_file, job.sha256, "failed", note=note)
                report.files.append(entry)
                if on_file_done:
                    on_file_done(entry)

        batches = list(_batches(jobs))
        if workers <= 1 or len(batches) <= 1:
            for batch in batches:
                finish(batch, list(_ingest_batch(batch)))
        else:
            _run_parallel(batches, workers, finish)
    report.files.sort(key=lambda f: f.source_file)
    return report


def _batches(jobs: list[FileJob]) -> Iterator[list[FileJob]]:
    """Jobs in batches a worker ingests together: enough sheets to spread polars' fixed
    cost per query, bounded in bytes so memory follows the batch, not the inbox."""
    batch: list[FileJob] = []
    size = 0
    for job in jobs:
        if batch and (len(batch) >= BATCH_FILES or size + job.size_bytes > BATCH_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(job)
        size += job.size_bytes
    if batch:
        yield batch


def _run_parallel(
    batches: list[list[FileJob]],
    workers: int,
    finish: Callable[[list[FileJob], list[FileResult | BaseException]], None],
) -> None:
    # One polars thread per worker: the workers already fill the cores.
    previous = os.environ.get("POLARS_MAX_THREADS")
    os.environ["POLARS_MAX_THREADS"] = "1"
    try:
        # Workers are fresh interpreters (spawn): forking a process that has loaded
        # polars can inherit its threads' locks mid-use and deadlock. Start-up costs
        # about half a second per worker, once per run.
        context = multiprocessing.get_context("spawn")
        # Only this process holds `alive`: the workers' lifeline ends with it.
        lifeline, alive = context.Pipe(duplex=False)
        with (
            alive,
            lifeline,
            ProcessPoolExecutor(
                workers, mp_context=context, initializer=_die_with_run, initargs=(lifeline,)
            ) as pool,
        ):
            pending: dict[Future[list[FileResult | Exception]], list[FileJob]] = {}
            queue = iter(batches)
            # A bounded window keeps results flowing back in order of completion
            # without queueing every batch's arguments at once.
            for batch in queue:
                pending[pool.submit(_ingest_batch, batch)] = batch
                if len(pending) >= workers * 2:
                    break
            while pending:
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    batch = pending.pop(future)
                    error = future.exception()
                    outcomes = [error] * len(batch) if error is not None else future.result()
                    finish(batch, outcomes)
                    nxt = next(queue, None)
                    if nxt is not None:
                        pending[pool.submit(_ingest_batch, nxt)] = nxt
    finally:
        if previous is None:
            os.environ.pop("POLARS_MAX_THREADS", None)
        else:
            os.environ["POLARS_MAX_THREADS"] = previous
