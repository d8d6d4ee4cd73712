"""Compaction of the warehouse: rewrite it without the rows incremental runs deleted.

An incremental dbt run replaces rows (delete, then insert). DuckDB reclaims a
deleted row's space by vacuuming when it checkpoints, and a vacuum rewrites every
row group after the gap: for a corrected old day that is most of a large table,
on every run. The dbt profile turns vacuuming off (`max_vacuum_tasks: 0`), so a
daily run writes only what changed; deleted rows keep their space until this
compaction, as in any lakehouse where compaction is maintenance, not part of the
write (run it weekly: `make compact`). It copies the whole database into a fresh
file (`COPY FROM DATABASE`: tables, views, comments) and renames it over the
warehouse, so a crash at any point leaves the old warehouse intact. Nothing may
build while it runs: `livelake compact` takes the warehouse's lock (lake.lock), as
every build and publish does.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb

from lake.atomic import replace_database
from lake.layout import TMP_PREFIX


@dataclass(frozen=True)
class Compaction:
    bytes_before: int
    bytes_after: int


def compact(warehouse: Path, *, config: Mapping[str, str] | None = None) -> Compaction:
    """Rewrite the warehouse; `config` bounds the copying connection (its memory limit
    and where it spills: settings.paths.Paths.duckdb_config). The caller holds the
    warehouse's lock, so no build or publish runs meanwhile."""
    if not warehouse.exists():
        raise FileNotFoundError(f"no warehouse at {warehouse}: run `livelake build` first")
    # The file's name is its catalog name, which dbt's views are written against: the
    # copy is attached under another alias and only takes the name by the rename.
    tmp = warehouse.with_name(f"{TMP_PREFIX}{warehouse.name}.{os.getpid()}")
    try:
        with duckdb.connect(str(warehouse), config=dict(config or {})) as con:
            # Holding the warehouse now, sweep what a killed compaction left behind.
            for stale in warehouse.parent.glob(f"{TMP_PREFIX}{warehouse.name}.*"):
                stale.unlink(missing_ok=True)
            con.execute("checkpoint")  # fold the WAL in: the file holds everything
            bytes_before = warehouse.stat().st_size
            con.execute(f"attach '{tmp}' as compacted")
            con.execute(f"copy from database {_catalog(con)} to compacted")
            con.execute("detach compacted")
        replace_database(tmp, warehouse)
    finally:
        tmp.unlink(missing_ok=True)
    return Compaction(bytes_before=bytes_before, bytes_after=warehouse.stat().st_size)


def _catalog(con: duckdb.DuckDBPyConnection) -> str:
    row = con.execute("select current_database()").fetchone()
    assert row is not None
    return f'"{row[0]}"'
