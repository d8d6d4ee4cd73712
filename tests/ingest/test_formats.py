"""Every input format of the contract: CSV (UTF-8, UTF-8 with BOM, Big5/cp950), .ods,
.xlsb, and a .zip archive (rejected with a message to extract it).

No Python library writes .xlsb or (in this venv) .ods, so those are written here as
raw bytes: the smallest BIFF12 records and OpenDocument XML calamine reads (MS-XLSB
2.1.7: a workbook part listing the sheet, a sheet part with a dimension, rows and
cells). Each test asserts exact values at exact Excel rows, the file's ledger, and
that a second run changes nothing.
"""

from __future__ import annotations

import datetime as dt
import io
import struct
import zipfile
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from ingest.readers.csv import UnreadableCsvError, decode
from ingest.run import EXIT_OK, EXIT_REJECTED, RunReport
from tests.conftest import ingest, lake_table, side_table

T = dt.datetime
HEADER = ["訂單編號", "會員ID", "儲值時間", "金額", "狀態"]
ROWS = [
    ["T-001", "9001", "2025/03/01 10:22:33", "1,490", "成功"],
    ["T-002", "9002", "2025-03-01 23:59:00", "NT$30", "已退款"],
]


def _assert_two_rows(world: Path, report: RunReport, name: str, first_row: int) -> None:
    """The two ROWS loaded at Excel rows first_row and first_row + 1, and the ledger."""
    (f,) = [f for f in report.files if f.source_file == name]
    assert f.status == "loaded", f.to_dict()
    assert f.result.rows_read == f.result.rows_loaded + f.result.rows_quarantined == 2
    frame = lake_table(world, "top_up").filter(pl.col("source_file") == name)
    got = frame.select("source_row", "order_id", "user_id", "topup_at", "amount", "status")
    assert got.rows() == [
        (first_row, "T-001", "9001", T(2025, 3, 1, 10, 22, 33), Decimal("1490.00"), "success"),
        (first_row + 1, "T-002", "9002", T(2025, 3, 1, 23, 59), Decimal("30.00"), "refunded"),
    ]


def _second_run_changes_nothing(world: Path) -> None:
    before = sorted(p.relative_to(world).as_posix() for p in (world / "lake").rglob("*.parquet"))
    again = ingest(world)
    assert {f.status for f in again.files} == {"already_ingested"}
    after = sorted(p.relative_to(world).as_posix() for p in (world / "lake").rglob("*.parquet"))
    assert after == before


def _csv_text(title: bool = True) -> str:
    lines = ["儲值紀錄", "匯出時間：2025-03-02 09:15:02", ""] if title else []
    lines += [",".join(HEADER)]
    lines += [",".join(f'"{c}"' if "," in c else c for c in row) for row in ROWS]
    return "\r\n".join(lines) + "\r\n"


# --- CSV -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("cp950", b""), ("utf-16", b"")],
    ids=["utf-8", "utf-8-bom", "big5-cp950", "utf-16-bom"],
)
def test_csv_in_each_encoding_loads_the_same_rows(
    world: Path, encoding: str, prefix: bytes
) -> None:
    (world / "inbox" / "儲值紀錄.csv").write_bytes(prefix + _csv_text().encode(encoding))
    report = ingest(world)
    assert report.exit_code == EXIT_OK
    _assert_two_rows(world, report, "儲值紀錄.csv", first_row=5)
    row = lake_table(world, "top_up").row(0, named=True)
    assert row["source_sheet"] == "儲值紀錄"  # a CSV is one sheet named after the file
    assert row["exported_at"] == T(2025, 3, 2, 1, 15, 2, tzinfo=dt.UTC)
    _second_run_changes_nothing(world)


def test_csv_keeps_an_excel_quoted_id_and_reads_tab_separated(world: Path) -> None:
    text = "\t".join(HEADER) + "\n" + "\t".join(['="000123"', "9001", ROWS[0][2], "5", "成功"])
    (world / "inbox" / "export.csv").write_text(text + "\n", encoding="utf-8")
    report = ingest(world)
    assert report.exit_code == EXIT_OK
    row = lake_table(world, "top_up").row(0, named=True)
    assert (row["source_row"], row["order_id"], row["amount"]) == (2, "000123", Decimal("5.00"))


def test_csv_that_decodes_under_no_encoding_is_rejected_naming_them(world: Path) -> None:
    # 0xff never starts a UTF-8 or a Big5 character.
    (world / "inbox" / "bad.csv").write_bytes(_csv_text().encode("utf-8") + b"\xff\xff\n")
    report = ingest(world)
    assert report.exit_code == EXIT_REJECTED
    (message,) = report.files[0].result.messages
    assert "bad.csv: rejected: not a text CSV in a known encoding" in message
    assert "UTF-8" in message and "Big5/cp950" in message and "invalid byte 0xff" in message
    (rejected,) = side_table(world, "_rejected").rows(named=True)
    assert rejected["source_file"] == "bad.csv" and "Big5/cp950" in rejected["reason"]
    _second_run_changes_nothing(world)


