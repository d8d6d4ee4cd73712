"""One test per workbook variation and bad-input class of docs/input-contract.md.

Each writes a small workbook with the variation at a known Excel row, ingests it
into a private lake and asserts the exact typed value (or quarantine reason) there.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from ingest.run import EXIT_OK, EXIT_REJECTED
from tests.conftest import ingest, lake_table, side_table
from tests.ingest.xlsx import TOP_UP_HEADER, SheetSpec, top_up_rows, write_workbook

T = dt.datetime


def _row(frame: pl.DataFrame, excel_row: int, sheet: str | None = None) -> dict:
    hit = frame.filter(pl.col("source_row") == excel_row)
    if sheet is not None:
        hit = hit.filter(pl.col("source_sheet") == sheet)
    assert hit.height == 1, f"expected one row at Excel row {excel_row}, got {hit.height}"
    return hit.row(0, named=True)


def _quarantined(data_dir: Path) -> dict[int, tuple[str, str]]:
    q = side_table(data_dir, "_quarantine")
    return {r["source_row"]: (r["column"], r["reason"]) for r in q.iter_rows(named=True)}


# --- cell values -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("1,490", "1490.00"),
        ("NT$1,490", "1490.00"),
        ("$1490.00", "1490.00"),
        ("1490元", "1490.00"),
        ("１４９０", "1490.00"),
        (1490.07, "1490.07"),
        ("  99.5 ", "99.50"),
    ],
)
def test_amount_formats_parse_to_exact_decimals(world: Path, cell, expected: str) -> None:
    write_workbook(
        world / "inbox" / "t.xlsx",
        SheetSpec(
            "s",
            [
                ["Top-up report"],
                [],
                TOP_UP_HEADER,
                ["A1", "1", T(2025, 3, 1, 9), 30, "Success"],
                ["A2", "2", T(2025, 3, 1, 9), 30, "Success"],
                ["A3", "3", T(2025, 3, 1, 9), 30, "Success"],
                ["A4", "4", T(2025, 3, 1, 9), cell, "Success"],  # Excel row 7
            ],
        ),
    )
    assert ingest(world).exit_code == EXIT_OK
    row = _row(lake_table(world, "top_up"), 7)
    assert row["amount"] == Decimal(expected)
    assert row["order_id"] == "A4"


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (T(2025, 3, 1, 10, 22, 33), T(2025, 3, 1, 10, 22, 33)),  # Excel date cell
        (45717.4322, T(2025, 3, 1, 10, 22, 22)),  # Excel serial number
        ("2025/03/01 10:22:33", T(2025, 3, 1, 10, 22, 33)),
        ("2025-03-01 10:22", T(2025, 3, 1, 10, 22)),
        ("2025/3/1 下午 02:22:33", T(2025, 3, 1, 14, 22, 33)),
        ("2025/3/1 上午 12:05:00", T(2025, 3, 1, 0, 5)),
        ("2025-03-01T10:22:33+08:00", T(2025, 3, 1, 10, 22, 33)),
        ("2025-03-01T02:22:33Z", T(2025, 3, 1, 10, 22, 33)),
        ("2025-02-28T21:22:33-05:00", T(2025, 3, 1, 10, 22, 33)),
    ],
)
def test_timestamp_formats_are_taipei_wall_time(world: Path, cell, expected: T) -> None:
    write_workbook(
        world / "inbox" / "t.xlsx",
        SheetSpec("s", top_up_rows(["A1", "1", cell, 30, "Success"])),
    )
    ingest(world)
    row = _row(lake_table(world, "top_up"), 2)
    assert row["topup_at"] == expected
    assert row["dt"] == expected.date()  # the hive partition is the local date


def test_ids_numbers_and_spaces(world: Path) -> None:
    write_workbook(
        world / "inbox" / "t.xlsx",
        SheetSpec(
            "s",
            [
                [*TOP_UP_HEADER, "Channel ID"],
                [1234567, 1000001, T(2025, 3, 1, 9), 30, "Success", "   "],
                ["1234568.0", " 1000002\u00a0", T(2025, 3, 1, 9), 30, "Success", 501.0],
            ],
        ),
    )
    ingest(world)
    lake = lake_table(world, "top_up")
    assert _row(lake, 2)["order_id"] == "1234567"
    assert _row(lake, 2)["user_id"] == "1000001"
    assert _row(lake, 2)["channel_id"] is None  # only spaces = no room
    assert _row(lake, 3)["order_id"] == "1234568"
    assert _row(lake, 3)["user_id"] == "1000002"
    assert _row(lake, 3)["channel_id"] == "501"


def test_a_row_starting_with_a_cell_of_spaces_is_data(world: Path) -> None:
    write_workbook(
        world / "inbox" / "t.xlsx",
        SheetSpec(
            "s",
            [
                ["Channel ID", *TOP_UP_HEADER],
                ["\u00a0 ", "A1", "1", T(2025, 3, 1, 9), 30, "Success"],
                ["   "],  # a row of spaces only is blank, not data
            ],
        ),
    )
    report = ingest(world)
    row = _row(lake_table(world, "top_up"), 2)
    assert (row["order_id"], row["channel_id"]) == ("A1", None)
    assert report.files[0].result.rows_read == 1


def test_vocabularies_in_every_spelling(world: Path) -> None:
    header = [*TOP_UP_HEADER, "Payment Method", "Platform", "VIP Level"]
    cases = [
        ("Success", "App Store", "iOS", "VIP0"),
        ("SUCCESS", "街口支付", "ANDROID", "銀卡"),
        ("已退款", "超商代碼", "web", "Gold"),
        ("處理中", " line  pay ", "Web", "VIP4"),
        ("失敗", "MyCard", "ios", "白金"),
    ]
    rows = [[f"A{i}", "1", T(2025, 3, 1, 9), 30, *case] for i, case in enumerate(cases)]
    write_workbook(world / "inbox" / "t.xlsx", SheetSpec("s", [header, *rows]))
    ingest(world)
    lake = lake_table(world, "top_up")
    got = lake.select("status", "payment_method", "platform", "membership_level").rows()
    assert got == [
        ("success", "apple_iap", "ios", "regular"),
        ("success", "jko_pay", "android", "silver"),
        ("refunded", "convenience_store", "web", "gold"),
        ("pending", "line_pay", "web", "diamond"),
        ("failed", "mycard", "ios", "platinum"),
    ]


def test_blanks_take_their_defaults(world: Path) -> None:
    write_workbook(
        world / "inbox" / "post.xlsx",
        SheetSpec(
            "s",
            [
                [
                    "日期",
                    "主播ID",
                    "頻道ID",
                    "總收益",
                    "平台抽成",
                    "通路手續費",
                    "代扣稅額",
                    "實收金額",
                ],
                [dt.date(2025, 3, 1), "S1", "C1", "1,000", "-", "—", None, "1000"],
                [dt.date(2025, 3, 1), "S2", "C2", "1,000", "(120)", 30, 0, "1,090"],
            ],
        ),
        SheetSpec(
            "pre",
            [
                ["Date", "Streamer ID", "Channel ID", "Agency", "Gross Revenue", "Bonus Coins"],
                ["2025/03/01", "S1", "C1", "  ", 1000, None],
            ],
        ),
    )
    ingest(world)
    post = lake_table(world, "post_deduction")
    assert _row(post, 2)["platform_fee"] == Decimal("0.00")
    assert _row(post, 2)["payment_fee"] == Decimal("0.00")
    assert _row(post, 2)["tax_withheld"] == Decimal("0.00")
    assert _row(post, 3)["platform_fee"] == Decimal("-120.00")  # a credit to the streamer
    pre = lake_table(world, "pre_deduction")
    assert _row(pre, 2)["agency"] is None  # blank agency = independent
    assert _row(pre, 2)["report_date"] == dt.date(2025, 3, 1)


# --- workbook shapes ----------------------------------------------------------------------


def test_title_block_footer_and_exported_at(world: Path) -> None:
    write_workbook(
        world / "inbox" / "export.xlsx",
        SheetSpec(
            "s",
            [
                ["儲值紀錄"],
                ["報表日期：2025/03/01"],
                ["匯出時間：2025/03/02 09:15:02"],
                [],
                TOP_UP_HEADER,
                ["A1", "1", T(2025, 3, 1, 9), 30, "Success"],
                ["A2", "2", T(2025, 3, 1, 9), 60, "Success"],
                [],
                ["合計", None, None, 90],
                ["* Amounts in TWD"],
            ],
        ),
    )
    report = ingest(world)
    lake = lake_table(world, "top_up")
    assert lake["source_row"].to_list() == [6, 7]
    assert lake["exported_at"].dt.convert_time_zone("UTC").to_list()[0] == dt.datetime(
        2025, 3, 2, 1, 15, 2, tzinfo=dt.UTC
    )
    [file] = report.files
    assert (file.result.rows_read, file.result.rows_loaded) == (2, 2)
    assert file.result.exported_at_from == "title"


def test_exported_at_falls_back_to_mtime(world: Path) -> None:
    path = write_workbook(
        world / "inbox" / "t.xlsx",
        SheetSpec("s", top_up_rows(["A1", "1", T(2025, 3, 1), 1, "成功"])),
    )
    mtime = dt.datetime(2025, 3, 2, 3, 0, tzinfo=dt.UTC)
    os.utime(path, (mtime.timestamp(), mtime.timestamp()))
    ingest(world)
    assert lake_table(world, "top_up")["exported_at"].to_list()[0] == mtime


def test_english_chinese_and_canonical_headers_in_any_order(world: Path) -> None:
    write_workbook(
        world / "inbox" / "a.xlsx",
        SheetSpec(
            "頻道數據",
            [
                [" Report_Date ", "UNIQUE_VIEWERS", "分類", "頻道ID", "直播分鐘數", "Peak Viewers"],
                ["2025-03-01", "1,200", "音樂", "C1", 120, 80],
            ],
        ),
        SheetSpec(
            "User Activity",
            [
                ["User ID", "Date", "Watch Minutes", "Gifts Sent (Coins)", "會員等級"],
                [1000001, "2025/3/1", 35, "-", "VIP2"],
            ],
        ),
    )
    ingest(world)
    channel = _row(lake_table(world, "channel_stats"), 2)
    assert (channel["channel_id"], channel["unique_viewers"], channel["category"]) == (
        "C1",
        1200,
        "music",
    )
    assert channel["peak_concurrent_viewers"] == 80
    user = _row(lake_table(world, "user_activity"), 2)
    assert (user["user_id"], user["watch_minutes"], user["membership_level"]) == (
        "1000001",
        35,
        "gold",
    )
    assert user["gifts_sent_coins"] is None


def test_two_row_merged_header(world: Path) -> None:
    write_workbook(
        world / "inbox" / "pre.xlsx",
        SheetSpec(
            "s",
            [
                ["主播收益日報"],
                [],
                [None, None, None, None, None],  # group labels come from merges
                [None, "主播ID", "主播名稱", "頻道ID", "總收益"],
                [dt.date(2025, 3, 1), "S1", "小明", "C1", "NT$2,000"],
            ],
            merges=[(2, 0, 3, 0, "日期"), (2, 1, 2, 2, "主播資訊"), (2, 3, 2, 4, "收益")],
        ),
    )
    ingest(world)
    row = _row(lake_table(world, "pre_deduction"), 5)
    assert row["report_date"] == dt.date(2025, 3, 1)
    assert (row["streamer_id"], row["streamer_name"], row["gross_revenue"]) == (
        "S1",
        "小明",
        Decimal("2000.00"),
    )


def test_monthly_workbook_per_day_sheets_hidden_and_summary(world: Path) -> None:
    day_rows = lambda d: top_up_rows([f"O{d}", "1", T(2025, 3, d, 12), 100, "Success"])  # noqa: E731
    write_workbook(
        world / "inbox" / "儲值紀錄_2025-03.xlsx",
        SheetSpec("說明", [["本檔為三月儲值紀錄"]]),
        SheetSpec("03-01", day_rows(1)),
        SheetSpec("0302", day_rows(2)),
        SheetSpec("3月3日", day_rows(3)),
        SheetSpec("Summary", top_up_rows(["S1", "1", T(2025, 3, 1), 300, "Success"])),
        SheetSpec("摘要", top_up_rows(["S2", "1", T(2025, 3, 1), 300, "Success"])),
        SheetSpec("backup", top_up_rows(["H1", "1", T(2025, 3, 1), 300, "Success"]), hidden=True),
    )
    report = ingest(world)
    lake = lake_table(world, "top_up")
    assert sorted(lake["order_id"].to_list()) == ["O1", "O2", "O3"]
    assert sorted(lake["dt"].to_list()) == [dt.date(2025, 3, d) for d in (1, 2, 3)]
    notes = {s.sheet: s.note for s in report.files[0].result.sheets}
    assert notes["backup"] == "hidden sheet"
    assert notes["Summary"] == notes["摘要"] == notes["說明"] == "summary sheet"


def test_extra_columns_are_kept_aside_and_reported(world: Path) -> None:
    write_workbook(
        world / "inbox" / "t.xlsx",
        SheetSpec(
            "s",
            [
                [*TOP_UP_HEADER, "Remark", "操作人員"],
                ["A1", "1", T(2025, 3, 1), 30, "Success", "vip gift", "小華"],
            ],
        ),
    )
    report = ingest(world)
    assert report.exit_code == EXIT_OK
    row = _row(lake_table(world, "top_up"), 2)
    assert json.loads(row["extra_columns"]) == {"Remark": "vip gift", "操作人員": "小華"}
    assert report.files[0].result.extra_columns == ["Remark", "操作人員"]


# --- bad input ----------------------------------------------------------------------------


def test_bad_rows_are_quarantined_with_row_column_and_reason(world: Path) -> None:
    write_workbook(
        world / "inbox" / "t.xlsx",
        SheetSpec(
            "s",
            [
                ["Top-up report"],
                [*TOP_UP_HEADER, "Payment Method"],
                ["A1", "1", T(2025, 3, 1), 30, "Success", "Google Play"],  # 3: fine
                [None, "1", T(2025, 3, 1), 30, "Success", None],  # 4: no order_id
                ["A3", "1", T(2025, 3, 1), "abc", "Success", None],  # 5: unparseable
                ["A4", "1", T(2025, 3, 1), -30, "Success", None],  # 6: negative
                ["A5", "1", T(2025, 3, 1), 30, "Chargeback", None],  # 7: unknown status
                ["A6", "1", "2025-13-45 10:00", 30, "Success", None],  # 8: bad timestamp
                ["A7", "1", T(2025, 3, 1), 30, "Success", "Bitcoin"],  # 9: unknown method
            ],
        ),
    )
    report = ingest(world)
    assert report.exit_code == EXIT_OK  # bad rows are not a failed run
    assert lake_table(world, "top_up")["source_row"].to_list() == [3]
    assert _quarantined(world) == {
        4: ("order_id", "missing"),
        5: ("amount", "unparseable"),
        6: ("amount", "negative"),
        7: ("status", "unknown_value"),
        8: ("topup_at", "unparseable"),
        9: ("payment_method", "unknown_value"),
    }
    q = side_table(world, "_quarantine").filter(pl.col("source_row") == 5).row(0, named=True)
    assert (q["source_file"], q["source_sheet"], q["table"]) == ("t.xlsx", "s", "top_up")
    assert json.loads(q["raw"])["Amount (TWD)"] == "abc"
    [file] = report.files
    assert file.result.rows_read == file.result.rows_loaded + file.result.rows_quarantined == 7


def test_non_integer_count_is_quarantined(world: Path) -> None:
    write_workbook(
        world / "inbox" / "c.xlsx",
        SheetSpec(
            "s",
            [
                ["Date", "Channel ID", "Live Minutes", "Category"],
                ["2025-03-01", "C1", 12.5, "Music"],
            ],
        ),
    )
    ingest(world)
    assert _quarantined(world) == {2: ("live_minutes", "not_integer")}


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b"", "empty"),
        (b"order_id,amount\n1,2\n", "not a readable workbook"),
        (b"PK\x03\x04truncated", "not a readable workbook"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "not a readable workbook"),
    ],
    ids=["empty", "csv-renamed", "truncated", "encrypted-ole"],
)
def test_unreadable_files_are_rejected_and_others_load(world: Path, content: bytes, needle: str):
    (world / "inbox" / "bad.xlsx").write_bytes(content)
    write_workbook(
        world / "inbox" / "good.xlsx",
        SheetSpec("s", top_up_rows(["A1", "1", T(2025, 3, 1), 1, "成功"])),
    )
    report = ingest(world)
    assert report.exit_code == EXIT_REJECTED
    statuses = {f.source_file: f.status for f in report.files}
    assert statuses == {"bad.xlsx": "rejected", "good.xlsx": "loaded"}
    rejected = side_table(world, "_rejected").row(0, named=True)
    assert rejected["source_file"] == "bad.xlsx" and needle in rejected["reason"]
    assert lake_table(world, "top_up").height == 1


def test_missing_required_column_rejects_the_sheet_naming_what_was_tried(world: Path) -> None:
    write_workbook(
        world / "inbox" / "t.xlsx",
        SheetSpec(
            "no amount",
            [
                ["Order ID", "User ID", "Top-up Time", "Status"],
                ["A1", "1", T(2025, 3, 1), "Success"],
            ],
        ),
        SheetSpec("ok", top_up_rows(["A2", "1", T(2025, 3, 1), 5, "Success"])),
    )
    report = ingest(world)
    assert report.exit_code == EXIT_REJECTED
    [file] = report.files
    assert file.status == "partial"
    [message] = file.result.messages
    assert "t.xlsx" in message and "no amount" in message and "column amount" in message
    assert "Amount (TWD), Amount, 金額, 儲值金額" in message
    rejected = side_table(world, "_rejected").row(0, named=True)
    assert (rejected["source_sheet"], rejected["column"], rejected["rows"]) == (
        "no amount",
        "amount",
        1,
    )
    assert lake_table(world, "top_up")["order_id"].to_list() == ["A2"]


def test_sheet_without_a_known_header_is_rejected(world: Path) -> None:
    write_workbook(
        world / "inbox" / "t.xlsx", SheetSpec("s", [["Name", "Score"], ["a", 1], ["b", 2]])
    )
    report = ingest(world)
    [file] = report.files
    assert file.status == "rejected" and file.result.rows_rejected == 3
    assert "no header row" in file.result.messages[0]
