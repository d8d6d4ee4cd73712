"""One open, read-only DuckDB per Superset worker on the serving copy, reopened after a publish.

Superset builds a new SQLAlchemy engine for every query and, with its NullPool, opened
the 0.9 GB serving copy afresh each time: most of a chart's answer time was that
open, not the query. Here the DB_CONNECTION_MUTATOR hands the engine a `creator`
instead: every connection it asks for is a cursor (a cheap extra connection sharing
one database instance, its catalog and its buffer cache) of the copy this worker
keeps open, for as long as the file at the serving path is the same file.

`livelake publish` renames a new file over the path (lake/serving.py). Each checkout
compares the path's identity (device, inode, size, mtime: an inode number alone can be
reused once the old file is gone) with the open copy's; when they differ the worker
opens the new file and retires the old one, closed when its last cursor comes back
(a query running on it finishes on the copy it started on). So every query reads
one whole copy, and the first query after a publish reads the new one.

The copy is ATTACHed (READ_ONLY) to a private in-memory DuckDB rather than opened
with `duckdb.connect(path)`: DuckDB's instance cache hands a second connect of the
same path the database already open in the process, which after a rename is the old
file. Each cursor `USE`s the attached catalog, so Superset's `marts.<table>` resolve
as before.

The identity of the copy that answered is kept per thread (`copies_read_since`) for the
results cache (results_cache.py), which stores an answer under the copy it came from.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import duckdb_engine
from duckdb_engine import ConnectionWrapper, DuckDBIdentifierPreparer
from sqlalchemy.dialects.postgresql.base import PGIdentifierPreparer
from sqlalchemy.engine.url import URL

CATALOG = "serving"
_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Identity:
    """Which file the serving path names: a publish always changes it."""

    device: int
    inode: int
    size: int
    mtime_ns: int

    def __str__(self) -> str:
        return f"{self.device}-{self.inode}-{self.size}-{self.mtime_ns}"


def identity(path: Path) -> Identity:
    """The identity of the file at `path` now; a DuckDB IOException if there is none
    (so Superset reports it as the database error it is)."""
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        raise duckdb.IOException(
            f"Cannot open the serving copy {path}: it does not exist (run `livelake publish`)"
        ) from None
    return Identity(stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)


class _Copy:
    """One serving file, attached read-only to a private in-memory DuckDB."""

    def __init__(self, path: Path) -> None:
        # Attach, then check the path still names the file it named before: a publish
        # between the two would have given us a newer file under an older identity.
        while True:
            before = identity(path)
            # Spill (a big query) beside the file, where DuckDB puts a file database's
            # temp directory, not in Superset's working directory.
            spill = path.with_name(f"{path.name}.tmp")
            database = duckdb.connect(":memory:", config={"temp_directory": str(spill)})
            try:
                database.execute(f"attach '{_quoted(path)}' as {CATALOG} (read_only)")
            except BaseException:
                database.close()
                raise
            if identity(path) == before:
                break
            database.close()
        self.identity = before
        self.database = database
        self.users = 0
        self.retired = False

    def cursor(self) -> duckdb.DuckDBPyConnection:
        cursor = self.database.cursor()
        cursor.execute(f"use {CATALOG}")
        return cursor


def _quoted(path: Path) -> str:
    return str(path).replace("'", "''")


class _Lease(ConnectionWrapper):
    """duckdb-engine's connection wrapper around one cursor; closing it (SQLAlchemy's
    NullPool does, at the end of each query) gives the cursor back."""

    def __init__(self, cursor: duckdb.DuckDBPyConnection, copy: _Copy, pool: ServingCopy) -> None:
        super().__init__(cursor)
        self._copy = copy
        self._pool = pool

    def close(self) -> None:
        if not self.closed:
            super().close()
            self._pool._give_back(self._copy)


class _KeywordsOncePreparer(DuckDBIdentifierPreparer):
    """duckdb-engine's identifier preparer, asking DuckDB for its reserved words once
    per process instead of once per engine.

    Its __init__ runs `duckdb_keywords()` on DuckDB's default connection and adds the
    words to PostgreSQL's reserved-word set, a module-level set every preparer shares;
    Superset builds several engines per chart request, so after the first the query
    only re-adds what is there (a tenth of an uncached answer's time in the profile)."""

    _words_added = False

    def __init__(self, dialect: Any, **kwargs: Any) -> None:
        if _KeywordsOncePreparer._words_added:
            PGIdentifierPreparer.__init__(self, dialect, **kwargs)
            return
        super().__init__(dialect, **kwargs)
        _KeywordsOncePreparer._words_added = True


def add_reserved_words_once() -> None:
    """Make every DuckDB engine's dialect use `_KeywordsOncePreparer` (superset_config)."""
    duckdb_engine.Dialect.preparer = _KeywordsOncePreparer


class _Answers(threading.local):
    """The copies this thread's last queries read, numbered (bounded: a thread may run
    any number of queries with no results cache reading this)."""

    def __init__(self) -> None:
        self.count = 0
        self.recent: deque[Identity] = deque(maxlen=256)
        self.request_mark = 0

    def add(self, used: Identity) -> None:
        self.count += 1
        self.recent.append(used)


_answers = _Answers()


def queries_so_far() -> int:
    """How many connections this thread has taken (a mark for `copies_read_since`)."""
    return _answers.count


def copies_read_since(mark: int) -> list[Identity] | None:
    """The identity of the copy each connection this thread took after `mark` read, in
    order; None if there were too many to remember."""
    taken = _answers.count - mark
    if taken > len(_answers.recent):
        return None
    return list(_answers.recent)[len(_answers.recent) - taken :] if taken else []


def start_request() -> None:
    """Superset's before_request hook (superset_config's FLASK_APP_MUTATOR): what this
    thread's connections read from now on belongs to the request just begun."""
    _answers.request_mark = _answers.count


def copies_read_this_request() -> list[Identity] | None:
    """What this thread's connections read since its current request began."""
    return copies_read_since(_answers.request_mark)


def last_copy_read() -> Identity | None:
    """The copy this thread's latest connection read (None before any)."""
    return _answers.recent[-1] if _answers.recent else None


def log_query(database_url: object, sql: str, *_context: object, **_params: object) -> None:
    """Superset's QUERY_LOGGER, called for every statement a chart, dashboard or SQL Lab
    runs, once its connection is taken: which worker ran what on which serving copy
    (a cached answer runs nothing, so it logs nothing)."""
    url = str(database_url)
    where = f"serving copy {last_copy_read()}" if url.startswith("duckdb") else url
    _log.info("pid %d query on %s: %s", os.getpid(), where, " ".join(sql.split()))


class ServingCopy:
    """The serving copy of one path, as this process keeps it open."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._current: _Copy | None = None

    def connect(self) -> _Lease:
        """A DB-API connection on the copy the path names now (SQLAlchemy's creator)."""
        with self._lock:
            now = identity(self.path)
            if self._current is None or self._current.identity != now:
                fresh = _Copy(self.path)
                self._retire(self._current)
                self._current = fresh
            copy = self._current
            copy.users += 1
        try:
            cursor = copy.cursor()
        except BaseException:
            self._give_back(copy)
            raise
        _answers.add(copy.identity)
        return _Lease(cursor, copy, self)

    def _retire(self, copy: _Copy | None) -> None:
        if copy is None:
            return
        copy.retired = True
        if copy.users == 0:
            copy.database.close()

    def _give_back(self, copy: _Copy) -> None:
        with self._lock:
            copy.users -= 1
            if copy.retired and copy.users == 0:
                copy.database.close()

    @property
    def open_identity(self) -> Identity | None:
        """The identity of the copy this process has open (None before the first query)."""
        with self._lock:
            return self._current.identity if self._current else None


_copies: dict[Path, ServingCopy] = {}
_copies_lock = threading.Lock()


def serving_copy(path: Path) -> ServingCopy:
    """This process's one ServingCopy of `path` (absolute)."""
    with _copies_lock:
        if path not in _copies:
            _copies[path] = ServingCopy(path)
        return _copies[path]


def mutate_connection(
    uri: URL, params: dict[str, Any], *_context: object
) -> tuple[URL, dict[str, Any]]:
    """Superset's DB_CONNECTION_MUTATOR: a read-only DuckDB file database gets its
    connections from this process's open copy; anything else is left as it is."""
    connect_args = params.get("connect_args", {})
    if (
        uri.get_backend_name() != "duckdb"
        or not uri.database
        or uri.database == ":memory:"
        or not connect_args.get("read_only")
    ):
        return uri, params
    copy = serving_copy(Path(uri.database).resolve())
    return uri, {**params, "creator": copy.connect}