def test_csv_valid_as_both_utf8_and_big5_is_ambiguous() -> None:
    # "ä" in UTF-8 (c3 a4) is also a valid Big5 character: neither reading is certain.
    with pytest.raises(UnreadableCsvError, match="ambiguous.*UTF-8.*Big5"):
        decode("Order ID,Name\nA1,ä\n".encode())
    # Real Chinese text in UTF-8 is not valid Big5, and the other way round.
    assert decode("訂單編號".encode()) == ("訂單編號", "utf-8")
    assert decode("訂單編號".encode("cp950")) == ("訂單編號", "cp950")
    assert decode(b"Order ID\n") == ("Order ID\n", "ascii")


# --- .ods and .xlsb --------------------------------------------------------------------


def _ods(rows: list[list[str | float]], tail: str = "") -> bytes:
    """A one-sheet .ods; `tail` is raw row XML appended after the rows."""
    cells = []
    for row in rows:
        out = []
        for value in row:
            if isinstance(value, float):
                out.append(
                    f'<table:table-cell office:value-type="float" office:value="{value}">'
                    f"<text:p>{value:g}</text:p></table:table-cell>"
                )
            else:
                out.append(
                    '<table:table-cell office:value-type="string">'
                    f"<text:p>{value}</text:p></table:table-cell>"
                )
        cells.append("<table:table-row>" + "".join(out) + "</table:table-row>")
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        '<office:body><office:spreadsheet><table:table table:name="儲值">'
        + "".join(cells)
        + tail
        + "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
        '<manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
        archive.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def _record(kind: int, data: bytes = b"") -> bytes:
    """One BIFF12 record: its type and length as 7-bit varints, then its data."""

    def varint(n: int) -> bytes:
        out = bytearray()
        while True:
            byte, n = n & 0x7F, n >> 7
            out.append(byte | (0x80 if n else 0))
            if not n:
                return bytes(out)

    head = bytes([kind]) if kind < 0x80 else bytes([(kind & 0x7F) | 0x80, kind >> 7])
    return head + varint(len(data)) + data


def _wide(text: str) -> bytes:
    return struct.pack("<I", len(text)) + text.encode("utf-16-le")


def _xlsb(
    sheet: str, rows: list[list[str | float]], far: tuple[int, int, str | None] | None = None
) -> bytes:
    """A one-sheet .xlsb; `far` adds a cell (0-based row, column, text; None for a
    formatted blank) far from the rows, and the dimension reaches it."""
    workbook = (
        _record(0x83)  # BrtBeginBook
        + _record(0x8F)  # BrtBeginBundleShs
        + _record(0x9C, struct.pack("<II", 0, 1) + _wide("rId1") + _wide(sheet))  # BrtBundleSh
        + _record(0x90)  # BrtEndBundleShs
        + _record(0x9D, b"\x00" * 4)  # BrtCalcProp: what follows the sheet list
        + _record(0x84)  # BrtEndBook
    )
    width = max(len(r) for r in rows)
    cells = b""
    for r, row in enumerate(rows):
        cells += _record(0x00, struct.pack("<I", r) + b"\x00" * 13)  # BrtRowHdr
        for c, value in enumerate(row):
            if isinstance(value, float):
                cells += _record(0x05, struct.pack("<IId", c, 0, value))  # BrtCellReal
            else:
                cells += _record(0x06, struct.pack("<II", c, 0) + _wide(value))  # BrtCellSt
    last_row, last_col = len(rows) - 1, width - 1
    if far is not None:
        row, col, text = far
        cells += _record(0x00, struct.pack("<I", row) + b"\x00" * 13)
        if text is None:
            cells += _record(0x01, struct.pack("<II", col, 0))  # BrtCellBlank
        else:
            cells += _record(0x06, struct.pack("<II", col, 0) + _wide(text))
        last_row, last_col = row, col
    worksheet = (
        _record(0x81)  # BrtBeginSheet
        + _record(0x94, struct.pack("<IIII", 0, last_row, 0, last_col))  # BrtWsDim
        + _record(0x91)  # BrtBeginSheetData
        + cells
        + _record(0x92)  # BrtEndSheetData
        + _record(0x82)  # BrtEndSheet
    )
    rels = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/worksheet" Target="worksheets/sheet1.bin"/></Relationships>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.bin", workbook)
        archive.writestr("xl/_rels/workbook.bin.rels", rels)
        archive.writestr("xl/worksheets/sheet1.bin", worksheet)
    return buffer.getvalue()


