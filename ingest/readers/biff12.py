"""Just enough of the .xlsb format (BIFF12, MS-XLSB 2.1.4) to bound its sheets.

An .xlsb sheet part is a stream of records (a type and a length as 7-bit varints,
then the data). calamine builds an .xlsb sheet as densely as an .xlsx one, so a
stray value at XFD1048576 aborts it the same way; ingest.readers.bounds reads the
sheet's declared range (BrtWsDim) from its first records and, when that is missing
or too big, the rows and columns of the cells that hold a value. Stdlib only.
"""

from __future__ import annotations

import struct
import zipfile
from collections.abc import Iterator
from pathlib import PurePosixPath
from xml.etree import ElementTree

_ROW_HEADER = 0x0000  # BrtRowHdr: the row of the cells that follow
_CELL_BLANK = 0x0001  # a formatted cell without a value
_CELL_TYPES = frozenset(range(0x0002, 0x000C))  # BrtCellRk .. BrtFmlaError
_WS_DIM = 0x0094
_BEGIN_SHEET_DATA = 0x0091
_END_SHEET_DATA = 0x0092
_BUNDLE_SHEET = 0x009C
_END_BUNDLE_SHEETS = 0x0090


def records(data: bytes) -> Iterator[tuple[int, bytes]]:
    """(type, data) of each whole record in `data`; a cut-off last record is dropped."""
    pos, end = 0, len(data)
    while pos < end:
        kind = data[pos]
        pos += 1
        if kind & 0x80:
            if pos >= end:
                return
            kind = (kind & 0x7F) | ((data[pos] & 0x7F) << 7)
            pos += 1
        size = shift = 0
        for _ in range(4):
            if pos >= end:
                return
            byte = data[pos]
            pos += 1
            size |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                break
        if pos + size > end:
            return
        yield kind, data[pos : pos + size]
        pos += size


def declared(head: bytes) -> tuple[int, int] | None:
    """(rows, columns) the sheet declares, from its first bytes; None if it does not."""
    for kind, body in records(head):
        if kind == _WS_DIM and len(body) >= 16:
            _, last_row, _, last_col = struct.unpack_from("<IIII", body)
            return last_row + 1, last_col + 1
        if kind == _BEGIN_SHEET_DATA:
            return None
    return None


def value_cells(data: bytes) -> Iterator[tuple[int, int]]:
    """(row, column), 1-based, of every cell of the sheet that holds a value."""
    row = 0
    for kind, body in records(data):
        if kind == _ROW_HEADER and len(body) >= 4:
            row = struct.unpack_from("<I", body)[0] + 1
        elif kind in _CELL_TYPES and len(body) >= 4:
            yield row, struct.unpack_from("<I", body)[0] + 1
        elif kind == _END_SHEET_DATA:
            return


def sheet_names(archive: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet part -> sheet name, from xl/workbook.bin and its relationships."""
    targets: dict[str, str] = {}
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.bin.rels"))
    for element in rels.iter():
        if element.tag.rsplit("}", 1)[-1] == "Relationship":
            target = element.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            targets[element.get("Id", "")] = str(PurePosixPath(path))
    names: dict[str, str] = {}
    for kind, body in records(archive.read("xl/workbook.bin")):
        if kind == _END_BUNDLE_SHEETS:
            break
        if kind == _BUNDLE_SHEET and len(body) >= 12:
            rel, rest = _wide(body[8:])
            name, _ = _wide(rest)
            if rel in targets:
                names[targets[rel]] = name
    return names


def _wide(data: bytes) -> tuple[str, bytes]:
    """An XLWideString (a u32 count of UTF-16 units, then the units) and what follows."""
    if len(data) < 4:
        return "", b""
    (count,) = struct.unpack_from("<I", data)
    if count == 0xFFFFFFFF:
        return "", data[4:]
    end = 4 + 2 * count
    return data[4:end].decode("utf-16-le", errors="replace"), data[end:]
