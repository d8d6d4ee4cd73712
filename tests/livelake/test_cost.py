"""The prod build's estimate follows each model's strategy (livelake/cost.py)."""

from __future__ import annotations

from livelake.cost import Part, TableBytes, daily_scan


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
        ),
        "model.livelake.mart": model("mart", ["model.livelake.fct"], materialized="table"),
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
    },
}
PARTS = [
    Part("top_up", "2026-01-01", 1, 100),
    Part("top_up", "2026-01-02", 2, 50),
    Part("top_up", "2026-01-01", 3, 10),  # a late re-export of the first day
]
SIZES = {
    "base": TableBytes(1000, {}),
    "fct": TableBytes(500, {"2026-01-01": 300, "2026-01-02": 200}),
    "daily": TableBytes(7, {}),
    "mart": TableBytes(40, {}),
    "users": TableBytes(3, {}),
}


def test_each_strategy_reads_what_it_must() -> None:
    scans = {s.model: s for s in daily_scan(MANIFEST, SIZES, PARTS, {3})}
    assert "stg" not in scans  # a view costs its readers
    # merge: the new run's parts, and its own table whole
    assert (scans["base"].read_bytes, scans["base"].target_bytes) == (10, 1000)
    # insert_overwrite: its input through the view (unpartitioned: whole), the touched day
    assert (scans["fct"].read_bytes, scans["fct"].target_bytes) == (1000, 300)
    # an incremental model reads a partitioned input from the earliest touched day on
    assert (scans["daily"].read_bytes, scans["daily"].target_bytes) == (500, 7)
    # a table reads its inputs whole and no target
    assert (scans["mart"].strategy, scans["mart"].total) == ("table", 500)
    # a model rebuilding users reads their whole history
    assert (scans["users"].read_bytes, scans["users"].target_bytes) == (500, 3)


def test_a_new_day_reads_its_own_partitions_only() -> None:
    scans = {s.model: s for s in daily_scan(MANIFEST, SIZES, PARTS, {2})}
    assert (scans["base"].read_bytes, scans["fct"].target_bytes) == (50, 200)
    assert scans["daily"].read_bytes == 200
