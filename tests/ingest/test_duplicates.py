"""The same key twice in one sheet: an exact repeat is a duplicate row (counted, loaded
once); different content quarantines every row of that key
(docs/input-contract.md, "Duplicates")."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl

from tests.conftest import lake_table, side_table
from tests.ingest.ledger import ingest_checked, quarantined
from tests.ingest.xlsx import TOP_UP_HEADER, SheetSpec, write_workbook

T = dt.datetime(2025, 3, 1, 9)
D = dt.date(2025, 3, 1)


def test_order_ids_repeated_and_conflicting(world: Path) -> None:
    write_workbook(
        world / "inbox" / "t.xlsx",
        SheetSpec(
            "day 1",
            [
                TOP_UP_HEADER,
                ["A1", "1", T, 30, "Success"],  # 2
                ["A2", "2", T, 60, "Success"],  # 3: conflicts with row 5
                ["A1", "1", T, 30, "Success"],  # 4: exact repeat of row 2
                ["A2", "2", T, 60, "Refunded"],  # 5
                ["A1", "1", T, 30, "Success"],  # 6: again
                ["A3", "3", T, 90, "Success"],  # 7
            ],
        ),
        # The same order on another sheet is not this rule's business.
        SheetSpec("day 2", [TOP_UP_HEADER, ["A3", "3", T, 90, "Success"]]),
    )
    report = ingest_checked(world)
    lake = lake_table(world, "top_up")
    assert lake.select("source_sheet", "source_row", "order_id").rows() == [
        ("day 1", 2, "A1"),
        ("day 1", 7, "A3"),
        ("day 2", 2, "A3"),
    ]
    assert quarantined(world) == {
        3: ("order_id", "conflicting_duplicate"),
        5: ("order_id", "conflicting_duplicate"),
    }
    day1 = report.files[0].result.sheets[0]
    assert (day1.rows_read, day1.rows_loaded, day1.rows_quarantined, day1.rows_duplicate) == (
        6,
        2,
        2,
        2,
    )
    assert day1.quarantined_by_reason == {"conflicting_duplicate": 2}
    assert report.files[0].to_dict()["rows_duplicate"] == 2


def test_a_conflict_keeps_the_rows_other_errors_in_its_list(world: Path) -> None:
    write_workbook(
        world / "inbox" / "t.xlsx",
        SheetSpec(
            "s",
            [
                TOP_UP_HEADER,
                ["A1", "1", T, 30, "Success"],  # 2
                ["A1", "1", T, 30, "Cancelled"],  # 3: conflicting and an unknown status
            ],
        ),
    )
    ingest_checked(world)
    assert quarantined(world) == {
        2: ("order_id", "conflicting_duplicate"),
        3: ("order_id", "conflicting_duplicate"),
    }
    q = side_table(world, "_quarantine").sort("source_row")
    assert json.loads(q["errors"][1]) == [
        {"column": "order_id", "reason": "conflicting_duplicate", "raw": "A1"},
        {"column": "status", "reason": "unknown_value", "raw": "Cancelled"},
    ]


def test_streamer_days_repeated_and_conflicting(world: Path) -> None:
    header = ["Date", "Streamer ID", "Channel ID", "Gross Revenue"]
    write_workbook(
        world / "inbox" / "pre.xlsx",
        SheetSpec(
            "s",
            [
                header,
                [D, "S1", "CH1", 100],  # 2
                [D, "S1", "CH1", 100],  # 3: repeat
                [D, "S1", "CH2", 50],  # 4: another channel, another key
                [D, "S2", "CH1", 70],  # 5: conflicts with 6
                [D, "S2", "CH1", 75],  # 6
            ],
        ),
    )
    report = ingest_checked(world)
    assert lake_table(world, "pre_deduction")["source_row"].to_list() == [2, 4]
    assert quarantined(world) == {
        5: ("streamer_id", "conflicting_duplicate"),
        6: ("streamer_id", "conflicting_duplicate"),
    }
    assert report.files[0].result.rows_duplicate == 1
    assert lake_table(world, "pre_deduction").select(pl.len()).item() == 2
