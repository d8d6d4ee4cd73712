"""Open a workbook and hand out its sheets as grids of text.

calamine (through fastexcel) reads xlsx, xlsm and legacy xls about 20x faster than
openpyxl. Every cell is read as text, exactly as the sheet shows it, because the
back office mixes numbers, text and dates in one column; typing happens later, in
one vectorised pass per column (ingest.values). A cell of spaces (NBSP included)
is read as empty. Rows are read from Excel row 1
(skip_rows=0), so a grid row index + 1 is the Excel row number.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import fastexcel
import polars as pl


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
        if path.stat().st_size == 0:
            raise UnreadableWorkbookError("the file is empty (0 bytes)")
        try:
            self._reader = fastexcel.read_excel(str(path))
            self.sheets = [Sheet(n, i) for i, n in enumerate(self._reader.sheet_names)]
        except Exception as exc:  # calamine raises several error types
            raise UnreadableWorkbookError(
                f"not a readable workbook (tried xlsx/xls with calamine: {_first_line(exc)})"
            ) from exc

    def load(self, sheet: Sheet) -> LoadedSheet:
        """All cells of a sheet as text, with its visibility (known only once loaded)."""
        try:
            loaded = self._reader.load_sheet(
                sheet.index,
                header_row=None,
                skip_rows=0,
                dtypes="string",
                whitespace_as_null=True,
            )
            frame = loaded.to_polars()
        except Exception as exc:
            raise UnreadableWorkbookError(
                f"sheet {sheet.name!r} could not be read: {_first_line(exc)}"
            ) from exc
        grid = frame.rename({old: f"c{i}" for i, old in enumerate(frame.columns)})
        return LoadedSheet(sheet=sheet, visible=loaded.visible == "visible", grid=grid)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
