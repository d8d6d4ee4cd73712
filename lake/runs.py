"""Ingest runs: the unit of commit and of consumption (docs/lake.md).

A run takes the lake's lock, gets a run id (strictly greater than every id given
before, never reused: a counter file written atomically), writes its parts under
temporary names and renames them into place, flushes them and their folders, then
commits by writing its record `_runs/run-<run_id:012d>.json` (temporary name,
flush, rename, flush the folder).
A part no record lists is invisible to readers and swept by the next run.

The writer every producer of a lake shares (the ingest, the simulator's direct
lake, test fixtures) is `open_run`:

    with open_run(lake) as run:                    # lock, sweep, allocate the id
        path = run.new_part("top_up", day)         # a temporary path for a part
        frame.write_parquet(path)                  # any parquet writer, run_id column included
        run.add_part("top_up", day, path, rows=frame.height)
        run.add_file(sha256, "2026-03/top_up_0301.xlsx", "loaded")
    # leaving the block commits the record (nothing to commit: no record);
    # an exception leaves the run uncommitted, swept by the next run

Stdlib only: the ingest's run process uses it without importing polars.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from lake.atomic import flush, flush_folder, sweep_temporaries
from lake.layout import MANIFEST, QUARANTINE, REJECTED, TMP_PREFIX
from lake.lock import lake_lock

RUNS = "_runs"
FORMAT = 1
SIDE_TABLES = (MANIFEST, QUARANTINE, REJECTED)  # parts without a day
_FLUSH_THREADS = 8  # concurrent flushes share the filesystem's journal commits
_COUNTER = ".last-run-id"  # the last id allocated, committed or not (bookkeeping, like .lock)


class EarlierLayoutError(RuntimeError):
    """The lake was written by an earlier livelake (parts, no `_runs/`)."""


class CorruptRecordError(RuntimeError):
    """A commit record that does not parse: written by hand, or by another program."""


@dataclass(frozen=True)
class Part:
    """One committed part, as its record lists it."""

    table: str
    dt: str | None  # YYYY-MM-DD for report tables; None for _manifest, _quarantine, _rejected
    path: str  # relative to the lake root, posix
    rows: int


@dataclass(frozen=True)
class CommittedFile:
    file_sha256: str
    source_file: str
    status: str  # loaded | partial | rejected


@dataclass(frozen=True)
class RunRecord:
    run_id: int
    started_at: str  # UTC, ISO 8601
    committed_at: str
    files: tuple[CommittedFile, ...]
    parts: tuple[Part, ...]

    def to_json(self) -> str:
        record = {"format": FORMAT, **asdict(self)}
        return json.dumps(record, ensure_ascii=False, indent=1)


@dataclass(frozen=True)
class PendingPart:
    """A part written under a temporary name, not yet in place (nor flushed).

    Ingest workers write these and hand them to the run process, which places them.
    """

    table: str
    dt: str | None
    temporary: Path
    rows: int


def run_path(lake: Path, run_id: int) -> Path:
    return lake / RUNS / f"run-{run_id:012d}.json"


def part_folder(lake: Path, table: str, day: dt.date | str | None) -> Path:
    """Where a part of `table` (and `day`, for report tables) lives."""
    if table in SIDE_TABLES:
        return lake / table
    if day is None:
        raise ValueError(f"a part of {table} needs a day")
    return lake / table / f"dt={_day_text(day)}"


_temporaries = itertools.count()


def temporary_part(lake: Path, run_id: int, table: str, day: dt.date | str | None) -> Path:
    """A fresh temporary path for a part, in its final folder (the folder is created).

    Unique across the processes of a run (pid and a counter); the sweep removes it if
    it is never placed."""
    folder = part_folder(lake, table, day)
    folder.mkdir(parents=True, exist_ok=True)
    # No `.parquet` suffix: a glob for parts never matches a temporary.
    return folder / f"{TMP_PREFIX}{run_id:012d}-{os.getpid()}-{next(_temporaries)}"


def committed_runs(lake: Path) -> list[RunRecord]:
    """Every committed run, in run-id order."""
    folder = lake / RUNS
    if not folder.exists():
        return []
    return sorted((_load(p) for p in folder.glob("run-*.json")), key=lambda r: r.run_id)


def committed_files(lake: Path) -> set[str]:
    """sha256 of every source file a committed run lists: those are ingested."""
    return {f.file_sha256 for run in committed_runs(lake) for f in run.files}


def _load(path: Path) -> RunRecord:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        if raw.get("format") != FORMAT:
            raise ValueError(f"format {raw.get('format')!r}, expected {FORMAT}")
        return RunRecord(
            run_id=int(raw["run_id"]),
            started_at=raw["started_at"],
            committed_at=raw["committed_at"],
            files=tuple(CommittedFile(**f) for f in raw["files"]),
            parts=tuple(Part(**p) for p in raw["parts"]),
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CorruptRecordError(f"cannot read the commit record {path}: {exc}") from exc


def check_layout(lake: Path) -> None:
    """Refuse a lake written by an earlier livelake: parts, but no `_runs/`."""
    if (lake / RUNS).exists() or not lake.exists():
        return
    if next(_parts_on_disk(lake), None) is not None:
        raise EarlierLayoutError(
            f"{lake} was written by an earlier livelake (parts named by workbook, no "
            f"{RUNS}/ commit records): start over from the inbox, which still holds every "
            "workbook: `make clean && make dev`, or move the lake folder aside and run "
            "`livelake ingest` then `livelake build --full-refresh`"
        )


def _parts_on_disk(lake: Path) -> Iterator[Path]:
    for table in SIDE_TABLES:
        yield from (lake / table).glob("part-*.parquet")
    yield from lake.glob("[!_.]*/dt=*/part-*.parquet")


def sweep(lake: Path) -> int:
    """Remove what no committed run lists: temporaries and parts of runs that were
    killed or failed. Only under the lake's lock. Returns how many files went."""
    listed = {p.path for run in committed_runs(lake) for p in run.parts}
    removed = sweep_temporaries(lake)
    for path in list(_parts_on_disk(lake)):
        if path.relative_to(lake).as_posix() not in listed:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def _allocate(lake: Path) -> int:
    """The next run id, under the lock: past the counter and every record."""
    folder = lake / RUNS
    folder.mkdir(parents=True, exist_ok=True)
    counter = folder / _COUNTER
    try:
        last = int(counter.read_text(encoding="ascii").strip() or 0)
    except FileNotFoundError:
        last = 0
    runs = committed_runs(lake)
    run_id = max(last, runs[-1].run_id if runs else 0) + 1
    _write_atomically(counter, f"{run_id}\n")
    return run_id


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(f"{TMP_PREFIX}{path.name}.{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    flush(tmp)
    os.replace(tmp, path)
    flush_folder(path.parent)


@dataclass
class RunWriter:
    """The parts and files of one run, committed by `commit` (see `open_run`)."""

    lake: Path
    run_id: int
    started_at: dt.datetime  # UTC: every row's ingested_at
    swept: int = 0  # files the start-of-run sweep removed
    parts: list[Part] = field(default_factory=list)
    files: list[CommittedFile] = field(default_factory=list)
    _folders: set[Path] = field(default_factory=set)
    # Parts are flushed in the background as they are placed (the ingest's workers go
    # on reading meanwhile); the record waits for every flush.
    _flushing: list[Future[None]] = field(default_factory=list)
    _flusher: ThreadPoolExecutor | None = None

    def new_part(self, table: str, day: dt.date | str | None = None) -> Path:
        """A temporary path to write a part of `table` (and `day`) to."""
        return temporary_part(self.lake, self.run_id, table, day)

    def add_part(self, table: str, day: dt.date | str | None, temporary: Path, rows: int) -> Part:
        """Rename a written temporary into place; the record will list it."""
        return self.place(PendingPart(table, _day_text(day), temporary, rows))

    def place(self, pending: PendingPart) -> Part:
        """Rename a written temporary (from a worker) into place as this run's next part,
        and start flushing it. Unlisted until the commit, so it need not be on disk yet."""
        folder = part_folder(self.lake, pending.table, pending.dt)
        target = folder / f"part-{self.run_id:012d}-{len(self.parts)}.parquet"
        os.replace(pending.temporary, target)
        self._folders.add(folder)
        self._flushing.append(self._background().submit(flush, target))
        part = Part(
            pending.table, pending.dt, target.relative_to(self.lake).as_posix(), pending.rows
        )
        self.parts.append(part)
        return part

    def add_file(self, file_sha256: str, source_file: str, status: str) -> None:
        """A source file this run commits (its manifest rows are in the run's parts)."""
        self.files.append(CommittedFile(file_sha256, source_file, status))

    def commit(self) -> RunRecord | None:
        """Write the record: the commit. A run with no file and no part commits nothing."""
        try:
            if not self.parts and not self.files:
                return None
            # Every part and every rename is on disk before the record is.
            for done in self._flushing:
                done.result()
            list(self._background().map(flush_folder, self._folders))
        finally:
            self.close()
        record = RunRecord(
            run_id=self.run_id,
            started_at=self.started_at.isoformat(),
            committed_at=dt.datetime.now(dt.UTC).isoformat(),
            files=tuple(self.files),
            parts=tuple(self.parts),
        )
        _write_atomically(run_path(self.lake, self.run_id), record.to_json())
        return record

    def close(self) -> None:
        """Stop the background flushes (the run is committed or abandoned)."""
        if self._flusher is not None:
            self._flusher.shutdown(wait=True)
            self._flusher = None

    def _background(self) -> ThreadPoolExecutor:
        if self._flusher is None:
            self._flusher = ThreadPoolExecutor(_FLUSH_THREADS, thread_name_prefix="flush")
        return self._flusher


@contextmanager
def open_run(
    lake: Path, *, wait: bool = False, timeout: float | None = None
) -> Iterator[RunWriter]:
    """A run of the lake: hold its lock, refuse an earlier layout, sweep what no run
    lists, allocate the id; commit when the block ends without an exception."""
    with lake_lock(lake, wait=wait, timeout=timeout):
        check_layout(lake)
        swept = sweep(lake)
        run = RunWriter(lake, _allocate(lake), dt.datetime.now(dt.UTC), swept)
        try:
            yield run
            # Whatever was not placed (a dead worker's, a failed batch's) is no part.
            sweep_temporaries(lake)
            run.commit()
        except BaseException:
            run.close()
            if not run_path(lake, run.run_id).exists():  # not committed: tidy up now
                for part in run.parts:  # (else the next run's sweep would)
                    (lake / part.path).unlink(missing_ok=True)
            raise
        finally:
            run.close()


def _day_text(day: dt.date | str | None) -> str | None:
    return day.isoformat() if isinstance(day, dt.date) else day
