"""Atomic file writes: a reader or a crash never sees half a parquet file.

Every part is written under a dot-prefixed temporary name in its final folder (so
globs like `*/*.parquet` never match it), flushed to disk, then renamed into place;
rename within one filesystem is atomic. Temporaries left by a killed run are swept
by the next run, under the ingest lock.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import polars as pl

from lake.layout import TMP_PREFIX


def write_atomic(target: Path, write: Callable[[Path], None]) -> None:
    """Call `write(tmp_path)`, fsync, then rename tmp over `target`."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f"{TMP_PREFIX}{target.name}.{os.getpid()}")
    try:
        write(tmp)
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_parquet_atomic(frame: pl.DataFrame, target: Path) -> None:
    write_atomic(
        target,
        lambda tmp: frame.write_parquet(tmp, compression="zstd", statistics=True),
    )


def sweep_temporaries(root: Path) -> int:
    """Remove temporaries a killed writer left behind; returns how many."""
    if not root.exists():
        return 0
    removed = 0
    for path in root.rglob(f"{TMP_PREFIX}*"):
        path.unlink(missing_ok=True)
        removed += 1
    return removed
