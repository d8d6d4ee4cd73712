"""The serving copy: what dashboards and notebooks read, replaced atomically.

dbt writes `warehouse.duckdb`; readers never open it, so a build never waits on a
reader's lock and a reader never sees a half-built model. After a successful
build the warehouse is checkpointed and copied to a temporary file beside
`serving.duckdb`, flushed, and renamed over it. A reader that has the old copy
open keeps reading the old file (its inode lives until it closes); the next
connection sees the new one.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from pathlib import Path

import duckdb

from lake.atomic import replace_database
from lake.layout import TMP_PREFIX


def publish(warehouse: Path, serving: Path, *, config: Mapping[str, str] | None = None) -> Path:
    """Copy the warehouse over the serving copy; `config` bounds the connection that
    checkpoints it (settings.paths.Paths.duckdb_config). The caller holds the
    warehouse's lock, so no build writes it meanwhile."""
    if not warehouse.exists():
        raise FileNotFoundError(f"no warehouse at {warehouse}: run `livelake build` first")
    with duckdb.connect(str(warehouse), config=dict(config or {})) as con:
        con.execute("checkpoint")  # fold the WAL in: the copy is one self-contained file
    tmp = serving.with_name(f"{TMP_PREFIX}{serving.name}.{os.getpid()}")
    try:
        shutil.copyfile(warehouse, tmp)
        replace_database(tmp, serving)
    finally:
        tmp.unlink(missing_ok=True)
    return serving


def connect_read_only(serving: Path) -> duckdb.DuckDBPyConnection:
    """How every reader (notebooks, the CLI's KPI table) opens the serving copy."""
    return duckdb.connect(str(serving), read_only=True)
