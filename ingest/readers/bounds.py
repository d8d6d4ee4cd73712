"""Bound a workbook before the reader loads it: what it unpacks to, how far its sheets reach.

calamine builds a sheet as one dense grid spanning every cell that holds a value, so a
single stray value at XFD1048576 asks it for 17 billion cells (hundreds of GiB): the
allocation fails and the process aborts, which no `try` can catch. A zip part that
unpacks to gigabytes (a shared-strings table) is loaded whole the same way. So before
calamine sees a file, this module looks at it cheaply, with the stdlib:

- the zip's central directory: the unpacked size of every part the reader loads,
  against the per-file budget (ingest.readers.limits);
- the first bytes of each worksheet part: its `<dimension ref="A1:E1234">` (BrtWsDim
  in an .xlsb, ingest.readers.biff12; DIMENSIONS in a legacy .xls, read from its
  OLE stream, ingest.readers.biff8; an .ods declares none: its content.xml is
  counted, ingest.readers.ods). An xlsx sheet's cell references are then streamed
  through one regular expression that matches only a reference outside that range
  (calamine trusts the range: a stray value at XFD1048576 left out of a stale range
  aborts it, a reference past Excel's last cell such as ZZZZ6 stalls it). A sheet
  whose declared range fits the budget and holds every cell is left to calamine as
  it is (the usual case). A sheet with no dimension, one past the budget (a stray
  *format* far away inflates it, and calamine ignores formats) or one with a cell
  outside it is scanned for the cells that really hold a value; the sheet is
  rejected if those reach past the budget or past Excel's last cell, naming the
  farthest cell.

Stdlib only: the run process sizes its batches with `unpacked_bytes` without polars.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree

from ingest.readers import biff8, biff12, ods
from ingest.readers.limits import Limits

# Parts a reader loads into memory: XML and binary records. Pictures, embedded
# objects and thumbnails are never read.
_LOADED_SUFFIXES = (".xml", ".bin", ".rels")
# Sheet parts up to this much in all are read whole for the range check and kept for
# the cell checks (one unpacking for both); beyond it they are streamed, and the cell
# checks unpack them again.
SHARED_BYTES = 64 << 20
_HEAD_BYTES = 1024  # the dimension sits in the first few hundred bytes
_HEAD_MAX = 1 << 16
_CHUNK = 1 << 20
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

_DIMENSION = re.compile(
    rb'<(?:\w+:)?dimension\s+ref="\$?([A-Z]+)\$?([0-9]+)(?::\$?([A-Z]+)\$?([0-9]+))?"'
)
_SHEET_DATA = re.compile(rb"<(?:\w+:)?sheetData\b")
# A cell element; group 3 is "/" for an empty (self-closing) cell, which holds no value.
_CELL = re.compile(rb'<(?:\w+:)?c\s[^>]*?\br="([A-Z]+)([0-9]+)"[^>]*?(/?)>')
# Excel's last cell: XFD1048576. A reference past it is no cell Excel can hold.
EXCEL_ROWS, EXCEL_COLS = 1_048_576, 16_384
_LETTERS, _DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "0123456789"


@dataclass(frozen=True)
class Extent:
    """How far a sheet reaches from A1: its last row and last column (1-based)."""

    rows: int
    cols: int
    last_row_cell: str = ""  # a cell on the last row, and one in the last column
    last_col_cell: str = ""

    @property
    def cells(self) -> int:
        return self.rows * self.cols

    @property
    def farthest(self) -> str:
        if self.last_row_cell == self.last_col_cell or not self.last_col_cell:
            return self.last_row_cell or self.ref
        return f"{self.last_row_cell} (last row) and {self.last_col_cell} (last column)"

    @property
    def ref(self) -> str:
        return f"{column_letters(self.cols)}{self.rows}"

    @property
    def beyond_excel(self) -> bool:
        return self.rows > EXCEL_ROWS or self.cols > EXCEL_COLS


@dataclass
class Preflight:
    """What the reader may load: a reason to reject the whole file, or some sheets."""

    file_error: str | None = None
    sheet_errors: dict[str, str] = field(default_factory=dict)  # sheet name -> reason
    # xlsx sheet parts read whole for the check, by part name: the cell checks
    # (ingest.cellinfo) take them from here instead of unpacking them again.
    parts: dict[str, bytes] = field(default_factory=dict)


def unpacked_bytes(path: Path) -> int | None:
    """What a zip-based workbook unpacks to (the parts a reader loads), from its central
    directory alone; None for a file that is not a zip (legacy .xls, CSV)."""
    try:
        with zipfile.ZipFile(path) as archive:
            return sum(i.file_size for i in archive.infolist() if _loaded(i.filename))
    except (zipfile.BadZipFile, OSError, ValueError):
        return None


def open_zip(path: Path) -> zipfile.ZipFile | None:
    """The file opened as a zip package (xlsx, xlsm, xlsb, ods), or None if it is none.
    The reader opens it once: `preflight` and the cell checks (ingest.cellinfo) share it."""
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError):
        return None


def preflight(path: Path, limits: Limits, archive: zipfile.ZipFile | None) -> Preflight:
    """Check a workbook against the budget: `archive` is the file opened as a zip (by
    `open_zip`; left open), None for a file that is none, such as a legacy .xls (a file
    the reader cannot open is left to it: it rejects it with its own message)."""
    if archive is None:
        return _preflight_xls(path, limits)
    parts = [i for i in archive.infolist() if _loaded(i.filename)]
    total = sum(i.file_size for i in parts)
    if total > limits.budget_bytes:
        largest = max(parts, key=lambda i: i.file_size)
        return Preflight(
            file_error=(
                f"it unpacks to {_mb(total)} ({largest.filename} alone is "
                f"{_mb(largest.file_size)}), more than {limits.budget_text()}; "
                "split the export, or raise the budget if the machine has the memory"
            )
        )
    try:
        names = archive.namelist()
        if "content.xml" in names and "xl/workbook.xml" not in names:
            return _preflight_ods(archive, limits)
        shared: dict[str, bytes] = {}
        errors = _sheet_errors(archive, parts, limits, shared)
        return Preflight(sheet_errors=errors, parts=shared)
    except (
        zipfile.BadZipFile,
        zlib.error,
        OSError,
        EOFError,
        KeyError,
        ElementTree.ParseError,
    ):
        return Preflight()  # a damaged part: calamine's own error says it best


def _preflight_xls(path: Path, limits: Limits) -> Preflight:
    """The same checks for a legacy .xls (an OLE file); anything else is left to the reader."""
    try:
        with path.open("rb") as handle:
            if handle.read(len(_OLE_MAGIC)) != _OLE_MAGIC:
                return Preflight()
        size = path.stat().st_size
        if size > limits.budget_bytes:
            return Preflight(
                file_error=f"it is {_mb(size)}, more than {limits.budget_text()}; split the export"
            )
        stream = biff8.workbook_stream(path.read_bytes())
        if stream is None:
            return Preflight()
        too_far: dict[str, Extent] = {}
        for sheet in biff8.sheets(stream):
            found = biff8.declared(stream, sheet)
            extent = None if found is None else Extent(*found)
            if extent is None or extent.cells > limits.max_cells:
                extent = _extent_of(biff8.value_cells(stream, sheet))
                if extent.cells > limits.max_cells:
                    too_far[sheet.name] = extent
    except Exception:  # noqa: BLE001 - a damaged file: calamine's own error says it best
        return Preflight()
    return Preflight(sheet_errors={n: _too_far(e, limits) for n, e in too_far.items()})


def _sheet_errors(
    archive: zipfile.ZipFile,
    parts: list[zipfile.ZipInfo],
    limits: Limits,
    shared: dict[str, bytes],
) -> dict[str, str]:
    too_far: dict[str, Extent] = {}
    binary = False
    for info in parts:
        name = info.filename
        if not name.startswith("xl/worksheets/"):
            continue
        if name.endswith(".xml"):
            declared, scanned = _declared, _scanned
        elif name.endswith(".bin"):
            declared, scanned, binary = _declared_bin, _scanned_bin, True
        else:
            continue
        extent = declared(archive, info)
        trusted = extent is not None and not extent.beyond_excel
        if trusted and extent.cells <= limits.max_cells and name.endswith(".xml"):
            # calamine trusts the declared range: a cell past it (a stale range after
            # a stray value, a reference past XFD1048576) aborts or stalls it.
            if sum(map(len, shared.values())) + info.file_size <= SHARED_BYTES:
                shared[name] = archive.read(info)
                trusted = not _outside(extent.rows, extent.cols).search(shared[name])
            else:
                trusted = not _reaches_past(archive, info, extent)
        if not trusted or extent.cells > limits.max_cells:
            extent = scanned(archive, info)
            if extent.cells > limits.max_cells or extent.beyond_excel:
                too_far[name] = extent
    if not too_far:
        return {}
    names = biff12.sheet_names(archive) if binary else _sheet_names(archive)
    return {names.get(part, part): _too_far(extent, limits) for part, extent in too_far.items()}


def _preflight_ods(archive: zipfile.ZipFile, limits: Limits) -> Preflight:
    """An .ods workbook past the budget (ingest.readers.ods). calamine reads every sheet
    of an .ods file as it opens it, so one sheet too far rejects the whole file."""
    for name, rows, cols in ods.extents(archive.read("content.xml")):
        if rows * cols > limits.max_cells:
            reason = _too_far(Extent(rows, cols), limits)
            return Preflight(
                file_error=f"sheet {name!r}: {reason} (an .ods file is read whole, so "
                "none of its sheets can be)"
            )
    return Preflight()


def _too_far(extent: Extent, limits: Limits) -> str:
    if extent.beyond_excel:
        return (
            f"its cells reach {extent.farthest}, past Excel's last cell XFD1048576 "
            f"({EXCEL_ROWS:,} rows x {EXCEL_COLS:,} columns): the file was not written "
            "by Excel or is damaged; open it in Excel, save it again and export again"
        )
    return (
        f"its cells reach {extent.ref} ({extent.rows:,} rows x {extent.cols:,} columns "
        f"= {extent.cells:,} cells), more than {limits.budget_text()} allows "
        f"({limits.max_cells:,} cells); the farthest cells are at {extent.farthest}: "
        "a stray cell far from the data? Delete the rows and columns past the data "
        "(Ctrl+End in Excel shows the last cell) and export again"
    )


def _extent_of(cells: Iterator[tuple[int, int]]) -> Extent:
    """How far (row, column) cells reach, naming the cells on the last row and column."""
    rows = cols = 0
    row_cell = col_cell = ""
    for row, col in cells:
        if row > rows:
            rows, row_cell = row, f"{column_letters(col)}{row}"
        if col > cols:
            cols, col_cell = col, f"{column_letters(col)}{row}"
    return Extent(rows, cols, row_cell, col_cell)


def _declared(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Extent | None:
    """The sheet's `<dimension>` from its first bytes; None if it declares none."""
    with archive.open(info) as stream:
        head = stream.read(_HEAD_BYTES)
        while len(head) < _HEAD_MAX and not _DIMENSION.search(head):
            if _SHEET_DATA.search(head):
                return None  # the cells start: there is no dimension
            more = stream.read(_HEAD_BYTES)
            if not more:
                break
            head += more
    match = _DIMENSION.search(head)
    if match is None:
        return None
    col, row = match.group(3) or match.group(1), match.group(4) or match.group(2)
    return Extent(int(row), column_number(col.decode()))


