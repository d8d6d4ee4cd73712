"""A formula cell's value is its cached result; an error value or no cached result is
bad input in any column (docs/input-contract.md, "Formulas")."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
import xlsxwriter

from ingest.values import FORMULA_ERRORS
from tests.conftest import lake_table, side_table
from tests.ingest.ledger import ingest_checked, quarantined
from tests.ingest.xlsx import TOP_UP_HEADER, SheetSpec, write_workbook

T = dt.datetime(2025, 3, 1, 9)
HEADER = [*TOP_UP_HEADER, "Promo Code"]


def _book(path: Path, formula_row: list[tuple[str, object]]) -> None:
    """Row 2 plain, row 3 with the given (formula, cached value) cells, row 4 plain."""
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("s")
    stamp = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    sheet.write_row(0, 0, HEADER)
    for r in (1, 2, 3):
        sheet.write_row(r, 0, [f"A{r + 1}", str(r)])
        sheet.write_datetime(r, 2, T, stamp)
        sheet.write_number(r, 3, 30)
        sheet.write_string(r, 4, "Success")
    for c, (formula, value) in enumerate(formula_row):
        if formula:
            sheet.write_formula(2, c, formula, None, value)
    book.close()


def test_cached_formula_results_are_the_values(world: Path) -> None:
    _book(
        world / "inbox" / "f.xlsx",
        [('="B"&"3"', "B3"), ("", None), ("", None), ("=10*3", 30), ("", None)],
    )
    ingest_checked(world)
    lake = lake_table(world, "top_up")
    row = lake.filter(lake["source_row"] == 3).row(0, named=True)
    assert (row["order_id"], row["amount"]) == ("B3", Decimal("30.00"))
    assert quarantined(world) == {}


@pytest.mark.parametrize("error", ["#N/A", "#DIV/0!", "#REF!", "#VALUE!", "#NAME?", "#NULL!"])
@pytest.mark.parametrize(("column", "index"), [("amount", 3), ("promo_code", 5)])
def test_error_values_are_bad_input_in_any_column(
    world: Path, error: str, column: str, index: int
) -> None:
    assert error in FORMULA_ERRORS
    cells: list[tuple[str, object]] = [("", None)] * len(HEADER)
    cells[index] = ("=1/0", error)
    _book(world / "inbox" / "f.xlsx", cells)
    ingest_checked(world)
    assert quarantined(world) == {3: (column, "formula_error")}
    raw = json.loads(side_table(world, "_quarantine")["errors"][0])
    assert raw == [{"column": column, "reason": "formula_error", "raw": error}]
    assert lake_table(world, "top_up")["source_row"].to_list() == [2, 4]


def test_a_formula_without_a_cached_value_is_bad_input(world: Path) -> None:
    cells: list[tuple[str, object]] = [("", None)] * len(HEADER)
    cells[3] = ("=SUM(X1:X9)", "")  # xlsxwriter writes an empty <v>, as openpyxl does
    _book(world / "inbox" / "f.xlsx", cells)
    ingest_checked(world)
    assert quarantined(world) == {3: ("amount", "formula_error")}
    [error] = json.loads(side_table(world, "_quarantine")["errors"][0])
    assert error["raw"] == "<formula without a cached value> =SUM(X1:X9)"


def test_openpyxl_workbooks_uncalculated_and_literal_errors(world: Path) -> None:
    """openpyxl never calculates (`<f>..</f><v />`) and writes `#N/A` as an error cell
    without a formula; the table here starts in column C, under a title in column B."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet["B1"] = "儲值紀錄"
    for c, label in enumerate(HEADER, start=3):
        sheet.cell(row=3, column=c, value=label)
    for r in (4, 5, 6):
        sheet.cell(row=r, column=3, value=f"A{r}")
        sheet.cell(row=r, column=4, value=str(r))
        sheet.cell(row=r, column=5, value=T)
        sheet.cell(row=r, column=6, value=30)
        sheet.cell(row=r, column=7, value="Success")
    sheet["F5"] = "=SUM(X1:X9)"  # amount of Excel row 5: no cached value
    sheet["H6"] = "#N/A"  # promo code of Excel row 6: an error cell
    book.save(world / "inbox" / "o.xlsx")
    ingest_checked(world)
    assert lake_table(world, "top_up")["source_row"].to_list() == [4]
    assert quarantined(world) == {
        5: ("amount", "formula_error"),
        6: ("promo_code", "formula_error"),
    }


def test_a_corrupt_sheet_part_rejects_the_sheet_not_the_run(world: Path) -> None:
    """The sheet XML's CRC-32 is wrong: calamine reads the part anyway, but the formula
    check cannot trust it, so that sheet is rejected naming the part; the run goes on."""
    _book(world / "good.xlsx", [("", None)] * len(HEADER))
    raw = bytearray((world / "good.xlsx").read_bytes())
    name = b"xl/worksheets/sheet1.xml"
    at = raw.find(b"PK\x01\x02")  # the central directory: its CRC at offset 16
    while at >= 0:
        length = int.from_bytes(raw[at + 28 : at + 30], "little")
        if raw[at + 46 : at + 46 + length] == name:
            raw[at + 16] ^= 0x01
            local = int.from_bytes(raw[at + 42 : at + 46], "little")
            raw[local + 14] ^= 0x01  # and the local header's copy
        at = raw.find(b"PK\x01\x02", at + 4)
    (world / "inbox" / "crc.xlsx").write_bytes(bytes(raw))
    write_workbook(
        world / "inbox" / "ok.xlsx", SheetSpec("s", [TOP_UP_HEADER, ["B1", "1", T, 5, "Success"]])
    )
    report = ingest_checked(world)
    by_name = {f.source_file: f for f in report.files}
    [sheet] = by_name["crc.xlsx"].result.sheets
    assert sheet.status == "rejected"
    assert "xl/worksheets/sheet1.xml" in sheet.note and "CRC" in sheet.note
    assert sheet.rows_rejected == 3
    assert by_name["ok.xlsx"].status == "loaded"
    assert lake_table(world, "top_up")["order_id"].to_list() == ["B1"]