def _sheet_rows() -> list[list[str | float]]:
    return [
        ["儲值紀錄"],
        [],
        HEADER,
        ["T-001", "9001", "2025/03/01 10:22:33", 1490.0, "成功"],
        ["T-002", "9002", "2025-03-01 23:59:00", 30.0, "已退款"],
    ]


def test_ods_loads_like_a_workbook(world: Path) -> None:
    (world / "inbox" / "topup.ods").write_bytes(_ods(_sheet_rows()))
    report = ingest(world)
    assert report.exit_code == EXIT_OK
    _assert_two_rows(world, report, "topup.ods", first_row=4)
    assert lake_table(world, "top_up")["source_sheet"].to_list() == ["儲值", "儲值"]
    _second_run_changes_nothing(world)


def test_xlsb_loads_like_a_workbook(world: Path) -> None:
    (world / "inbox" / "topup.xlsb").write_bytes(_xlsb("0301", _sheet_rows()))
    report = ingest(world)
    assert report.exit_code == EXIT_OK
    _assert_two_rows(world, report, "topup.xlsb", first_row=4)
    assert lake_table(world, "top_up")["source_sheet"].to_list() == ["0301", "0301"]
    _second_run_changes_nothing(world)


# --- archives ----------------------------------------------------------------------------


def test_zip_archive_is_rejected_with_a_message_to_extract_it(world: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("topup.ods", _ods(_sheet_rows()))
    (world / "inbox" / "reports.zip").write_bytes(buffer.getvalue())
    (world / "inbox" / "topup.csv").write_text(_csv_text(), encoding="utf-8")
    report = ingest(world)
    assert report.exit_code == EXIT_REJECTED
    by_name = {f.source_file: f for f in report.files}
    assert by_name["topup.csv"].status == "loaded"
    assert by_name["reports.zip"].status == "rejected"
    (message,) = by_name["reports.zip"].result.messages
    assert "reports.zip: rejected: a .zip archive" in message and "extract its files" in message
    _second_run_changes_nothing(world)


@pytest.mark.parametrize(("text", "loads"), [("x", False), (None, True)], ids=["value", "format"])
def test_xlsb_stray_cell_at_xfd1048576(world: Path, text: str | None, loads: bool) -> None:
    """A stray value aborts calamine on .xlsb too: the sheet is bounded first and
    rejected; a formatted blank there holds no value and the sheet loads."""
    (world / "inbox" / "far.xlsb").write_bytes(
        _xlsb("s", _sheet_rows(), far=(1048575, 16383, text))
    )
    report = ingest(world)
    if loads:
        assert report.exit_code == EXIT_OK
        _assert_two_rows(world, report, "far.xlsb", first_row=4)
    else:
        assert report.exit_code == EXIT_REJECTED
        (message,) = report.files[0].result.messages
        assert "sheet 's' was not read: its cells reach XFD1048576" in message
    _second_run_changes_nothing(world)


def test_a_workbook_named_csv_is_rejected_saying_what_it_is(world: Path) -> None:
    (world / "inbox" / "topup.csv").write_bytes(_ods(_sheet_rows()))
    report = ingest(world)
    assert report.exit_code == EXIT_REJECTED
    (message,) = report.files[0].result.messages
    assert message == (
        "topup.csv: rejected: not a CSV: it is a zip file (an .xlsx, .xlsb or .ods "
        "workbook?) with a .csv name; give it its real extension"
    )


# What LibreOffice writes under the data: the empty rest of the sheet, as repeats.
_EMPTY_REST = (
    '<table:table-row table:number-rows-repeated="1048570">'
    '<table:table-cell table:number-columns-repeated="16384"/></table:table-row>'
)


@pytest.mark.parametrize(
    ("value", "loads"), [(True, False), (False, True)], ids=["value", "format"]
)
def test_ods_stray_cell_at_xfd1048576(world: Path, value: bool, loads: bool) -> None:
    """calamine reads an .ods whole and densely: a stray value far away rejects the file
    (before calamine holds the grid); the empty rest LibreOffice writes changes nothing."""
    last = (
        '<table:table-row><table:table-cell table:number-columns-repeated="16383"/>'
        + (
            '<table:table-cell office:value-type="string"><text:p>x</text:p></table:table-cell>'
            if value
            else '<table:table-cell table:style-name="ce1"/>'
        )
        + "</table:table-row>"
    )
    (world / "inbox" / "far.ods").write_bytes(_ods(_sheet_rows(), tail=_EMPTY_REST + last))
    report = ingest(world)
    if loads:
        assert report.exit_code == EXIT_OK
        _assert_two_rows(world, report, "far.ods", first_row=4)
    else:
        assert report.exit_code == EXIT_REJECTED
        (message,) = report.files[0].result.messages
        assert message.startswith(
            "far.ods: rejected: sheet '儲值': its cells reach XFD1048576 (1,048,576 rows x "
            "16,384 columns"
        )
        assert "an .ods file is read whole" in message
    _second_run_changes_nothing(world)
