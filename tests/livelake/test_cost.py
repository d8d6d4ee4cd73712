"""The prod build's estimate follows each model's strategy (livelake/cost.py)."""

from __future__ import annotations

import pytest

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
    "facts": TableBytes(80, {"2026-01-01": 30, "2026-01-02": 50}),
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
                "fct": (1000, 300),
                # an incremental model reads a partitioned input from the earliest touched day on
                "daily": (500, 7),
                # a table reads its inputs whole and no target
                "mart": (500, 0),
                # a model rebuilding users reads their whole history
                "users": (500, 3),
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
                "fct": (1000, 200),
                "daily": (200, 7),
                "mart": (500, 0),
                "users": (500, 3),
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
