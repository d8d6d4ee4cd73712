"""Hand-made workbooks for the ingest tests: exact cells at exact rows.

The simulator writes whole worlds; these tests need one variation at a time, in a
cell whose Excel row the assertion names.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import xlsxwriter

Cell = str | int | float | dt.datetime | dt.date | None


@dataclass
class SheetSpec:
    name: str
    rows: list[list[Cell]]  # rows[0] is Excel row 1
    hidden: bool = False
    # (first_row, first_col, last_row, last_col, label), 0-based, for merged headers
    merges: list[tuple[int, int, int, int, str]] = field(default_factory=list)


def write_workbook(path: Path, *sheets: SheetSpec) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = xlsxwriter.Workbook(str(path))
    workbook.set_properties({"created": dt.datetime(2025, 1, 1)})
    stamp = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    day = workbook.add_format({"num_format": "yyyy-mm-dd"})
    for spec in sheets:
        sheet = workbook.add_worksheet(spec.name)
        for r, row in enumerate(spec.rows):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, dt.datetime):
                    sheet.write_datetime(r, c, value, stamp)
                elif isinstance(value, dt.date):
                    sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), day)
                elif isinstance(value, str):
                    sheet.write_string(r, c, value)
                else:
                    sheet.write_number(r, c, value)
        for r0, c0, r1, c1, label in spec.merges:
            sheet.merge_range(r0, c0, r1, c1, label)
        if spec.hidden:
            sheet.hide()
    workbook.close()
    return path


TOP_UP_HEADER = ["Order ID", "User ID", "Top-up Time", "Amount (TWD)", "Status"]


def top_up_rows(*rows: list[Cell]) -> list[list[Cell]]:
    return [TOP_UP_HEADER, *rows]
