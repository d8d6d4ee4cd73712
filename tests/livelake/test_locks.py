"""One build, publish or compaction at a time: the second is refused (exit 4) or waits."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from lake.lock import EXIT_BUSY, WarehouseBusyError, lake_lock, warehouse_lock

LIVELAKE = str(Path(sys.executable).with_name("livelake"))


def _livelake(data_dir: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "LIVELAKE_DATA_DIR": str(data_dir), "COLUMNS": "200"}
    return subprocess.Popen(
        [LIVELAKE, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _warehouse(data_dir: Path) -> Path:
    warehouse = data_dir / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create table kpi as select 7 as v")
    return warehouse


@pytest.mark.parametrize("command", [["build"], ["publish"], ["compact"]])
def test_a_second_user_of_the_warehouse_is_refused_with_who_holds_it(
    tmp_path: Path, command: list[str]
) -> None:
    warehouse = _warehouse(tmp_path)
    with warehouse_lock(warehouse, doing="build"):
        process = _livelake(tmp_path, *command)
        _, stderr = process.communicate(timeout=120)
    assert process.returncode == EXIT_BUSY, stderr
    message = " ".join(stderr.split())
    assert f"another build, publish or compaction is using {warehouse}" in message
    assert f"pid {os.getpid()}, build, started" in message
    assert "pass --wait" in message
    assert not (tmp_path / "serving.duckdb").exists()


def test_publish_with_wait_queues_behind_the_holder(tmp_path: Path) -> None:
    warehouse = _warehouse(tmp_path)
    with warehouse_lock(warehouse, doing="compact"):
        process = _livelake(tmp_path, "publish", "--wait")
        time.sleep(2)  # long enough to have refused, were it not waiting
        assert process.poll() is None
        assert not (tmp_path / "serving.duckdb").exists()
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 0, stderr
    with duckdb.connect(str(tmp_path / "serving.duckdb"), read_only=True) as con:
        assert con.execute("select v from kpi").fetchall() == [(7,)]


def test_the_lake_and_the_warehouse_locks_are_independent(tmp_path: Path) -> None:
    """An ingest holding the lake never stops a build: builds read committed runs."""
    warehouse = tmp_path / "warehouse.duckdb"
    with lake_lock(tmp_path / "lake"), warehouse_lock(warehouse, doing="build") as held:
        assert held.path == tmp_path / ".warehouse.duckdb.lock"
        with pytest.raises(WarehouseBusyError), warehouse_lock(warehouse, doing="publish"):
            pass
