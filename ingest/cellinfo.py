"""What the grid of text does not say about a sheet's cells, read from the xlsx XML.

calamine (through fastexcel) hands a sheet over as text and loses five things the
contract needs (docs/input-contract.md, "Hostile input"):

- an error value (`#N/A`, `#DIV/0!`, ...) comes back as an empty cell;
- a formula without a cached value comes back as an empty cell;
- a number format is not applied: `123` formatted `000000` comes back as `123`;
- a merged cell's value sits in its top-left cell only;
- a date cell formatted as a date alone comes back as that day's midnight.

Each would load a wrong value without a word, so for xlsx/xlsm workbooks this module
reads the sheet's XML itself, only as far as it must: a byte search tells whether a
sheet holds error cells, formulas, merges or the styles that matter, and its cells are
parsed (by regular expression, at C speed) only when it does. The findings become
patches to the grid's text, which the vectorised parser then types like any cell: an
error cell gets its error text, a formula without a value gets `NO_CACHED_VALUE`, a
zero-padded ID gets its zeros, a date-only cell in a timestamp column loses its
midnight. Other formats (xls, xlsb, ods, csv) carry no such XML and are not patched.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from xml.etree import ElementTree

import polars as pl

from ingest.contracts import Kind
from ingest.headers import Header
from ingest.values import NO_CACHED_VALUE

# A part bigger than this unpacked is not read again here (the reader bounds sheets).
MAX_PART_BYTES = 256 << 20

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"

# Built-in number formats that show a date without a time (en and zh-TW locales).
_BUILTIN_DATES = frozenset({14, 15, 16, 17, 27, 28, 29, 30, 31, 36, 50, 51, 54, 57, 58})

_CELL = re.compile(rb"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.S)
_REF = re.compile(rb'\br="([A-Z]{1,3})(\d+)"')
_STYLE = re.compile(rb'\bs="(\d+)"')
_TYPE = re.compile(rb'\bt="(\w+)"')
_FORMULA = re.compile(rb"<f\b[^>]*?(?:/>|>(.*?)</f>)", re.S)
_VALUE = re.compile(rb"<v\b[^>]*?(?:/>|>(.*?)</v>)", re.S)
_MERGE = re.compile(rb'<mergeCell\b[^>]*?\bref="([A-Z]{1,3})(\d+)(?::([A-Z]{1,3})(\d+))?"')
_QUOTED = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]')


def _column(letters: bytes | str) -> int:
    """0-based index of an Excel column: A -> 0, XFD -> 16383."""
    n = 0
    for ch in letters if isinstance(letters, str) else letters.decode():
        n = n * 26 + ord(ch) - 64
    return n - 1


def _unescape(text: bytes) -> str:
    return (
        text.decode("utf-8", "replace")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", '"')
        .replace("&apos;", "'")
        .replace("&amp;", "&")
    )


def _padding(code: str) -> int | None:
    """The width a number format pads an integer to with zeros (`000000` -> 6), else None."""
    bare = _QUOTED.sub("", code)
    return len(bare) if len(bare) >= 2 and set(bare) == {"0"} else None


def _date_only(code: str) -> bool:
    """Whether a custom number format shows a date and no time."""
    bare = _QUOTED.sub("", code).lower()
    return bool(re.search(r"[yde]", bare)) and not re.search(r"[hs]|am/pm|a/p|上午", bare)


def _holds_any(data: bytes, needles: list[bytes]) -> bool:
    """Whether `data` holds any of the needles, in one pass: a regular expression of
    the literals (SIMD-searched by polars) over the sheet read as UTF-8, half the CPU
    of `_contains`'s search per needle on the medium world. Sheet XML that is not
    UTF-8 is searched per needle instead."""
    try:
        text = pl.Series([data], dtype=pl.Binary).cast(pl.String)
    except pl.exceptions.ComputeError:
        return any(_contains(data, needles))
    pattern = "|".join(re.escape(n.decode()) for n in needles)
    return bool(text.str.contains(pattern)[0])


def _contains(data: bytes, needles: list[bytes]) -> list[bool]:
    """Whether `data` holds each needle: polars' SIMD substring search, three times
    faster than a `bytes in` per needle on the medium world's 229 MB of sheet XML
    (0.5 -> 0.15 CPU s), which every sheet's check reads whole."""
    haystack = pl.Series([data], dtype=pl.Binary)
    return [bool(haystack.bin.contains(needle)[0]) for needle in needles]


class UnreadablePartError(Exception):
    """A part of the package (a sheet's XML) is corrupt although the reader got through
    it: the sheet cannot be checked for errors and formulas, so it is rejected."""


