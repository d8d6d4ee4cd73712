"""One ingest run: list the source, skip what the lake holds, load the rest.

Files are read in worker processes (calamine is single-threaded, so two processes use
both cores), in batches per worker (`BATCH_FILES`, `BATCH_BYTES`, `BATCH_UNPACKED`),
so memory follows the batch, not the inbox. The run is the unit of commit (lake.runs,
docs/lake.md): it holds the lake's lock throughout, a worker writes its batch's parts
under temporary names and hands them back, the run process places them and, once
every batch is done, writes the run's commit record. Nothing is committed before
that, so a killed run leaves nothing a reader sees. The run process itself only
lists, hashes, places and reports: it never imports polars, so the workers start
sooner.

One file never takes the others down (ingest.pool): a worker that dies blames only the
file it was reading, whose death is recorded in the lake (lake.crashes), and that file
is read once more, alone, in the same run; the rest of its batch is read again by a
new worker. A file that has killed a worker twice (in this run, or across runs), or
that keeps the reader past the per-file time limit (ingest.readers.limits), is
committed as rejected (ingest.unreadable), so no later run repeats it: an unattended
run settles every file in one pass.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ingest import pool
from ingest.digests import Digests
from ingest.jobs import FileJob, FileResult
from ingest.readers.bounds import unpacked_bytes
from ingest.readers.limits import Limits
from ingest.sources.base import Source
from lake import crashes
from lake.runs import PendingPart, RunWriter, committed_files, open_run

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_REJECTED = 3  # some file or sheet was rejected; everything else loaded
EXIT_BUSY = 4  # another run holds the lake

# A worker ingests up to this many files (or bytes of workbooks, or bytes they unpack
# to) together: one part per table and day per batch, so larger batches write fewer,
# larger parts and spread polars' fixed cost per query; the bounds keep a worker's
# memory near 300 MB.
BATCH_FILES = 48
BATCH_BYTES = 12 << 20
BATCH_UNPACKED = 192 << 20
# A file whose reader killed its worker this many times is rejected for good.
DEATHS_TO_REJECT = 2


@dataclass
class FileReport:
    source_file: str
    sha256: str
    status: str  # loaded | partial | rejected | duplicate | already_ingested | failed
    result: FileResult | None = None
    note: str | None = None
    # For a duplicate file: the rows read of the copy that loaded (0 if not known).
    rows_duplicate: int = 0

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "source_file": self.source_file,
            "sha256": self.sha256,
            "status": self.status,
            "note": self.note,
            "rows_read": 0,
            "rows_loaded": 0,
            "rows_quarantined": 0,
            "rows_duplicate": self.rows_duplicate,
            "rows_rejected": 0,
            "rows_footer_skipped": 0,
        }
        if self.result is not None:
            detail = self.result.to_dict()
            out.update({k: detail[k] for k in detail if k not in ("source_file", "sha256")})
            out["status"] = self.status
        return out


@dataclass
class RunReport:
    run_id: int
    started_at: dt.datetime
    files: list[FileReport] = field(default_factory=list)
    ignored: list[dict[str, str]] = field(default_factory=list)  # {"file", "reason"}

    @property
    def exit_code(self) -> int:
        statuses = {f.status for f in self.files}
        if "failed" in statuses:
            return EXIT_FAILED
        if statuses & {"rejected", "partial"}:
            return EXIT_REJECTED
        return EXIT_OK

    def totals(self) -> dict[str, int]:
        keys = (
            "rows_read",
            "rows_loaded",
            "rows_quarantined",
            "rows_duplicate",
            "rows_rejected",
            "rows_footer_skipped",
        )
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


def run_ingest(
    source: Source,
    lake: Path,
    *,
    workers: int = 2,
    wait_for_lock: bool = False,
    on_planned: Callable[[int], None] | None = None,
    on_file_done: Callable[[FileReport], None] | None = None,
) -> RunReport:
    """Ingest every new file of `source` into `lake`, as one committed run.

    `workers` processes read the files (at least one: a reader that crashes must not
    take the run with it). `workers=0` reads them in this process instead, for tests
    and debugging only: no crash isolation and no time limit.
    """
    limits = Limits.from_env()
    with open_run(lake, wait=wait_for_lock) as run:
        report = RunReport(run_id=run.run_id, started_at=run.started_at)
        done = committed_files(lake)
        digests = Digests(lake)
        seen: dict[str, str] = {}
        jobs: list[FileJob] = []
        doomed: list[tuple[FileJob, list[crashes.Death]]] = []
        for item in source.files():
            sha = digests.of(item.path)
            if sha in done:
                report.files.append(FileReport(item.source_file, sha, "already_ingested"))
            elif sha in seen:
                note = f"same content as {seen[sha]}"
                report.files.append(FileReport(item.source_file, sha, "duplicate", note=note))
            else:
                seen[sha] = item.source_file
                job = FileJob(
                    path=item.path,
                    source_file=item.source_file,
                    sha256=sha,
                    size_bytes=item.size_bytes,
                    mtime=item.mtime,
                    lake=lake,
                    ingested_at=run.started_at,
                    run_id=run.run_id,
                )
                died = crashes.deaths(lake, sha)
                if len(died) >= DEATHS_TO_REJECT:  # a run ended before it committed that
                    doomed.append((job, died))
                else:
                    jobs.append(job)
        report.ignored = source.ignored()
        digests.save()
        if on_planned:
            on_planned(len(jobs) + len(doomed))

        def add(entry: FileReport) -> None:
            """Report a file; one with a result (loaded, partial, rejected) is committed
            with the run."""
            report.files.append(entry)
            if entry.result is not None:
                run.add_file(entry.sha256, entry.source_file, entry.status)
            if on_file_done:
                on_file_done(entry)

        for job, died in doomed:
            add(_reject_unreadable(run, job, _killed_twice(died)))

        def finish(
            batch: list[FileJob], outcomes: list[pool.Outcome], parts: list[PendingPart]
        ) -> None:
            """Place a batch's parts (those of the files that have a result) and report
            its files."""
            for part in parts:
                run.place(part)
            for job, outcome in zip(batch, outcomes, strict=True):
                add(_outcome_report(run, job, outcome, limits))

        if workers <= 0:
            from ingest.files import ingest_files  # polars: in this process only on request

            for batch in _batches(jobs):
                finish(batch, *ingest_files(batch))
        elif jobs:
            # No more workers than batches (there are at least this many); they start
            # while the batches are sized.
            needed = min(workers, -(-len(jobs) // BATCH_FILES))

            def on_death(job: FileJob, died: pool.Died) -> bool:
                """Record the death; read the file again unless it has died enough."""
                known = crashes.record_death(
                    lake, job.sha256, job.source_file, str(job.run_id), died.reason
                )
                return len(known) < DEATHS_TO_REJECT

            pool.run_batches(_batches(jobs), needed, limits.timeout_s, finish, on_death)
    _count_duplicates(report)
    report.files.sort(key=lambda f: f.source_file)
    return report


def _outcome_report(
    run: RunWriter, job: FileJob, outcome: pool.Outcome, limits: Limits
) -> FileReport:
    if isinstance(outcome, FileResult):
        return FileReport(job.source_file, job.sha256, outcome.status, result=outcome)
    if isinstance(outcome, pool.TimedOut):
        reason = (
            f"the reader was still on it after {outcome.seconds:g} s, past "
            f"{limits.timeout_text()}: its worker was stopped"
        )
        return _reject_unreadable(run, job, reason)
    if isinstance(outcome, pool.Died):  # the run's on_death recorded it: the last one
        return _reject_unreadable(run, job, _killed_twice(crashes.deaths(job.lake, job.sha256)))
    note = f"unexpected error, not committed (the next run retries): {outcome!r}"
    return FileReport(job.source_file, job.sha256, "failed", note=note)


def _killed_twice(died: list[crashes.Death]) -> str:
    how = "; ".join(f"{d.reason} (run {d.run_id}, {d.at})" for d in died)
    return (
        f"the reader crashed on it {len(died)} times ({how}); it is not read again: "
        "open it in Excel and save it again, or export it again"
    )


def _reject_unreadable(run: RunWriter, job: FileJob, reason: str) -> FileReport:
    from ingest.unreadable import Unreadable, reject

    (result,), parts = reject([Unreadable(job, reason)])
    for part in parts:
        run.place(part)
    return FileReport(job.source_file, job.sha256, "rejected", result=result, note=reason)


def _count_duplicates(report: RunReport) -> None:
    """A duplicate file's rows are those its loaded copy read."""
    read = {f.sha256: f.result.rows_read for f in report.files if f.result is not None}
    for f in report.files:
        if f.status == "duplicate":
            f.rows_duplicate = read.get(f.sha256, 0)


def _batches(jobs: list[FileJob]) -> Iterator[list[FileJob]]:
    """Jobs in batches a worker ingests together: enough sheets to spread polars' fixed
    cost per query, bounded in bytes (on disk and unpacked) so memory follows the batch,
    not the inbox."""
    batch: list[FileJob] = []
    size = unpacked = 0
    for job in jobs:
        job_unpacked = unpacked_bytes(job.path) or job.size_bytes
        if batch and (
            len(batch) >= BATCH_FILES
            or size + job.size_bytes > BATCH_BYTES
            or unpacked + job_unpacked > BATCH_UNPACKED
        ):
            yield batch
            batch, size, unpacked = [], 0, 0
        batch.append(job)
        size += job.size_bytes
        unpacked += job_unpacked
    if batch:
        yield batch
