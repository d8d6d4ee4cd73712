"""IDs keep the digits the sheet shows (docs/input-contract.md, "IDs").

A number cell formatted to pad with zeros keeps its zeros; any other number cell is
its full integer; an ID that arrives as text in scientific notation has lost digits.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import xlsxwriter

from tests.conftest import lake_table
from tests.ingest.ledger import ingest_checked, quarantined
from tests.ingest.xlsx import TOP_UP_HEADER

T = dt.datetime(2025, 3, 1, 9)


def test_number_ids_padded_full_and_scientific(world: Path) -> None:
    path = world / "inbox" / "ids.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("s")
    padded = book.add_format({"num_format": "000000"})
    plain = book.add_format({"num_format": "0"})
    sheet.write_row(0, 0, [*TOP_UP_HEADER, "Channel ID"])
    cases = [
        (123, padded),  # 2: shows 000123
        (123456789012, None),  # 3: a 12-digit order number as a number
        (123456789013, plain),  # 4
        ("1.23457E+11", None),  # 5: what a CSV round trip leaves
        ("1.23457e+11", None),  # 6
        (4567, padded),  # 7
    ]
    for r, (order, fmt) in enumerate(cases, start=1):
        if isinstance(order, str):
            sheet.write_string(r, 0, order)
        else:
            sheet.write_number(r, 0, order, fmt)
        sheet.write_number(r, 1, 1000 + r)
        sheet.write_datetime(r, 2, T, book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"}))
        sheet.write_number(r, 3, 30)
        sheet.write_string(r, 4, "Success")
        sheet.write_number(r, 5, 7, padded)  # channel 000007 on every row
    book.close()
    ingest_checked(world)
    lake = lake_table(world, "top_up")
    assert lake["source_row"].to_list() == [2, 3, 4, 7]
    assert lake["order_id"].to_list() == ["000123", "123456789012", "123456789013", "004567"]
    assert lake["user_id"].to_list() == ["1001", "1002", "1003", "1006"]
    assert set(lake["channel_id"]) == {"000007"}
    assert quarantined(world) == {
        5: ("order_id", "id_precision_lost"),
        6: ("order_id", "id_precision_lost"),
    }
