"""Timestamps load right or not at all (docs/input-contract.md, "Timestamps").

Offsets in every common spelling are applied and the value moved onto the Asia/Taipei
wall clock; an offset that cannot be read, a date alone or a time alone where a
timestamp is required, and an Excel date cell holding 0 quarantine their row.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import xlsxwriter

from tests.conftest import lake_table
from tests.ingest.ledger import ingest_checked, quarantined
from tests.ingest.xlsx import TOP_UP_HEADER, SheetSpec, write_workbook

T = dt.datetime
WALL = T(2025, 3, 1, 10, 22, 33)  # Asia/Taipei


def _one_stamp(world: Path, cell: object) -> None:
    write_workbook(
        world / "inbox" / "t.xlsx",
        SheetSpec(
            "s",
            [
                TOP_UP_HEADER,
                ["A1", "1", T(2025, 3, 1, 9), 30, "Success"],  # 2
                ["A2", "2", cell, 30, "Success"],  # Excel row 3
            ],
        ),
    )


@pytest.mark.parametrize(
    "cell",
    [
        "2025-03-01T10:22:33+08:00",
        "2025-03-01 10:22:33+0800",
        "2025-03-01 02:22:33 +0000",
        "2025-03-01T02:22:33Z",
        "2025-03-01 02:22:33 UTC",
        "2025-03-01 02:22:33 GMT",
        "2025-03-01 10:22:33 GMT+8",
        "2025-03-01 11:22:33 UTC+09:00",
        "2025-02-28T21:22:33-05:00",
        "2025/03/01 上午 02:22:33 +00:00",
        "2025年3月1日 上午10時22分33秒",
    ],
)
def test_offsets_in_every_spelling_are_moved_to_taipei(world: Path, cell: str) -> None:
    _one_stamp(world, cell)
    ingest_checked(world)
    rows = lake_table(world, "top_up")
    assert rows.filter(rows["source_row"] == 3)["topup_at"].to_list() == [WALL]
    assert quarantined(world) == {}


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        ("2025-03-01 10:22:33 +25:00", "bad_offset"),
        ("2025-03-01 10:22:33 CST", "bad_offset"),
        ("2025-03-01 10:22:33 +08:00 Taipei", "bad_offset"),
        ("2025-03-01", "incomplete_timestamp"),
        ("2025/3/1", "incomplete_timestamp"),
        ("10:22:33", "incomplete_timestamp"),
        ("0.4323", "incomplete_timestamp"),
        ("0", "zero_date"),
    ],
)
def test_unreadable_offsets_and_partial_stamps_quarantine(
    world: Path, cell: str, reason: str
) -> None:
    _one_stamp(world, cell)
    ingest_checked(world)
    assert quarantined(world) == {3: ("topup_at", reason)}
    assert lake_table(world, "top_up")["source_row"].to_list() == [2]


def test_date_cells_that_are_no_timestamps_quarantine(world: Path) -> None:
    """Excel cells: a date formatted as a date alone, a time alone, a date holding 0."""
    path = world / "inbox" / "cells.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("s")
    stamp = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    day = book.add_format({"num_format": "yyyy/mm/dd"})
    clock = book.add_format({"num_format": "hh:mm:ss"})
    sheet.write_row(0, 0, TOP_UP_HEADER)
    rows = [
        (T(2025, 3, 1, 10, 22, 33), stamp),  # 2: a timestamp
        (T(2025, 3, 1, 0, 0, 0), stamp),  # 3: midnight, formatted with its time: fine
        (T(2025, 3, 1), day),  # 4: a date alone
        (0.4323263888888889, clock),  # 5: a time alone
        (0, stamp),  # 6: a date cell holding 0
    ]
    for r, (value, fmt) in enumerate(rows, start=1):
        sheet.write_row(r, 0, [f"A{r}", str(r)])
        if isinstance(value, T):
            sheet.write_datetime(r, 2, value, fmt)
        else:
            sheet.write_number(r, 2, value, fmt)
        sheet.write_number(r, 3, 30)
        sheet.write_string(r, 4, "Success")
    book.close()
    ingest_checked(world)
    lake = lake_table(world, "top_up")
    assert lake["source_row"].to_list() == [2, 3]
    assert lake["topup_at"].to_list() == [WALL, T(2025, 3, 1)]
    assert quarantined(world) == {
        4: ("topup_at", "incomplete_timestamp"),
        5: ("topup_at", "incomplete_timestamp"),
        6: ("topup_at", "zero_date"),
    }


def test_a_date_cell_holding_zero_is_no_report_date(world: Path) -> None:
    path = world / "inbox" / "ua.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("s")
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, ["Date", "User ID", "Watch Minutes"])
    sheet.write_datetime(1, 0, T(2025, 3, 1), day)
    sheet.write_row(1, 1, ["U1", 30])
    sheet.write_number(2, 0, 0, day)  # Excel row 3
    sheet.write_row(2, 1, ["U2", 40])
    book.close()
    ingest_checked(world)
    assert lake_table(world, "user_activity")["report_date"].to_list() == [dt.date(2025, 3, 1)]
    assert quarantined(world) == {3: ("report_date", "zero_date")}
