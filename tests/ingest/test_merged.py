"""A merged cell in the data area gives its value to every cell it spans
(docs/input-contract.md, "Merged cells")."""

from __future__ import annotations

import datetime as dt
import zipfile
from decimal import Decimal
from pathlib import Path

import xlsxwriter

from tests.conftest import lake_table
from tests.ingest.ledger import ingest_checked, quarantined


def test_merged_data_cells_fill_every_cell_they_span(world: Path) -> None:
    path = world / "inbox" / "pre.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("s")
    day = book.add_format({"num_format": "yyyy-mm-dd", "valign": "vcenter"})
    centre = book.add_format({"valign": "vcenter"})
    # A group label merged over two header columns (not the data area).
    sheet.merge_range(0, 1, 0, 2, "主播資訊", centre)
    sheet.write_row(1, 0, ["日期", "主播ID", "主播名稱", "頻道ID", "總收益"])
    # Excel rows 3-6: the date merged down all four, streamer S1 over B3:C4 (its ID
    # and name columns, two rows), channel CH3 over D5:D6.
    sheet.merge_range(2, 0, 5, 0, "", day)
    sheet.write_datetime(2, 0, dt.datetime(2025, 3, 1), day)
    sheet.merge_range(2, 1, 3, 2, "S1", centre)  # streamer id and name, two rows
    sheet.write_string(4, 1, "S2")
    sheet.write_string(4, 2, "Bea")
    sheet.write_string(5, 1, "S3")
    sheet.write_string(5, 2, "Cy")
    sheet.write_string(2, 3, "CH1")
    sheet.write_string(3, 3, "CH2")
    sheet.merge_range(4, 3, 5, 3, "CH3", centre)
    for r, revenue in zip(range(2, 6), (100, 200, 300, 400), strict=True):
        sheet.write_number(r, 4, revenue)
    book.close()
    ingest_checked(world)
    lake = lake_table(world, "pre_deduction")
    assert lake["source_row"].to_list() == [3, 4, 5, 6]
    assert lake["report_date"].to_list() == [dt.date(2025, 3, 1)] * 4
    assert lake["streamer_id"].to_list() == ["S1", "S1", "S2", "S3"]
    assert lake["streamer_name"].to_list() == ["S1", "S1", "Bea", "Cy"]
    assert lake["channel_id"].to_list() == ["CH1", "CH2", "CH3", "CH3"]
    assert lake["gross_revenue"].to_list() == [Decimal(v) for v in (100, 200, 300, 400)]
    assert quarantined(world) == {}


def test_a_merge_down_to_the_last_row_spans_only_the_rows_read(world: Path) -> None:
    """A stray merge from the data to row 1,048,576 (and one to XFD1048576) fills the
    rows that exist and nothing more; the ingest does not walk 17 billion cells. No
    writer makes such a merge without writing every cell, so the XML is edited."""
    small = world / "small.xlsx"
    book = xlsxwriter.Workbook(str(small))
    sheet = book.add_worksheet("s")
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, ["Date", "Channel ID", "Live Minutes"])
    for r, channel in enumerate(("CH1", "CH2", "CH3"), start=1):
        sheet.write_string(r, 1, channel)
        sheet.write_number(r, 2, 10 * r)
    sheet.merge_range(1, 0, 3, 0, "", day)
    sheet.write_datetime(1, 0, dt.datetime(2025, 3, 1), day)
    book.close()
    part = "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(small) as src, zipfile.ZipFile(world / "inbox" / "stray.xlsx", "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == part:
                data = data.replace(
                    b'<mergeCells count="1"><mergeCell ref="A2:A4"/>',
                    b'<mergeCells count="2"><mergeCell ref="A2:A1048576"/>'
                    b'<mergeCell ref="C4:XFD1048576"/>',
                )
                assert b"A1048576" in data
            dst.writestr(info, data)
    ingest_checked(world)
    lake = lake_table(world, "channel_stats")
    assert lake.select("source_row", "report_date", "channel_id", "live_minutes").rows() == [
        (2, dt.date(2025, 3, 1), "CH1", 10),
        (3, dt.date(2025, 3, 1), "CH2", 20),
        (4, dt.date(2025, 3, 1), "CH3", 30),
    ]
    assert quarantined(world) == {}
