"""Atomic file writes: a reader or a crash never sees half a file.

Every file is written under a dot-prefixed temporary name in its final folder (so
globs like `*/*.parquet` never match it) and renamed into place; rename within one
filesystem is atomic. A small record is flushed before its rename; a run's parts
are flushed before the record that commits them (lake.runs). Temporaries left by a
killed run are swept by the next run, under the ingest lock.
"""

from __future__ import annotations

import os
from pathlib import Path

from lake.layout import TMP_PREFIX


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
