"""The serving copy is replaced atomically and never blocks on its readers."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from lake.serving import connect_read_only, publish


def _warehouse(path: Path, value: int) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute("create or replace table kpi as select ? as v", [value])


def test_publish_replaces_the_copy_while_a_reader_holds_the_old_one(tmp_path: Path) -> None:
    warehouse, serving = tmp_path / "warehouse.duckdb", tmp_path / "serving.duckdb"
    _warehouse(warehouse, 1)
    publish(warehouse, serving)
    reader = connect_read_only(serving)
    assert reader.execute("select v from kpi").fetchall() == [(1,)]

    _warehouse(warehouse, 2)  # the next build writes the warehouse, not the copy
    publish(warehouse, serving)
    assert reader.execute("select v from kpi").fetchall() == [(1,)]  # still its snapshot
    reader.close()
    with connect_read_only(serving) as fresh:
        assert fresh.execute("select v from kpi").fetchall() == [(2,)]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["serving.duckdb", "warehouse.duckdb"]


def test_readers_cannot_write(tmp_path: Path) -> None:
    warehouse, serving = tmp_path / "warehouse.duckdb", tmp_path / "serving.duckdb"
    _warehouse(warehouse, 1)
    publish(warehouse, serving)
    with connect_read_only(serving) as con, pytest.raises(duckdb.Error, match="read-only"):
        con.execute("create table x as select 1")


def test_publish_without_a_build_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="livelake build"):
        publish(tmp_path / "warehouse.duckdb", tmp_path / "serving.duckdb")