@dataclass
class SheetCells:
    """The cells of one sheet the grid misrepresents, by (0-based row, 0-based column)."""

    first_column: int = 0  # the leftmost column holding a value: grid column c0
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # r0, c0, r1, c1
    errors: dict[tuple[int, int], str] = field(default_factory=dict)
    uncached: dict[tuple[int, int], str] = field(default_factory=dict)  # the formula
    padded: dict[tuple[int, int], int] = field(default_factory=dict)  # the width
    date_only: set[tuple[int, int]] = field(default_factory=set)

    @property
    def empty(self) -> bool:
        return not (self.merges or self.errors or self.uncached or self.padded or self.date_only)


class WorkbookCells:
    """An xlsx/xlsm package opened for its sheets' XML and its cell styles."""

    def __init__(self, archive: zipfile.ZipFile, parts: dict[str, bytes] | None = None) -> None:
        self._zip = archive
        self._read = parts if parts is not None else {}  # parts the pre-check read
        self._paths = self._sheet_paths()
        self._padded: dict[int, int] = {}
        self._date_only: set[int] = set()
        self._read_styles()

    @classmethod
    def open(
        cls, archive: zipfile.ZipFile | None, parts: dict[str, bytes] | None = None
    ) -> WorkbookCells | None:
        """The cell information of a workbook opened as a zip (the reader's package,
        ingest.readers.workbook: the caller closes it), or None for a file that is no
        xlsx package (xls, xlsb, ods, csv) or whose parts cannot be read (the reader
        decides those)."""
        if archive is None:
            return None
        try:
            if "xl/workbook.xml" not in archive.namelist():
                return None
            return cls(archive, parts)
        except (OSError, zipfile.BadZipFile, ElementTree.ParseError, KeyError, ValueError):
            return None

    def _part(self, name: str) -> bytes | None:
        if name in self._read:  # unpacked by the reader's pre-check: used once, here
            return self._read.pop(name)
        try:
            info = self._zip.getinfo(name)
        except KeyError:
            return None
        if info.file_size > MAX_PART_BYTES:
            return None
        try:
            return self._zip.read(info)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
            raise UnreadablePartError(f"part {name} of the workbook cannot be read: {exc}") from exc

    def _sheet_paths(self) -> dict[str, str]:
        book = ElementTree.fromstring(self._part("xl/workbook.xml") or b"<x/>")
        rels_xml = self._part("xl/_rels/workbook.xml.rels")
        targets: dict[str, str] = {}
        if rels_xml:
            for rel in ElementTree.fromstring(rels_xml).iter(f"{_PKG_REL}Relationship"):
                target = rel.get("Target", "")
                path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
                targets[rel.get("Id", "")] = str(PurePosixPath(path))
        paths = {}
        for sheet in book.iter(f"{_MAIN}sheet"):
            target = targets.get(sheet.get(f"{_REL}id", ""))
            if target:
                paths[sheet.get("name", "")] = target
        return paths

    def _read_styles(self) -> None:
        styles = self._part("xl/styles.xml")
        if not styles:
            return
        root = ElementTree.fromstring(styles)
        codes: dict[int, str] = {}
        for fmt in root.iter(f"{_MAIN}numFmt"):
            codes[int(fmt.get("numFmtId", "-1"))] = fmt.get("formatCode", "")
        xfs = root.find(f"{_MAIN}cellXfs")
        for index, xf in enumerate(xfs if xfs is not None else []):
            fmt_id = int(xf.get("numFmtId", "0"))
            code = codes.get(fmt_id)
            width = _padding(code) if code is not None else None
            if width:
                self._padded[index] = width
            if fmt_id in _BUILTIN_DATES or (code is not None and _date_only(code)):
                self._date_only.add(index)

    def sheet(self, name: str, *, data_start: int, timestamps: bool) -> SheetCells:
        """What the grid of sheet `name` misses under its header (`data_start`: the grid
        row of the first data row); `timestamps`: whether its domain has a timestamp
        column (date-only cells matter only there). Merges above the data (a two-row
        header's group labels) are the header finder's business, not patched."""
        path = self._paths.get(name)
        data = self._part(path) if path else None
        if not data:
            return SheetCells()
        styles = dict.fromkeys(self._padded, "padded")
        if timestamps:
            styles.update(dict.fromkeys(self._date_only - set(self._padded), "date"))
        # Memory scans decide whether the cells need parsing at all: one pass for
        # the usual sheet, which holds none of them.
        needles = [b"<f", b't="e"', *(f' s="{s}"'.encode() for s in styles)]
        if not _holds_any(data, [*needles, b"<mergeCells"]):
            return SheetCells()
        formulas, errors, *hits = _contains(data, needles)
        styled = [s for s, hit in zip(styles, hits, strict=True) if hit]
        has_cells = bool(styled) or formulas or errors
        found = SheetCells()
        merges_at = data.rfind(b"<mergeCells")
        if merges_at >= 0:  # after the cells, so the search starts there
            for a, r0, b, r1 in _MERGE.findall(data, merges_at):
                top, c0 = int(r0) - 1, _column(a)
                if top >= data_start:
                    found.merges.append(
                        (top, c0, int(r1) - 1 if r1 else top, _column(b) if b else c0)
                    )
        if has_cells or found.merges:
            self._cells(data, found, styled_as={s: styles[s] for s in styled})
        return found

    def _cells(self, data: bytes, found: SheetCells, styled_as: dict[int, str]) -> None:
        """Parse every cell of the sheet: where its grid starts, and the cells that need
        a patch."""
        first_column: int | None = None
        for attrs, inner in _CELL.findall(data):
            ref = _REF.search(attrs)
            if ref is None:  # cells without references: positions unknown, leave as read
                continue
            row, col = int(ref.group(2)) - 1, _column(ref.group(1))
            kind = _TYPE.search(attrs)
            cell_type = kind.group(1) if kind else b"n"
            value = _VALUE.search(inner) if inner else None
            text = value.group(1) if value else None
            has_value = bool(text) or (cell_type == b"inlineStr" and b"<t" in (inner or b""))
            if has_value and (first_column is None or col < first_column):
                first_column = col
            if cell_type == b"e":
                found.errors[(row, col)] = _unescape(text or b"#VALUE!")
                continue
            formula = _FORMULA.search(inner) if inner and b"<f" in inner else None
            cached = has_value or (value is not None and cell_type in (b"str", b"s"))
            if formula is not None and not cached:
                found.uncached[(row, col)] = _unescape(formula.group(1) or b"")
                continue
            style = _STYLE.search(attrs)
            role = styled_as.get(int(style.group(1))) if style else None
            if role == "padded" and has_value and cell_type == b"n":
                found.padded[(row, col)] = self._padded[int(style.group(1))]
            elif role == "date" and has_value and cell_type == b"n":
                found.date_only.add((row, col))
        found.first_column = first_column or 0


