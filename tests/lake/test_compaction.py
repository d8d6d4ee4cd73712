"""Compaction gives back the space of deleted rows and changes nothing else."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from lake.compaction import compact

ROWS = 600_000


def _warehouse_with_deleted_rows(path: Path) -> None:
    """What daily incremental runs leave: a table whose replaced rows were deleted
    with vacuuming off (as the dbt profile runs), and a view on it written against
    the catalog, as dbt writes views."""
    with duckdb.connect(str(path)) as con:
        con.execute("set max_vacuum_tasks = 0")
        con.execute("create schema core")
        con.execute(
            "create table core.fct as "
            "select i as id, 'row ' || i as label, i * 1.5 as amount from range(?) as t(i)",
            [ROWS],
        )
        con.execute("comment on table core.fct is 'one row per id'")
        con.execute("comment on column core.fct.amount is 'TWD'")
        con.execute(
            'create view core.fct_even as select * from "warehouse"."core"."fct" where id % 2 = 0'
        )
        con.execute("checkpoint")
        con.execute("delete from core.fct where id < ?", [ROWS // 2])
        con.execute("checkpoint")


def _contents(path: Path) -> tuple:
    with duckdb.connect(str(path), read_only=True) as con:
        return (
            con.execute(
                "select count(*), sum(id), sum(amount), min(label) from core.fct"
            ).fetchall(),
            con.execute("select count(*), sum(id) from core.fct_even").fetchall(),
            con.execute("select comment from duckdb_tables() where table_name = 'fct'").fetchall(),
            con.execute(
                "select comment from duckdb_columns() where column_name = 'amount'"
            ).fetchall(),
        )


def test_compaction_reclaims_deleted_rows_and_keeps_every_object(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    _warehouse_with_deleted_rows(warehouse)
    before = _contents(warehouse)
    assert before[0][0][0] == ROWS // 2
    (tmp_path / ".tmp-warehouse.duckdb.99999").write_bytes(b"left by a killed compaction")

    result = compact(warehouse)

    assert result.bytes_after < 0.75 * result.bytes_before, result
    assert warehouse.stat().st_size == result.bytes_after
    assert _contents(warehouse) == before
    assert _contents(warehouse)[2] == [("one row per id",)]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["warehouse.duckdb"]


def test_compaction_without_a_warehouse_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="livelake build"):
        compact(tmp_path / "warehouse.duckdb")
