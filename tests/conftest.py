"""Shared fixtures: a private data directory per test, and lake readers."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import pytest

from ingest.run import RunReport, run_ingest
from ingest.sources.local import LocalFolderSource


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty LIVELAKE_DATA_DIR with an inbox."""
    (tmp_path / "inbox").mkdir()
    monkeypatch.setenv("LIVELAKE_DATA_DIR", str(tmp_path))
    return tmp_path


def ingest(data_dir: Path, workers: int = 1) -> RunReport:
    return run_ingest(LocalFolderSource(data_dir / "inbox"), data_dir / "lake", workers=workers)


def lake_table(data_dir: Path, table: str) -> pl.DataFrame:
    """A lake table as DuckDB reads it (hive partitions on), sorted by lineage."""
    glob = data_dir / "lake" / table / "*" / "*.parquet"
    with duckdb.connect() as con:
        return con.sql(
            f"select * from read_parquet('{glob}', hive_partitioning = true) "
            "order by source_file, source_sheet, source_row"
        ).pl()


def side_table(data_dir: Path, kind: str) -> pl.DataFrame:
    folder = data_dir / "lake" / kind
    if not folder.exists():
        return pl.DataFrame()
    return pl.read_parquet(folder / "*.parquet")