def _scanned(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Extent:
    """How far the cells that hold a value reach, reading the part as a stream."""
    rows = cols = 0
    row_cell = col_cell = ""
    tail = b""
    with archive.open(info) as stream:
        while True:
            chunk = stream.read(_CHUNK)
            buffer = tail + chunk
            cut = len(buffer) if not chunk else buffer.rfind(b"<")
            if cut < 0:
                cut = len(buffer)
            for match in _CELL.finditer(buffer, 0, cut):
                if match.group(3):
                    continue  # <c r="XFD1048576" s="1"/>: a format, no value
                row = int(match.group(2))
                col = column_number(match.group(1).decode())
                ref = (match.group(1) + match.group(2)).decode()
                if row > rows:
                    rows, row_cell = row, ref
                if col > cols:
                    cols, col_cell = col, ref
            tail = buffer[cut:]
            if not chunk:
                break
    return Extent(rows, cols, row_cell, col_cell)


def _reaches_past(archive: zipfile.ZipFile, info: zipfile.ZipInfo, declared: Extent) -> bool:
    """Whether any cell reference of the sheet lies outside its declared range, read as
    a stream: one regular expression that matches only such references (a column or a
    row past the declared last one), so the usual sheet costs one scan at C speed."""
    pattern = _outside(declared.rows, declared.cols)
    tail = b""
    with archive.open(info) as stream:
        while chunk := stream.read(_CHUNK):
            buffer = tail + chunk
            cut = buffer.rfind(b"<")
            cut = len(buffer) if cut < 0 else cut
            if pattern.search(buffer, 0, cut):
                return True
            tail = buffer[cut:]
    return bool(pattern.search(tail))


def _outside(rows: int, cols: int) -> re.Pattern[bytes]:
    """A cell reference ` r="XY123"` whose column is past `cols` or row past `rows`."""
    letters, digits = column_letters(cols), str(rows)
    col_past = "|".join([f"[A-Z]{{{len(letters) + 1},}}", *_greater(letters, _LETTERS)])
    row_past = "|".join([f"[1-9][0-9]{{{len(digits)},}}", *_greater(digits, _DIGITS)])
    return re.compile(f' r="(?:(?:{col_past})[0-9]+|[A-Z]+(?:{row_past}))"'.encode())


def _greater(text: str, alphabet: str) -> list[str]:
    """Patterns of the strings of `text`'s length above it in `alphabet`'s order."""
    found = []
    for i, char in enumerate(text):
        above = alphabet[alphabet.index(char) + 1 :]
        if above:
            rest = len(text) - i - 1
            tail = f"[{alphabet[0]}-{alphabet[-1]}]{{{rest}}}" if rest else ""
            found.append(f"{re.escape(text[:i])}[{above}]{tail}")
    return found


def _declared_bin(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Extent | None:
    """An .xlsb sheet's declared range (BrtWsDim), from its first records."""
    with archive.open(info) as stream:
        found = biff12.declared(stream.read(_HEAD_MAX))
    return None if found is None else Extent(*found)


def _scanned_bin(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Extent:
    """How far an .xlsb sheet's value cells reach (the whole part is read: rare)."""
    return _extent_of(biff12.value_cells(archive.read(info)))


def _sheet_names(archive: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet part -> sheet name, from the workbook and its relationships."""
    targets: dict[str, str] = {}
    for element in ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels")).iter():
        if element.tag.rsplit("}", 1)[-1] == "Relationship":
            target = element.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            targets[element.get("Id", "")] = str(PurePosixPath(path))
    names: dict[str, str] = {}
    for element in ElementTree.fromstring(archive.read("xl/workbook.xml")).iter():
        if element.tag.rsplit("}", 1)[-1] == "sheet":
            rel = next((v for k, v in element.attrib.items() if k.rsplit("}", 1)[-1] == "id"), "")
            if rel in targets:
                names[targets[rel]] = element.get("name", "")
    return names


def column_number(letters: str) -> int:
    number = 0
    for char in letters:
        number = number * 26 + ord(char) - 64
    return number


def column_letters(number: int) -> str:
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters or "A"


def _loaded(name: str) -> bool:
    return name.lower().endswith(_LOADED_SUFFIXES)


def _mb(size: int) -> str:
    return f"{size / (1 << 20):,.1f} MB"
