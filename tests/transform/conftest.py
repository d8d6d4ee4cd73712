"""Fixtures for the dbt project tests: a fixture lake in a temp LIVELAKE_DATA_DIR and
a helper that runs the repo's dbt against it with its own target and log paths, so
parallel runs (pytest-xdist) never share state."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from livelake.dbt_runner import dbt_invocation
from simulator.generate import generate
from tests.conftest import ingest
from tests.transform.lake_fixture import write_fixture_lake

REPO_ROOT = Path(__file__).resolve().parents[2]
TRUTH_DIR = os.environ.get("LIVELAKE_TRUTH_DATA_DIR")


def run_dbt(data_dir: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run `dbt <args>` on the repo's project against data_dir, with its own target and
    log paths beside data_dir (parallel runs never share them); return the result."""
    cmd, env = dbt_invocation(list(args), data_dir=data_dir, work_dir=data_dir.parent)
    result = subprocess.run(cmd, env=env, cwd=REPO_ROOT, capture_output=True, text=True)
    if check and result.returncode != 0:
        raise AssertionError(
            f"dbt {' '.join(args)} failed ({result.returncode}):\n"
            f"{result.stdout[-8000:]}\n{result.stderr[-4000:]}"
        )
    return result


def query(data_dir: Path) -> Callable[[str], list[dict]]:
    """A read-only query helper on the warehouse: rows as dicts."""

    def _query(sql: str) -> list[dict]:
        with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
            cur = con.execute(sql)
            names = [d[0] for d in cur.description]
            return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    return _query


@pytest.fixture(scope="session")
def built_fixture(tmp_path_factory) -> dict:
    """The fixture lake, built once with `dbt build`."""
    work = tmp_path_factory.mktemp("livelake_build")
    data_dir = work / "data"
    counts = write_fixture_lake(data_dir)
    result = run_dbt(data_dir, "build")
    return {"data_dir": data_dir, "counts": counts, "result": result, "query": query(data_dir)}


@pytest.fixture()
def fresh_lake(tmp_path) -> Path:
    """A fresh fixture lake (not built) in its own temp LIVELAKE_DATA_DIR."""
    data_dir = tmp_path / "data"
    write_fixture_lake(data_dir)
    yield data_dir
    shutil.rmtree(tmp_path / "target", ignore_errors=True)


@pytest.fixture(scope="session")
def truth_source(small_lake) -> Path:
    """The ingested world under test: LIVELAKE_TRUTH_DATA_DIR, else the session's small
    world (tests/conftest.py). Never written to."""
    return Path(TRUTH_DIR).resolve() if TRUTH_DIR else small_lake[0]


@pytest.fixture(scope="session")
def long_source(tmp_path_factory) -> Path:
    """The simulator's `long` world (150 days, few users: every KPI window is reached),
    written as workbooks and ingested once per session, like the small world. Its
    tests share one xdist group (test_truth.py), so one worker builds it."""
    root = tmp_path_factory.mktemp("long_world")
    generate(root / "inbox", root / "truth", scale="long", seed=42, workers=2)
    ingest(root, workers=2)
    return root


def _truth_build(tmp_path_factory, source: Path) -> dict:
    data_dir = tmp_path_factory.mktemp("truth") / "data"
    data_dir.mkdir()
    (data_dir / "lake").symlink_to(source / "lake", target_is_directory=True)
    result = run_dbt(data_dir, "build")
    world = source / "truth" / "world"

    def read(table: str) -> list[dict]:
        with duckdb.connect() as con:
            cur = con.execute(f"select * from read_parquet('{world / table}.parquet')")
            names = [d[0] for d in cur.description]
            return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]

    return {"result": result, "query": query(data_dir), "world": read, "source": source}


@pytest.fixture(scope="session")
def truth_build(tmp_path_factory, truth_source) -> dict:
    """That world's lake, linked into a temp data dir and built once with `dbt build`;
    its ground truth readable per table (`world`: truth/world/<table>.parquet)."""
    return _truth_build(tmp_path_factory, truth_source)


@pytest.fixture(scope="session")
def long_build(tmp_path_factory, long_source) -> dict:
    """The long world built once with `dbt build`, as `truth_build`."""
    return _truth_build(tmp_path_factory, long_source)
