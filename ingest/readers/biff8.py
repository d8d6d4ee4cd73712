"""Just enough of the legacy .xls format (BIFF8) to bound its sheets.

calamine builds an .xls sheet as one dense grid too: a single stray value at IV65536
(the last cell of an .xls sheet) makes it hold 16.7 million cells, about 1.4 GB, in
one worker. An .xls file is an OLE compound document whose `Workbook` stream is a
sequence of records (a u16 type, a u16 length, the data): the workbook globals list
each sheet (BOUNDSHEET: its name and where its records start), and each sheet's
records start with its used range (DIMENSIONS). ingest.readers.bounds reads those
and, when a sheet declares too much, the rows and columns of its value cells (a
formatted blank holds no value: calamine ignores it too). The compound document is
opened with xlrd's reader (a dependency already, for the simulator's legacy files);
everything else is the stdlib.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass

_BOF = 0x0809
_EOF = 0x000A
_BOUNDSHEET = 0x0085
_DIMENSIONS = 0x0200
_BIFF8 = 0x0600
# Cell records that hold a value: (row u16, column u16) first. MULRK holds several.
_VALUE_CELLS = frozenset({0x0203, 0x0204, 0x0205, 0x00FD, 0x027E, 0x00D6, 0x0006})
_MULRK = 0x00BD


@dataclass(frozen=True)
class XlsSheet:
    name: str
    offset: int  # where its BOF record starts in the Workbook stream


def workbook_stream(data: bytes) -> bytes | None:
    """The `Workbook` stream of an .xls file; None if it has none (not BIFF8)."""
    from xlrd.compdoc import CompDoc  # xlrd's OLE reader; only for .xls files

    doc = CompDoc(data, logfile=_Quiet())
    stream = doc.get_named_stream("Workbook")
    return bytes(stream) if stream is not None else None


def records(stream: bytes, start: int = 0) -> Iterator[tuple[int, bytes]]:
    """(type, data) of each record from `start` to the end of its substream (EOF)."""
    pos, end = start, len(stream)
    while pos + 4 <= end:
        kind, size = struct.unpack_from("<HH", stream, pos)
        pos += 4
        body = stream[pos : pos + size]
        pos += size
        yield kind, body
        if kind == _EOF:
            return


def sheets(stream: bytes) -> list[XlsSheet]:
    """The worksheets the globals list (charts and macro sheets left out); empty if the
    stream is not BIFF8."""
    out: list[XlsSheet] = []
    for kind, body in records(stream):
        if kind == _BOF and (len(body) < 2 or struct.unpack_from("<H", body)[0] != _BIFF8):
            return []
        if kind == _BOUNDSHEET and len(body) >= 8:
            offset, _, sheet_type, length, flags = struct.unpack_from("<IBBBB", body)
            if sheet_type != 0:
                continue
            raw = body[8:]
            name = (
                raw[: 2 * length].decode("utf-16-le", errors="replace")
                if flags & 1
                else raw[:length].decode("latin-1")
            )
            out.append(XlsSheet(name, offset))
    return out


def declared(stream: bytes, sheet: XlsSheet) -> tuple[int, int] | None:
    """(rows, columns) the sheet declares in DIMENSIONS; None if it does not."""
    for kind, body in records(stream, sheet.offset):
        if kind == _DIMENSIONS and len(body) >= 12:
            _, last_row, _, last_col = struct.unpack_from("<IIHH", body)
            return last_row, last_col  # both are "last + 1": counts from row/column 1
    return None


def value_cells(stream: bytes, sheet: XlsSheet) -> Iterator[tuple[int, int]]:
    """(row, column), 1-based, of every cell of the sheet that holds a value."""
    for kind, body in records(stream, sheet.offset):
        if kind in _VALUE_CELLS and len(body) >= 4:
            row, col = struct.unpack_from("<HH", body)
            yield row + 1, col + 1
        elif kind == _MULRK and len(body) >= 6:
            row, _ = struct.unpack_from("<HH", body)
            (last,) = struct.unpack_from("<H", body, len(body) - 2)
            yield row + 1, last + 1


class _Quiet:
    """xlrd writes warnings about odd files to a log; the reader reports what matters."""

    def write(self, _text: str) -> int:
        return 0
