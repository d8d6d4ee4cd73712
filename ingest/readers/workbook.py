"""Open a workbook and hand out its sheets as grids of text.

calamine (through fastexcel) reads xlsx, xlsm, xlsb, ods and legacy xls about 20x
faster than openpyxl. Every cell is read as text, exactly as the sheet shows it,
because the back office mixes numbers, text and dates in one column; typing happens
later, in one vectorised pass per column (ingest.values). A cell of spaces (NBSP
included) is read as empty. Rows are read from Excel row 1 (skip_rows=0), so a grid
row index + 1 is the Excel row number.

A CSV file is one sheet of text cells (ingest.readers.csv), so nothing after the
reader knows the difference. A zip archive is rejected: its files are to be
extracted into the inbox (see `ARCHIVE_SUFFIXES`).

Before calamine sees a file, ingest.readers.bounds checks what it unpacks to and how
far its sheets reach, so a stray cell at XFD1048576 rejects one sheet with a message
instead of aborting the process. A worker process also sets `watch`, told when each
reader call starts and ends: the run bounds the reader's time per file with it, and
knows which file was being read if the worker dies.
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import fastexcel
import polars as pl

from ingest.readers import csv as csv_reader
from ingest.readers.bounds import open_zip, preflight
from ingest.readers.limits import Limits

CSV_SUFFIXES = (".csv",)
ARCHIVE_SUFFIXES = (".zip",)

# Called with (event, path): "start" before a reader call on the file, "end" after it.
# Set by the ingest worker (ingest.pool); None in any other process.
watch: Callable[[str, str], None] | None = None


class UnreadableWorkbookError(Exception):
    """The file is not a workbook calamine can open (truncated, CSV, encrypted, empty)."""


@dataclass(frozen=True)
class Sheet:
    name: str
    index: int


@dataclass(frozen=True)
class LoadedSheet:
    sheet: Sheet
    visible: bool
    grid: pl.DataFrame  # every cell as text; columns c0, c1, ...


class Workbook:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._csv: csv_reader.CsvSheet | None = None
        self._too_far: dict[str, str] = {}
        # The file as a zip package, open until `close` (None for csv and legacy xls).
        self.archive: zipfile.ZipFile | None = None
        self.parts: dict[str, bytes] = {}
        self._hidden: frozenset[str] | None = None  # known for xlsx/xlsm only
        if path.stat().st_size == 0:
            raise UnreadableWorkbookError("the file is empty (0 bytes)")
        suffix = path.suffix.lower()
        if suffix in ARCHIVE_SUFFIXES:
            raise UnreadableWorkbookError(
                "a .zip archive: the ingest does not unpack archives; extract its files "
                "into the inbox (each is then ingested under its own name)"
            )
        with _watched(path):
            if suffix in CSV_SUFFIXES:
                try:
                    self._csv = csv_reader.read(path)
                except csv_reader.UnreadableCsvError as exc:
                    raise UnreadableWorkbookError(str(exc)) from exc
                self.sheets = [Sheet(self._csv.name, 0)]
                return
            self.archive = open_zip(path)
            try:
                self._open(path)
            except BaseException:
                self.close()
                raise

    def _open(self, path: Path) -> None:
        checked = preflight(path, Limits.from_env(), self.archive)
        if checked.file_error:
            raise UnreadableWorkbookError(checked.file_error)
        self._too_far = checked.sheet_errors
        self.parts = checked.parts  # sheet XML read by the check, for the cell checks
        self._hidden = _hidden_sheets(self.archive)
        try:
            self._reader = fastexcel.read_excel(_calamine_source(path))
            self.sheets = [Sheet(n, i) for i, n in enumerate(self._reader.sheet_names)]
        except Exception as exc:  # calamine raises several error types
            raise UnreadableWorkbookError(
                "not a readable workbook (tried xlsx/xlsb/ods/xls with calamine: "
                f"{_first_line(exc)})"
            ) from exc

    def close(self) -> None:
        """Close the zip package (the reader itself holds nothing open)."""
        self.parts = {}
        if self.archive is not None:
            self.archive.close()

    def load(self, sheet: Sheet) -> LoadedSheet:
        """All cells of a sheet as text, with its visibility (a hidden xlsx sheet is not
        loaded: its grid is empty)."""
        if self._csv is not None:
            return LoadedSheet(sheet=sheet, visible=True, grid=self._csv.grid)
        if sheet.name in self._too_far:
            raise UnreadableWorkbookError(
                f"sheet {sheet.name!r} was not read: {self._too_far[sheet.name]}"
            )
        options = {"header_row": None, "skip_rows": 0, "dtypes": "string"}
        try:
            with _watched(self.path):
                if self._hidden is None:
                    loaded = self._reader.load_sheet(
                        sheet.index, whitespace_as_null=True, **options
                    )
                    visible, frame = loaded.visible == "visible", loaded.to_polars()
                elif sheet.name in self._hidden:  # not loaded: the ingest skips it
                    visible, frame = False, pl.DataFrame()
                else:
                    batch = self._reader.load_sheet(
                        sheet.index, whitespace_as_null=True, eager=True, **options
                    )
                    visible, frame = True, pl.DataFrame(batch)
        except Exception as exc:
            raise UnreadableWorkbookError(
                f"sheet {sheet.name!r} could not be read: {_first_line(exc)}"
            ) from exc
        grid = frame.rename({old: f"c{i}" for i, old in enumerate(frame.columns)})
        return LoadedSheet(sheet=sheet, visible=visible, grid=grid)


def _hidden_sheets(archive: zipfile.ZipFile | None) -> frozenset[str] | None:
    """The hidden sheets of an xlsx/xlsm package (`state` hidden or veryHidden in its
    workbook part, as calamine reads it), or None for another format.

    Known before a sheet is loaded, they let it be loaded eagerly, straight into Arrow:
    about 15% less CPU than calamine's lazy sheet (which alone tells the visibility of
    the other formats), the same path as the benchmark's floor."""
    if archive is None or "xl/workbook.xml" not in archive.namelist():
        return None
    try:
        root = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ElementTree.ParseError):
        return None  # calamine says what is wrong, or reads it anyway
    return frozenset(
        e.get("name", "")
        for e in root.iter()
        if e.tag.rsplit("}", 1)[-1] == "sheet" and e.get("state", "visible") != "visible"
    )


def _calamine_source(path: Path) -> str | bytes:
    """The path, or the file's bytes when its name is not valid UTF-8 (a Big5 name from
    a Windows archive): calamine takes paths as UTF-8 text only."""
    name = str(path)
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return path.read_bytes()
    return name


@contextmanager
def _watched(path: Path) -> Iterator[None]:
    hook = watch
    if hook is None:
        yield
        return
    hook("start", str(path))
    try:
        yield
    finally:
        hook("end", str(path))


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
