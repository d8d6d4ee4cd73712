"""One ingest run: list the source, skip what the lake holds, load the rest.

Files are processed in parallel worker processes (calamine is single-threaded, so
two processes use both cores) and one at a time per worker, so memory follows the
largest file, not the inbox. The run holds the lake's lock throughout, commits each
file to the manifest as its worker finishes, and never commits a file whose parts
are not all written.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import hashlib
import json
import multiprocessing
import os
import signal
import uuid
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

from ingest.files import FileJob, FileResult, ingest_file
from ingest.sources.base import Source
from lake import manifest
from lake.atomic import sweep_temporaries
from lake.lock import lake_lock

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_REJECTED = 3  # some file or sheet was rejected; everything else loaded
EXIT_BUSY = 4  # another run holds the lake


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


def _die_with_parent(parent: int) -> None:
    """Worker initialiser: a worker must not outlive a killed run and keep writing.

    PR_SET_PDEATHSIG kills the worker when the run dies; a worker still starting when
    the run died checks its parent once the signal is armed, and leaves.
    """
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6").prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:
        os._exit(1)


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
        done = manifest.committed(lake)
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

        def finish(job: FileJob, outcome: FileResult | BaseException) -> None:
            if isinstance(outcome, BaseException):
                note = f"unexpected error, not committed (the next run retries): {outcome!r}"
                entry = FileReport(job.source_file, job.sha256, "failed", note=note)
            else:
                manifest.commit(lake, _manifest_entry(job, outcome))
                entry = FileReport(job.source_file, job.sha256, outcome.status, result=outcome)
            report.files.append(entry)
            if on_file_done:
                on_file_done(entry)

        if workers <= 1 or len(jobs) <= 1:
            for job in jobs:
                try:
                    outcome: FileResult | BaseException = ingest_file(job)
                except Exception as exc:  # keep going: one bad file must not stop the run
                    outcome = exc
                finish(job, outcome)
        else:
            _run_parallel(jobs, workers, finish)
    report.files.sort(key=lambda f: f.source_file)
    return report


def _run_parallel(
    jobs: list[FileJob],
    workers: int,
    finish: Callable[[FileJob, FileResult | BaseException], None],
) -> None:
    # One polars thread per worker: the workers already fill the cores.
    previous = os.environ.get("POLARS_MAX_THREADS")
    os.environ["POLARS_MAX_THREADS"] = "1"
    try:
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(
            workers, mp_context=context, initializer=_die_with_parent, initargs=(os.getpid(),)
        ) as pool:
            pending: dict[Future[FileResult], FileJob] = {}
            queue = iter(jobs)
            # A bounded window keeps results flowing back in order of completion
            # without queueing every job's arguments at once.
            for job in queue:
                pending[pool.submit(ingest_file, job)] = job
                if len(pending) >= workers * 2:
                    break
            while pending:
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    job = pending.pop(future)
                    error = future.exception()
                    finish(job, error if error is not None else future.result())
                    nxt = next(queue, None)
                    if nxt is not None:
                        pending[pool.submit(ingest_file, nxt)] = nxt
    finally:
        if previous is None:
            os.environ.pop("POLARS_MAX_THREADS", None)
        else:
            os.environ["POLARS_MAX_THREADS"] = previous


def _manifest_entry(job: FileJob, result: FileResult) -> dict[str, object]:
    return {
        "file_sha256": job.sha256,
        "source_file": job.source_file,
        "size_bytes": job.size_bytes,
        "status": result.status,
        "exported_at": result.exported_at,
        "exported_at_from": result.exported_at_from,
        "rows_read": result.rows_read,
        "rows_loaded": result.rows_loaded,
        "rows_quarantined": result.rows_quarantined,
        "rows_rejected": result.rows_rejected,
        "tables": json.dumps(result.tables, sort_keys=True),
        "extra_columns": json.dumps(result.extra_columns, ensure_ascii=False),
        "messages": json.dumps(result.messages, ensure_ascii=False),
        "run_id": job.run_id,
        "ingested_at": job.ingested_at,
    }
