"""No silent choice between columns; invisible characters are not part of a header,
an ID or a code (docs/input-contract.md, "Headers")."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import polars as pl

from ingest.run import EXIT_REJECTED
from tests.conftest import lake_table, side_table
from tests.ingest.ledger import ingest_checked
from tests.ingest.xlsx import SheetSpec, write_workbook

T = dt.datetime(2025, 3, 1, 9)


def test_a_foreign_currency_column_is_an_extra_not_the_amount(world: Path) -> None:
    write_workbook(
        world / "inbox" / "t.xlsx",
        SheetSpec(
            "s",
            [
                ["Order ID", "User ID", "Top-up Time", "Amount (USD)", "金額（元）", "Status"],
                ["A1", "1", T, 3.2, 100, "Success"],  # Excel row 2
            ],
        ),
    )
    report = ingest_checked(world)
    row = lake_table(world, "top_up").row(0, named=True)
    assert row["amount"] == Decimal("100.00")
    assert json.loads(row["extra_columns"]) == {"Amount (USD)": "3.2"}
    assert report.files[0].result.extra_columns == ["Amount (USD)"]


def test_a_foreign_currency_alone_is_no_amount_column(world: Path) -> None:
    write_workbook(
        world / "inbox" / "t.xlsx",
        SheetSpec(
            "s",
            [
                ["Order ID", "User ID", "Top-up Time", "Amount (USD)", "Status"],
                ["A1", "1", T, 3.2, "Success"],
            ],
        ),
    )
    report = ingest_checked(world)
    assert report.exit_code == EXIT_REJECTED
    [message] = report.files[0].result.messages
    assert "lacks required column amount" in message
    assert "Amount (TWD)" in message


def test_two_headers_naming_one_column_reject_the_sheet_naming_both(world: Path) -> None:
    write_workbook(
        world / "inbox" / "t.xlsx",
        SheetSpec(
            "s",
            [
                ["Order ID", "User ID", "Top-up Time", "Amount", "儲值金額", "Status"],
                ["A1", "1", T, 100, 110, "Success"],  # 2
                ["A2", "2", T, 100, 110, "Success"],  # 3
            ],
        ),
    )
    report = ingest_checked(world)
    assert report.exit_code == EXIT_REJECTED
    [sheet] = report.files[0].result.sheets
    assert sheet.status == "rejected"
    assert sheet.rows_rejected == 2
    assert "'Amount' and '儲值金額' both name column amount" in sheet.note
    rejected = side_table(world, "_rejected").row(0, named=True)
    assert (rejected["source_sheet"], rejected["column"], rejected["rows"]) == ("s", "amount", 2)
    assert not (world / "lake" / "top_up").exists()


def test_invisible_characters_are_stripped_from_headers_ids_and_codes(world: Path) -> None:
    write_workbook(
        world / "inbox" / "t.xlsx",
        SheetSpec(
            "s",
            [
                [
                    "\ufeffOrder ID",
                    "User\u200b ID",
                    "Top-up\u00ad Time",
                    "Amount\u2060 (TWD)",
                    "Status\u200d",
                    "Channel ID",
                    "Promo Code",
                ],
                # Excel row 2
                [
                    "\ufeffA1\u200b",
                    "\u200b1001",
                    T,
                    100,
                    "\ufeffSuccess",
                    "CH\u00ad7",
                    "\u200bSPRING25\ufeff",
                ],
            ],
        ),
    )
    ingest_checked(world)
    row = lake_table(world, "top_up").row(0, named=True)
    assert (row["order_id"], row["user_id"], row["status"]) == ("A1", "1001", "success")
    assert (row["channel_id"], row["promo_code"]) == ("CH7", "SPRING25")
    assert row["amount"] == Decimal("100.00")
    assert lake_table(world, "top_up").select(pl.len()).item() == 1