def patch_grid(grid: pl.DataFrame, header: Header, cells: SheetCells) -> pl.DataFrame:
    """The grid with the data area's cells as the sheet shows them (see module doc).

    Only rows under the header change; a column of the grid is patched in one
    expression, so the cost follows the cells patched, not the sheet.
    """
    if cells.empty:
        return grid
    offset, height, width = cells.first_column, grid.height, grid.width
    kinds = {i: header.domain.column(name).kind for i, name in header.canonical.items()}
    patches: dict[int, dict[int, str]] = {}

    def put(row: int, col: int, text: str | None) -> None:
        c = col - offset
        if text is not None and header.data_start <= row < height and 0 <= c < width:
            patches.setdefault(c, {})[row] = text

    for r0, c0, r1, c1 in cells.merges:
        if r0 < header.data_start or not (0 <= c0 - offset < width) or r0 >= height:
            continue
        value = grid[r0, c0 - offset]
        if value is None:
            continue
        # Clipped to the grid: a merge down to row 1,048,576 spans only the rows read.
        for r in range(r0, min(r1, height - 1) + 1):
            for c in range(c0, min(c1, offset + width - 1) + 1):
                if (r, c) != (r0, c0):
                    put(r, c, value)
    for (r, c), text in cells.errors.items():
        put(r, c, text)
    for (r, c), formula in cells.uncached.items():
        put(r, c, f"{NO_CACHED_VALUE} ={formula}")
    for (r, c), pad in cells.padded.items():
        if kinds.get(c - offset) is Kind.ID and 0 <= c - offset < width and r < height:
            text = grid[r, c - offset]
            if text is not None and text.isdigit():
                put(r, c, text.zfill(pad))
    for r, c in cells.date_only:
        if kinds.get(c - offset) is Kind.TIMESTAMP and 0 <= c - offset < width and r < height:
            text = grid[r, c - offset]
            if text is not None:
                put(r, c, text[:10])
    if not patches:
        return grid
    row = pl.int_range(pl.len(), dtype=pl.Int64)
    return grid.with_columns(
        row.replace_strict(
            list(rows), list(rows.values()), default=pl.col(f"c{c}"), return_dtype=pl.String
        ).alias(f"c{c}")
        for c, rows in patches.items()
    )
