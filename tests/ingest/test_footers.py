"""No real row is ever dropped as a footer (docs/input-contract.md, "Footers").

A footer is the trailing block after the last row that has every required column; a
row that has them is data whatever its first cell says. Footer rows are counted and
named by Excel row, outside rows read.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from tests.conftest import lake_table
from tests.ingest.ledger import ingest_checked, quarantined
from tests.ingest.xlsx import TOP_UP_HEADER, SheetSpec, write_workbook

D = dt.date(2025, 3, 1)
T = dt.datetime(2025, 3, 1, 9)
PRE_HEADER = ["Streamer", "Date", "Streamer ID", "Channel ID", "Gross Revenue"]


def test_rows_named_like_footers_are_data_and_the_footer_is_named(world: Path) -> None:
    write_workbook(
        world / "inbox" / "pre.xlsx",
        SheetSpec(
            "s",
            [
                ["主播禮物收益"],
                [],
                PRE_HEADER,  # Excel row 3
                ["Totalia", D, "S1", "CH1", 100],  # 4
                ["Notes from Home", D, "S2", "CH1", 200],  # 5
                ["* Star *", D, "S3", "CH2", 300],  # 6
                ["總計劃", D, "S4", "CH2", 400],  # 7
                ["Total", D, "S5", "CH3", 500],  # 8: a streamer called Total, all required
                [],  # 9
                ["合計", None, None, None, 1500],  # 10
                ["* Amounts in TWD"],  # 11
                ["註：本報表由系統自動產生"],  # 12
            ],
        ),
    )
    report = ingest_checked(world)
    lake = lake_table(world, "pre_deduction")
    assert lake["source_row"].to_list() == [4, 5, 6, 7, 8]
    assert lake["streamer_name"].to_list() == [
        "Totalia",
        "Notes from Home",
        "* Star *",
        "總計劃",
        "Total",
    ]
    assert lake["gross_revenue"].to_list()[-1] == Decimal("500.00")
    [file] = report.files
    [sheet] = file.result.sheets
    assert (sheet.rows_read, sheet.rows_loaded, sheet.rows_quarantined) == (5, 5, 0)
    assert sheet.footer_rows == [10, 11, 12]
    assert sheet.rows_footer_skipped == 3
    assert file.to_dict()["footer_rows"] == {"s": [10, 11, 12]}


def test_a_bad_row_in_the_middle_is_quarantined_not_a_footer(world: Path) -> None:
    write_workbook(
        world / "inbox" / "t.xlsx",
        SheetSpec(
            "s",
            [
                TOP_UP_HEADER,
                ["A1", "1", T, 30, "Success"],  # 2
                ["Total", None, None, 30, None],  # 3: lacks user_id, but data follows
                ["A3", "3", T, 90, "Success"],  # 4
                ["A4", "4", T, 120, None],  # 5: status missing, then only footer
                ["合計", None, None, 240],  # 6
            ],
        ),
    )
    report = ingest_checked(world)
    assert lake_table(world, "top_up")["source_row"].to_list() == [2, 4]
    assert quarantined(world) == {3: ("user_id", "missing")}
    [sheet] = report.files[0].result.sheets
    # Row 5 lacks a required value and nothing after it is data: footer with row 6.
    assert sheet.footer_rows == [5, 6]
    assert (sheet.rows_read, sheet.rows_loaded, sheet.rows_quarantined) == (3, 2, 1)


def test_a_sheet_with_no_complete_row_has_no_footer(world: Path) -> None:
    write_workbook(
        world / "inbox" / "t.xlsx",
        SheetSpec(
            "s",
            [
                TOP_UP_HEADER,
                [None, "1", T, 30, "Success"],  # 2
                [None, "2", T, 60, "Success"],  # 3
            ],
        ),
    )
    report = ingest_checked(world)
    assert quarantined(world) == {2: ("order_id", "missing"), 3: ("order_id", "missing")}
    [sheet] = report.files[0].result.sheets
    assert sheet.footer_rows == []
    assert (sheet.rows_read, sheet.rows_quarantined) == (2, 2)
