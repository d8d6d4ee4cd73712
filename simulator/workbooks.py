"""Write rendered sheets to disk, byte-for-byte reproducibly.

xlsxwriter stamps zip entries with 1980-01-01 already; the only other moving
part is the document's created date, pinned here. Legacy ``.xls`` goes through
xlwt when it is installed (it writes no timestamps, so it is reproducible too).
After writing, the file's mtime is set: the ingest uses it as ``exported_at``
when a sheet has no ``Exported at`` line.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import xlsxwriter

from simulator.cells import Cell, DateCell
from simulator.layouts import RenderedSheet

FIXED_CREATED = datetime(2025, 1, 1, 0, 0, 0)
TAIPEI = timezone(timedelta(hours=8))
BIG_SHEET_ROWS = 50_000  # stream rows to disk (constant_memory) above this


def epoch_of_local(local: datetime) -> int:
    """Seconds since the epoch of a naive Asia/Taipei wall time."""
    return int(local.replace(tzinfo=TAIPEI).timestamp())


def set_mtime(path: Path, local: datetime) -> None:
    t = epoch_of_local(local)
    os.utime(path, (t, t))


def write_xlsx(path: Path, sheets: list[RenderedSheet]) -> None:
    big = any(len(s.rows) > BIG_SHEET_ROWS for s in sheets)
    wb = xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": big,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "nan_inf_to_errors": True,
        },
    )
    wb.set_properties({"created": FIXED_CREATED, "author": "backoffice", "company": "livelake"})
    formats: dict[str, object] = {}
    bold = wb.add_format({"bold": True, "align": "center", "valign": "vcenter"})
    for sheet in sheets:
        ws = wb.add_worksheet(sheet.name)
        for j, w in enumerate(sheet.widths):
            ws.set_column(j, j, w)
        merged_at = {(r1, c1): (r2, c2, v) for r1, c1, r2, c2, v in sheet.merges}
        covered = {
            (r, c)
            for r1, c1, r2, c2, _ in sheet.merges
            for r in range(r1, r2 + 1)
            for c in range(c1, c2 + 1)
        }
        ws_string, ws_number = ws.write_string, ws.write_number
        for r, row in enumerate(sheet.rows):
            for c, v in enumerate(row):
                if (r, c) in merged_at:
                    r2, c2, mv = merged_at[(r, c)]
                    ws.merge_range(r, c, r2, c2, mv, bold)
                    continue
                if v is None or (r, c) in covered:
                    continue
                if isinstance(v, str):
                    if v:
                        ws_string(r, c, v)
                elif isinstance(v, DateCell):
                    fmt = formats.get(v.fmt)
                    if fmt is None:
                        fmt = formats[v.fmt] = wb.add_format({"num_format": v.fmt})
                    ws.write_datetime(r, c, v.value, fmt)
                else:
                    ws_number(r, c, v)
        if sheet.hidden:
            ws.hide()
    wb.close()


def xls_available() -> bool:
    try:
        import xlwt  # noqa: F401
    except ImportError:
        return False
    return True


def write_xls(path: Path, sheets: list[RenderedSheet]) -> None:
    """Legacy BIFF8 workbook (xlwt). Merges are written; dates get a date format."""
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    styles: dict[str, object] = {}
    for sheet in sheets:
        ws = wb.add_sheet(sheet.name, cell_overwrite_ok=True)
        merged_at = {(r1, c1): (r2, c2, v) for r1, c1, r2, c2, v in sheet.merges}
        covered = {
            (r, c)
            for r1, c1, r2, c2, _ in sheet.merges
            for r in range(r1, r2 + 1)
            for c in range(c1, c2 + 1)
        }
        for r, row in enumerate(sheet.rows):
            for c, v in enumerate(row):
                if (r, c) in merged_at:
                    r2, c2, mv = merged_at[(r, c)]
                    ws.write_merge(r, r2, c, c2, _xls_value(mv))
                    continue
                if v is None or (r, c) in covered or v == "":
                    continue
                if isinstance(v, DateCell):
                    st = styles.get(v.fmt)
                    if st is None:
                        st = styles[v.fmt] = xlwt.easyxf(num_format_str=v.fmt)
                    ws.write(r, c, v.value, st)
                else:
                    ws.write(r, c, _xls_value(v))
        if sheet.hidden:
            ws.visibility = 1
    wb.save(str(path))


def _xls_value(v: Cell) -> object:
    if isinstance(v, int):
        return float(v)
    return v
