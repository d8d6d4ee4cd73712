"""Atomic file writes: a reader or a crash never sees half a file.

Every part is written under a dot-prefixed temporary name in its final folder (so
globs like `*/*.parquet` never match it), flushed to disk, then renamed into place;
rename within one filesystem is atomic. Temporaries left by a killed run are swept
by the next run, under the ingest lock (lake.runs).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from lake.layout import TMP_PREFIX

_FLUSH_THREADS = 8


def flush_all(paths: list[Path]) -> None:
    """Flush many files at once, from a few threads: concurrent flushes share the
    filesystem's journal commits, and waiting for the disk is most of a small part's cost."""
    if len(paths) == 1:
        flush(paths[0])
    elif paths:
        with ThreadPoolExecutor(min(_FLUSH_THREADS, len(paths))) as pool:
            list(pool.map(flush, paths))


def flush(path: Path) -> None:
    """Wait until the file's contents are on disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def flush_folder(folder: Path) -> None:
    """Wait until the folder's entries (a rename into it) are on disk."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
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
