"""Atomic file writes: a reader or a crash never sees half a parquet file.

Every part is written under a dot-prefixed temporary name in its final folder (so
globs like `*/*.parquet` never match it), flushed to disk, then renamed into place;
rename within one filesystem is atomic. Temporaries left by a killed run are swept
by the next run, under the ingest lock.

Parts are staged in batches (`Staged`): all written, then all flushed at once from
a few threads, then all renamed. Waiting for the disk is most of the cost of a small
part, and concurrent flushes share the filesystem's journal commits.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from lake.layout import TMP_PREFIX

if TYPE_CHECKING:  # the run process sweeps temporaries without importing polars
    import polars as pl

_FLUSH_THREADS = 8


class Staged:
    """Parts written under temporary names, renamed into place together by `commit`.

    Nothing is renamed before every part is on disk; a part that is not committed
    (an error, a kill) stays a temporary, invisible to readers, swept by the next run.
    """

    def __init__(self) -> None:
        self._parts: list[tuple[Path, Path]] = []  # (temporary, target)

    def write_parquet(self, frame: pl.DataFrame, target: Path) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f"{TMP_PREFIX}{target.name}.{os.getpid()}")
        self._parts.append((tmp, target))
        frame.write_parquet(tmp, compression="zstd", statistics=True)

    def commit(self) -> None:
        parts, self._parts = self._parts, []
        if len(parts) == 1:
            flush(parts[0][0])
        elif parts:
            with ThreadPoolExecutor(min(_FLUSH_THREADS, len(parts))) as pool:
                list(pool.map(flush, (tmp for tmp, _ in parts)))
        for tmp, target in parts:
            os.replace(tmp, target)

    def discard(self) -> None:
        parts, self._parts = self._parts, []
        for tmp, _ in parts:
            tmp.unlink(missing_ok=True)


def flush(path: Path) -> None:
    """Wait until the file's contents are on disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def replace_database(tmp: Path, target: Path) -> None:
    """Swap a DuckDB file written under a temporary name in for `target`: it must
    open (never swap in a broken file), it is flushed, then renamed over the target.
    A reader that has the old file open keeps reading it (its inode lives until it
    closes); the next connection opens the new one."""
    import duckdb  # here, not at the top: the ingest's workers never need it

    with duckdb.connect(str(tmp), read_only=True) as con:
        con.execute("select 1").fetchall()
    flush(tmp)
    os.replace(tmp, target)


def sweep_temporaries(root: Path) -> int:
    """Remove temporaries a killed writer left behind; returns how many."""
    if not root.exists():
        return 0
    removed = 0
    for path in root.rglob(f"{TMP_PREFIX}*"):
        path.unlink(missing_ok=True)
        removed += 1
    return removed
