"""One file job: render a planned workbook, write it, hash it, report its lineage.

Jobs are independent so ``generate`` can run them in worker processes; a job
returns only what the truth needs (sha256s, the rows each data sheet holds
with their Excel row numbers, junk rows, rejected sheets), never the bytes.
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from simulator import badfiles
from simulator.layouts import RenderedSheet, render_sheet
from simulator.plan import FilePlan, SheetPlan
from simulator.workbooks import set_mtime, write_xls, write_xlsx


@dataclass
class FileResult:
    path: str
    sha256: str
    copies: list[tuple[str, str]] = field(default_factory=list)  # (path, sha256)
    rows: dict[str, list[pl.DataFrame]] = field(default_factory=dict)  # table -> frames
    quarantine: list[dict] = field(default_factory=list)
    rejected_sheets: list[dict] = field(default_factory=list)
    rejected_rows: int = 0
    footer_rows: dict[str, list[int]] = field(default_factory=dict)  # sheet -> Excel rows


def sha256_of(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def render(fp: FilePlan, sp: SheetPlan) -> RenderedSheet:
    if sp.role == "no_header" or sp.table is None or sp.frame is None:
        return RenderedSheet(name=sp.name, rows=sp.raw_rows or [])
    style = sp.style or fp.style
    return render_sheet(
        sp.name,
        sp.table,
        sp.frame,
        style,
        exported_at=fp.exported_at,
        report_date=sp.report_date,
        period=fp.period,
        junk=sp.junk,
        drop=sp.drop,
        hidden=sp.role == "hidden",
    )


def run_file_job(inbox: str, fp: FilePlan) -> FileResult:
    root = Path(inbox)
    target = root / fp.path
    target.parent.mkdir(parents=True, exist_ok=True)
    rendered = [render(fp, sp) for sp in fp.sheets]
    if fp.bad is not None:
        badfiles.write_bad(target, fp.bad, fp.sheets[0].frame, rendered)
    elif fp.fmt == "xls":
        write_xls(target, rendered)
    else:
        write_xlsx(target, rendered)
    set_mtime(target, fp.mtime)
    res = FileResult(path=fp.path, sha256=sha256_of(target))
    for cpath, cmtime in fp.copies:
        ct = root / cpath
        ct.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(target, ct)
        set_mtime(ct, cmtime)
        res.copies.append((cpath, sha256_of(ct)))
    if fp.bad is not None:
        res.rejected_sheets.append(
            {"sheet": None, "reason": "empty" if fp.bad == "empty" else "unreadable"}
        )
        return res
    for sp, rs in zip(fp.sheets, rendered, strict=True):
        if sp.role == "no_header":
            res.rejected_sheets.append({"sheet": sp.name, "reason": "no_header"})
            # With no header nothing tells data from title: every non-blank row counts.
            res.rejected_rows += sum(
                any(v is not None and str(v).strip() for v in row) for row in sp.raw_rows or []
            )
        elif sp.role == "missing_column":
            res.rejected_sheets.append(
                {"sheet": sp.name, "reason": "missing_column", "column": sp.drop[0]}
            )
            res.rejected_rows += len(rs.data_rows)
        elif sp.role == "data":
            assert sp.frame is not None and sp.table is not None
            res.rows.setdefault(sp.table, []).append(
                sp.frame.with_columns(
                    pl.lit(sp.name).alias("source_sheet"),
                    pl.Series("source_row", rs.data_rows, dtype=pl.Int64),
                )
            )
            if footer := _footer_rows(rs):
                res.footer_rows[sp.name] = footer
            for row_no, jk in rs.junk_rows:
                res.quarantine.append(
                    {
                        "source_sheet": sp.name,
                        "source_row": row_no,
                        "table": sp.table,
                        "column": jk.column,
                        "reason": jk.reason,
                    }
                )
    return res


def _footer_rows(rs: RenderedSheet) -> list[int]:
    """The Excel rows the ingest must skip as the footer: every non-blank row after
    the sheet's last data or junk row (a total line, notes)."""
    last = max([*rs.data_rows, *(row for row, _ in rs.junk_rows)], default=0)
    return [
        i + 1
        for i, row in enumerate(rs.rows)
        if i + 1 > last and any(v is not None and str(v).strip() for v in row)
    ]


def run_file_job_star(args: tuple[str, FilePlan]) -> FileResult:
    return run_file_job(*args)
