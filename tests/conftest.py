"""Shared fixtures: a private data directory per test, and lake readers; the xdist
groups' names on pytest 9.2."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import pytest

from ingest.run import RunReport, run_ingest
from ingest.sources.local import LocalFolderSource
from simulator.generate import GenerateReport, generate


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty LIVELAKE_DATA_DIR with an inbox."""
    (tmp_path / "inbox").mkdir()
    monkeypatch.setenv("LIVELAKE_DATA_DIR", str(tmp_path))
    return tmp_path


@pytest.fixture(scope="session")
def small_world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GenerateReport]:
    """The simulator's `small` world (inbox + truth), generated once per session; read-only."""
    root = tmp_path_factory.mktemp("small_world")
    report = generate(root / "inbox", root / "truth", scale="small", seed=42, workers=2)
    return root, report


@pytest.fixture(scope="session")
def small_lake(
    small_world: tuple[Path, GenerateReport], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, RunReport]:
    """A data dir whose lake holds the ingested `small` world; read-only."""
    world_root, _ = small_world
    root = tmp_path_factory.mktemp("small_lake")
    (root / "inbox").symlink_to(world_root / "inbox")
    (root / "truth").symlink_to(world_root / "truth")
    return root, ingest(root, workers=2)


def ingest(data_dir: Path, workers: int = 1) -> RunReport:
    return run_ingest(LocalFolderSource(data_dir / "inbox"), data_dir / "lake", workers=workers)


def lake_table(data_dir: Path, table: str) -> pl.DataFrame:
    """A lake table as DuckDB reads it (hive partitions on), sorted by lineage."""
    glob = data_dir / "lake" / table / "*" / "*.parquet"
    with duckdb.connect() as con:
        frame = con.sql(
            f"select * from read_parquet('{glob}', hive_partitioning = true) "
            "order by source_file, source_sheet, source_row"
        ).pl()
    # DuckDB hands instants back in its session zone; the lake's zone is UTC.
    return frame.with_columns(pl.col(pl.Datetime(time_zone="*")).dt.convert_time_zone("UTC"))


def side_table(data_dir: Path, kind: str) -> pl.DataFrame:
    folder = data_dir / "lake" / kind
    if not folder.exists():
        return pl.DataFrame()
    return pl.read_parquet(folder / "*.parquet")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """`--dist loadgroup` sends an `xdist_group` to one worker by suffixing the test's
    id with `@<group>`; pytest-xdist 3.8 writes the suffix where pytest 9.2 no longer
    reads it (structured node ids: pytest-dev/pytest-xdist#1386), so every group would
    be ignored and its session fixtures (Superset, the emulator, the long world) made
    on both workers. Write it where pytest reads it; an xdist that does it is left be."""
    if not getattr(config.option, "loadgroup", False):
        return
    for item in items:
        groups = sorted(
            str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
            for mark in item.iter_markers("xdist_group")
        )
        nodeid = item.nodeid
        if groups and nodeid.rfind("@") <= nodeid.rfind("]"):
            from _pytest.nodeid import NodeId

            item._id = NodeId.parse(f"{nodeid}@{'_'.join(dict.fromkeys(groups))}")
