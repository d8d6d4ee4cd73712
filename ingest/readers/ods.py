"""How far each sheet of an .ods workbook reaches, from its content.xml.

calamine reads every sheet of an .ods file when it opens it, each as a dense grid,
and refuses only past 100 million cells: a stray value at row 1,048,576, column 50
would still have it hold 1.7 GB. OpenDocument has no declared range, and LibreOffice
writes the empty rest of a sheet as rows and cells with a repeat count
(`table:number-rows-repeated="1048570"`), so the extent is counted here: rows and
cells advance by their repeat counts, and only a cell with a value type reaches.
Stdlib only; the whole part is scanned (ods files are rare and small).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_TOKEN = re.compile(
    rb"<table:table\s[^>]*?table:name=\"([^\"]*)\"[^>]*>"  # 1: a sheet starts
    rb"|<table:table-row\b([^>]*?)(/?)>"  # 2, 3: a row (self-closing: empty)
    rb"|<table:(?:covered-)?table-cell\b([^>]*?)/?>"  # 4: a cell
)
_ROWS = re.compile(rb'table:number-rows-repeated="(\d+)"')
_COLS = re.compile(rb'table:number-columns-repeated="(\d+)"')
_VALUE = re.compile(rb"office:value-type=")


def extents(content: bytes) -> Iterator[tuple[str, int, int]]:
    """(sheet name, rows, columns) that its value cells reach, 1-based, per sheet."""
    name: str | None = None
    rows = cols = 0
    row = 0  # rows before the current one
    repeat = 0  # how many times the current row repeats (no row yet)
    col = 0
    for match in _TOKEN.finditer(content):
        sheet, row_attrs, row_empty, cell_attrs = match.groups()
        if sheet is not None:
            if name is not None:
                yield name, rows, cols
            name = _unescape(sheet)
            rows = cols = row = col = repeat = 0
        elif row_attrs is not None:
            row += repeat  # the previous row (and its repeats) is done
            found = _ROWS.search(row_attrs)
            repeat = int(found.group(1)) if found else 1
            col = 0
            if row_empty:
                row, repeat = row + repeat, 0
        elif cell_attrs is not None:
            found = _COLS.search(cell_attrs)
            span = int(found.group(1)) if found else 1
            if _VALUE.search(cell_attrs):
                rows = max(rows, row + repeat)
                cols = max(cols, col + span)
            col += span
    if name is not None:
        yield name, rows, cols


def _unescape(raw: bytes) -> str:
    return (
        raw.decode("utf-8", "replace")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", '"')
        .replace("&apos;", "'")
        .replace("&amp;", "&")
    )
