"""One small world's serving copy and one real Superset per test session group.

Every dashboard test is in the xdist group `superset` (`--dist loadgroup`), so one
worker builds the world, starts the server once and runs them all in order. The
BigQuery tests add a second Superset (LIVELAKE_TARGET=prod) on the same worker,
reading the same marts loaded into the BigQuery API emulator (tests/bigquery's
fixtures: skipped without the emulator, failed under CI=true).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from livelake_dashboards.warehouse import Warehouse

from ingest.run import RunReport
from lake.serving import publish
from livelake.dbt_runner import dbt_invocation
from tests.bigquery import emulator as bqemulator
from tests.bigquery.conftest import bq, emulator
from tests.dashboards import superset_server
from tests.dashboards.bigquery_marts import load_marts
from tests.dashboards.superset_server import REPO_ROOT, Superset

__all__ = ["bq", "emulator"]  # tests/bigquery's fixtures, used here too


def build_world(lake_root: Path, data_dir: Path) -> Path:
    """A data dir reading the shared small lake, with its own warehouse and serving copy."""
    data_dir.mkdir(parents=True)
    (data_dir / "lake").symlink_to(lake_root / "lake")
    command, env = dbt_invocation(["build"], data_dir=data_dir, work_dir=data_dir.parent)
    done = subprocess.run(command, env=env, cwd=REPO_ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise AssertionError(f"dbt build failed:\n{done.stdout[-6000:]}\n{done.stderr[-2000:]}")
    return publish(data_dir / "warehouse.duckdb", data_dir / "serving.duckdb")


@pytest.fixture(scope="session")
def dashboard_world(
    small_lake: tuple[Path, RunReport], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    lake_root, _ = small_lake
    data_dir = tmp_path_factory.mktemp("dashboards") / "data"
    build_world(lake_root, data_dir)
    return data_dir


@pytest.fixture(scope="session")
def superset(dashboard_world: Path) -> Iterator[Superset]:
    server = superset_server.start_server(dashboard_world)
    try:
        yield server
    finally:
        superset_server.stop_server(server)


def prod_env(running: bqemulator.Emulator) -> dict[str, str]:
    """What makes the product read BigQuery, here the emulator (no credentials: the
    metadata-server probe of application default credentials is switched off)."""
    return {"LIVELAKE_TARGET": "prod", **running.env(), "NO_GCE_CHECK": "True"}


@pytest.fixture(scope="session")
def bigquery_superset(
    emulator: bqemulator.Emulator,
    bq,  # noqa: ANN001 - google.cloud.bigquery.Client
    dashboard_world: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Superset]:
    """A Superset of LIVELAKE_TARGET=prod over the dev marts, loaded into the emulator."""
    env = prod_env(emulator)
    root = tmp_path_factory.mktemp("dashboards-bigquery")
    warehouse = Warehouse.from_env(root / "data", env)
    load_marts(dashboard_world / "serving.duckdb", bq, warehouse, root / "parquet")
    server = superset_server.start_server(root / "data", env, workers=1)
    try:
        yield server
    finally:
        superset_server.stop_server(server)


@pytest.fixture(scope="session")
def serving_query(dashboard_world: Path):  # noqa: ANN201 - a query helper
    """Query the serving copy directly (read-only), as the values tests' reference."""

    def _query(sql: str) -> list[tuple]:
        with duckdb.connect(str(dashboard_world / "serving.duckdb"), read_only=True) as con:
            return con.execute(sql).fetchall()

    return _query


@pytest.fixture(scope="session")
def screenshots_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """LIVELAKE_SCREENSHOTS (only `make screenshots`: docs/screenshots), else a temp dir:
    a test run never rewrites the tracked screenshots."""
    chosen = os.environ.get("LIVELAKE_SCREENSHOTS")
    folder = Path(chosen) if chosen else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder
