"""The prod build's estimate follows each model's strategy and charges the columns
its plan reads (livelake/cost.py)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from livelake.cost import (
    Part,
    TableBytes,
    TableRead,
    daily_scan,
    read_columns,
    warehouse_bytes,
)


def model(name: str, parents: list[str], **config: object) -> dict:
    return {
        "name": name,
        "resource_type": "model",
        "depends_on": {"nodes": parents},
        "config": config,
    }


MANIFEST = {
    "sources": {"source.livelake.lake.top_up": {"identifier": "top_up"}},
    "nodes": {
        "model.livelake.base": model(
            "base",
            ["source.livelake.lake.top_up"],
            materialized="incremental",
            incremental_strategy="merge",
            unique_key=["row"],
        ),
        "model.livelake.stg": model("stg", ["model.livelake.base"], materialized="view"),
        "model.livelake.fct": model(
            "fct",
            ["model.livelake.stg"],
            materialized="incremental",
            incremental_strategy="insert_overwrite",
            partition_by={"field": "d"},
        ),
        "model.livelake.daily": model(
            "daily",
            ["model.livelake.fct"],
            materialized="incremental",
            incremental_strategy="merge",
            unique_key=["d"],
        ),
        "model.livelake.mart": model("mart", ["model.livelake.fct"], materialized="table"),
        "model.livelake.facts": model(
            "facts",
            ["model.livelake.stg"],
            materialized="incremental",
            incremental_strategy="merge",
            incremental_predicates=["DBT_INTERNAL_DEST.d >= {merge_since}"],
            partition_by={"field": "d"},
            meta={"reads_own_rows": True},
        ),
        "model.livelake.users": model(
            "users",
            ["model.livelake.fct"],
            materialized="incremental",
            incremental_strategy="merge",
            merge_clauses={
                "when_not_matched": [
                    {"action": "insert"},
                    {
                        "by": "source",
                        "action": "delete",
                        "condition": "d.user_id in (select user_id from x)",
                    },
                ]
            },
        ),
        "model.livelake.log": model(
            "log",
            ["model.livelake.fct"],
            materialized="incremental",
            incremental_strategy="merge",
            meta={"reads_at_compile": ["_batch_run_id"]},
        ),
    },
}
PARTS = [
    Part("top_up", "2026-01-01", 1, 100),
    Part("top_up", "2026-01-02", 2, 50),
    Part("top_up", "2026-01-01", 3, 10),  # a late re-export of the first day
]
SIZES = {  # one column each: whole rows
    "base": TableBytes({"row": {"": 1000}}),
    "fct": TableBytes(
        {
            "row": {"2026-01-01": 300, "2026-01-02": 200},
            "_batch_run_id": {"2026-01-01": 4, "2026-01-02": 3},
            "d": {"2026-01-01": 2, "2026-01-02": 1},
        },
        "d",
    ),
    "daily": TableBytes({"row": {"": 7}}),
    "mart": TableBytes({"row": {"": 40}}),
    "users": TableBytes({"row": {"": 3}}),
    "log": TableBytes({"row": {"": 9}}),
    "facts": TableBytes({"row": {"2026-01-01": 30, "2026-01-02": 50}}),
}


@pytest.mark.parametrize(
    ("new_run", "expected"),
    [
        pytest.param(
            3,  # a late re-export of the first day
            {
                # merge: the new run's parts, and its own table whole
                "base": (10, 1000),
                # insert_overwrite: its input through the view (unpartitioned), the touched day
                "fct": (1000, 306),
                # an incremental model reads a partitioned input from the earliest touched day on
                "daily": (510, 7),
                # a table reads its inputs whole and no target
                "mart": (510, 0),
                # a model rebuilding users reads their whole history
                "users": (510, 3),
                # finding its first day at compile time: the run id and partition columns
                # whole; a merge without a key only inserts: its own table is not billed
                "log": (510 + 10, 0),
                # a merge bounded by incremental_predicates reads the target's partitions from
                # the earliest touched day on; reading its own rows, its whole table besides
                "facts": (1000 + 80, 80),
            },
            id="corrected-day",
        ),
        pytest.param(
            2,  # a new day
            {
                "base": (50, 1000),
                "fct": (1000, 204),
                "daily": (204, 7),
                "mart": (510, 0),
                "users": (510, 3),
                "log": (204 + 10, 0),
                "facts": (1000 + 80, 50),
            },
            id="new-day",
        ),
    ],
)
def test_each_strategy_reads_what_it_must(
    new_run: int, expected: dict[str, tuple[int, int]]
) -> None:
    scans = {s.model: s for s in daily_scan(MANIFEST, SIZES, PARTS, {new_run})}
    assert "stg" not in scans  # a view costs its readers
    assert scans["mart"].strategy == "table"
    assert {name: (scan.read_bytes, scan.target_bytes) for name, scan in scans.items()} == expected


def test_a_model_is_charged_the_columns_its_plan_reads(tmp_path: Path) -> None:
    """Models reading 2 of a fact's 4 columns (one only in their filter, through a view)
    are charged those 2 columns' logical bytes: an incremental one from the first
    touched day when its plan bounds the fact's partition column by a literal, whole
    when it does not; whole rows stay the upper bound beside it."""
    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema core")
        con.execute(
            "create table core.fct as select * from (values "
            "(date '2026-01-01', 'u-1', 10, 'long note here'), "
            "(date '2026-01-01', 'u-22', null, null), "
            "(date '2026-01-02', 'u-333', 30, 'n')) as t(d, user_id, coins, note)"
        )
        con.execute("create view core.stg as select * from core.fct")
    # BigQuery's logical bytes, by hand: a date 8, a string 2 + its bytes, a number 8.
    day_1 = {"d": 8 + 8, "user_id": (2 + 3) + (2 + 4), "coins": 8, "note": 2 + 14}
    day_2 = {"d": 8, "user_id": 2 + 5, "coins": 8, "note": 2 + 1}
    sizes = warehouse_bytes(warehouse, {"fct": "d"})
    assert sizes["fct"].by_column == {
        column: {"2026-01-01": day_1[column], "2026-01-02": day_2[column]} for column in day_1
    }

    per_user = 'select user_id, count(*) as days from "warehouse"."core"."stg" where coins > 5'
    sql = {
        "mart": f"{per_user} group by 1",
        "users": f"{per_user} group by 1",
        "daily": f"{per_user} and d >= date '2026-01-02' group by 1",
    }
    manifest = {
        "sources": {},
        "nodes": {
            "model.livelake.fct": model(
                "fct", [], materialized="table", partition_by={"field": "d"}
            ),
            "model.livelake.stg": model("stg", ["model.livelake.fct"], materialized="view"),
            "model.livelake.mart": model("mart", ["model.livelake.stg"], materialized="table"),
            "model.livelake.users": model(
                "users", ["model.livelake.stg"], materialized="incremental"
            ),
            "model.livelake.daily": model(
                "daily", ["model.livelake.stg"], materialized="incremental"
            ),
        },
    }
    for name, code in sql.items():
        manifest["nodes"][f"model.livelake.{name}"]["compiled_code"] = code
    planned = read_columns(warehouse, manifest)
    assert planned["mart"] == {
        "fct": TableRead(frozenset({"user_id", "coins"}), frozenset({"coins"}))
    }
    assert planned["daily"]["fct"].columns == {"user_id", "coins", "d"}
    assert planned["daily"]["fct"].bounded == {"coins", "d"}

    parts = [Part("top_up", "2026-01-02", 2, 99)]
    scans = {s.model: s for s in daily_scan(manifest, sizes, parts, {2}, planned)}
    read = ("user_id", "coins")
    whole = sum(day_1.values()) + sum(day_2.values())
    assert scans["mart"].read_bytes == sum(day_1[c] + day_2[c] for c in read) == 34
    assert scans["mart"].whole_read_bytes == whole == 77
    # incremental, no literal bound on the partition column: every day of its columns
    assert scans["users"].read_bytes == 34
    # bounded from the new day on: that day's partition of its 3 columns
    assert scans["daily"].read_bytes == sum(day_2[c] for c in (*read, "d")) == 23
    assert scans["daily"].whole_read_bytes == sum(day_2.values()) == 26
    # Without a plan, whole rows, and an incremental model's input by day (its config).
    unplanned = {s.model: s for s in daily_scan(manifest, sizes, parts, {2})}
    assert (unplanned["mart"].read_bytes, unplanned["users"].read_bytes) == (77, 26)
