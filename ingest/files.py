"""Ingest one workbook: every sheet to lake parts, quarantine and rejections.

This is the unit of work a worker process runs. It writes the file's parts itself
(atomically, named by the file's sha256) and returns a `FileResult`; the run
commits the file to the manifest only after this returns, so a crash in here is
repaired by simply running again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from pathlib import Path

import polars as pl

from ingest.contracts import DOMAINS_BY_TABLE, Domain
from ingest.headers import SCAN_ROWS, Header, exported_at_from_title, find_header
from ingest.normalise import QUARANTINE_SCHEMA, NormalisedSheet, normalise
from ingest.readers.workbook import UnreadableWorkbookError, Workbook
from ingest.text import fold
from lake.atomic import write_parquet_atomic
from lake.layout import QUARANTINE, REJECTED, part_name, partition_dir, side_path

SUMMARY_SHEETS = {"summary", "摘要", "說明", "说明", "notes", "readme"}

LINEAGE_SCHEMA: dict[str, pl.DataType] = {
    "source_file": pl.String(),
    "source_sheet": pl.String(),
    "source_row": pl.Int64(),
    "file_sha256": pl.String(),
    "exported_at": pl.Datetime("us", "UTC"),
    "ingested_at": pl.Datetime("us", "UTC"),
    "extra_columns": pl.String(),
}

QUARANTINE_COLUMNS = [
    "source_file",
    "source_sheet",
    "source_row",
    "file_sha256",
    *(c for c in QUARANTINE_SCHEMA if c != "source_row"),
    "exported_at",
    "ingested_at",
]

REJECTED_SCHEMA: dict[str, pl.DataType] = {
    "source_file": pl.String(),
    "source_sheet": pl.String(),
    "file_sha256": pl.String(),
    "table": pl.String(),
    "column": pl.String(),
    "reason": pl.String(),
    "rows": pl.Int64(),
    "ingested_at": pl.Datetime("us", "UTC"),
}


@dataclass(frozen=True)
class FileJob:
    path: Path
    source_file: str  # relative to the source root, posix
    sha256: str
    size_bytes: int
    mtime: dt.datetime  # UTC
    lake: Path
    ingested_at: dt.datetime
    run_id: str


@dataclass
class SheetOutcome:
    sheet: str
    status: str  # loaded | skipped | rejected
    table: str | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rows_rejected: int = 0
    note: str | None = None


@dataclass
class FileResult:
    source_file: str
    sha256: str
    size_bytes: int
    status: str  # loaded | partial | rejected
    exported_at: dt.datetime
    exported_at_from: str  # title | mtime
    sheets: list[SheetOutcome] = field(default_factory=list)
    tables: dict[str, int] = field(default_factory=dict)
    extra_columns: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)

    @property
    def rows_read(self) -> int:
        return sum(s.rows_read for s in self.sheets)

    @property
    def rows_loaded(self) -> int:
        return sum(s.rows_loaded for s in self.sheets)

    @property
    def rows_quarantined(self) -> int:
        return sum(s.rows_quarantined for s in self.sheets)

    @property
    def rows_rejected(self) -> int:
        return sum(s.rows_rejected for s in self.sheets)

    def to_dict(self) -> dict[str, object]:
        out = asdict(self)
        out["exported_at"] = self.exported_at.isoformat()
        out.update(
            rows_read=self.rows_read,
            rows_loaded=self.rows_loaded,
            rows_quarantined=self.rows_quarantined,
            rows_rejected=self.rows_rejected,
        )
        return out


@dataclass
class _Loaded:
    sheet: str
    header: Header
    result: NormalisedSheet
    exported_at: dt.datetime | None


def ingest_file(job: FileJob) -> FileResult:
    result = FileResult(
        source_file=job.source_file,
        sha256=job.sha256,
        size_bytes=job.size_bytes,
        status="loaded",
        exported_at=job.mtime,
        exported_at_from="mtime",
    )
    rejected: list[dict[str, object]] = []
    try:
        workbook = Workbook(job.path)
    except UnreadableWorkbookError as exc:
        message = f"{job.source_file}: rejected: {exc}"
        result.status = "rejected"
        result.messages.append(message)
        rejected.append(_rejection(job, None, None, None, str(exc), None))
        _write_side(job, REJECTED, rejected, REJECTED_SCHEMA)
        return result

    loaded: list[_Loaded] = []
    for sheet in workbook.sheets:
        if fold(sheet.name) in SUMMARY_SHEETS:
            result.sheets.append(SheetOutcome(sheet.name, "skipped", note="summary sheet"))
            continue
        try:
            opened = workbook.load(sheet)
        except UnreadableWorkbookError as exc:
            result.sheets.append(SheetOutcome(sheet.name, "rejected", note=str(exc)))
            result.messages.append(f"{job.source_file} [{sheet.name}]: rejected: {exc}")
            rejected.append(_rejection(job, sheet.name, None, None, str(exc), None))
            continue
        if not opened.visible:
            result.sheets.append(SheetOutcome(sheet.name, "skipped", note="hidden sheet"))
            continue
        grid = opened.grid
        if grid.height == 0 or grid.width == 0:
            result.sheets.append(SheetOutcome(sheet.name, "skipped", note="empty sheet"))
            continue
        header = find_header([list(r) for r in grid.head(SCAN_ROWS).rows()])
        if header is None and _non_blank_rows(grid) == 0:
            result.sheets.append(SheetOutcome(sheet.name, "skipped", note="empty sheet"))
            continue
        if header is None:
            reason = (
                f"no header row in the first {SCAN_ROWS} rows names a known report "
                "(looked for order_id+topup_at, net_revenue, gross_revenue, watch_minutes, "
                "live_minutes or unique_viewers under any of their headers)"
            )
            _reject_sheet(job, result, rejected, sheet.name, None, None, reason, grid, 0)
            continue
        missing = header.missing_required
        if missing:
            domain = header.domain
            tried = "; ".join(
                f"{name}: " + ", ".join(domain.column(name).aliases + (name,)) for name in missing
            )
            reason = (
                f"header at row {header.first_row + 1} ({domain.table}) lacks required "
                f"column{'s' if len(missing) > 1 else ''} {', '.join(missing)} (tried {tried})"
            )
            _reject_sheet(
                job,
                result,
                rejected,
                sheet.name,
                domain.table,
                missing[0],
                reason,
                grid,
                header.data_start,
            )
            continue
        normalised = normalise(grid, header)
        loaded.append(_Loaded(sheet.name, header, normalised, exported_at_from_title(header.title)))
        outcome = SheetOutcome(
            sheet.name,
            "loaded",
            table=header.domain.table,
            rows_read=normalised.rows_read,
            rows_loaded=normalised.rows.height,
            rows_quarantined=normalised.quarantine.height,
        )
        notes = []
        if header.extras:
            kept = [header.labels[i] or "" for i in sorted(header.extras)]
            notes.append("unknown columns kept aside: " + ", ".join(kept))
            result.extra_columns.extend(k for k in kept if k not in result.extra_columns)
        if normalised.footer_rows:
            notes.append(f"{normalised.footer_rows} footer rows skipped")
        outcome.note = "; ".join(notes) or None
        result.sheets.append(outcome)

    if not loaded:
        result.status = "rejected"
        if not rejected:
            reason = "no data sheet: every sheet is hidden, a summary or empty"
            result.messages.append(f"{job.source_file}: rejected: {reason}")
            rejected.append(_rejection(job, None, None, None, reason, 0))
    elif rejected:
        result.status = "partial"

    # A sheet without its own `Exported at` line takes the workbook's, else the mtime.
    file_exported = next((s.exported_at for s in loaded if s.exported_at), None)
    if file_exported is not None:
        result.exported_at, result.exported_at_from = file_exported, "title"

    by_table: dict[str, list[pl.DataFrame]] = {}
    quarantine: list[pl.DataFrame] = []
    for sheet in loaded:
        exported = sheet.exported_at or result.exported_at
        lineage = [
            pl.lit(job.source_file).alias("source_file"),
            pl.lit(sheet.sheet).alias("source_sheet"),
            pl.lit(job.sha256).alias("file_sha256"),
            pl.lit(exported, pl.Datetime("us", "UTC")).alias("exported_at"),
            pl.lit(job.ingested_at, pl.Datetime("us", "UTC")).alias("ingested_at"),
        ]
        by_table.setdefault(sheet.header.domain.table, []).append(
            sheet.result.rows.with_columns(lineage)
        )
        if sheet.result.quarantine.height:
            quarantine.append(sheet.result.quarantine.with_columns(lineage))

    for table, frames in by_table.items():
        rows = pl.concat(frames, how="vertical")
        result.tables[table] = rows.height
        _write_table(job, DOMAINS_BY_TABLE[table], rows)
    if quarantine:
        _write_side(job, QUARANTINE, pl.concat(quarantine, how="vertical"), None)
    if rejected:
        _write_side(job, REJECTED, rejected, REJECTED_SCHEMA)
    return result


def lake_columns(domain: Domain) -> list[str]:
    """Column order of a lake table: the contract, then lineage."""
    return [*domain.column_names, *LINEAGE_SCHEMA]


def _write_table(job: FileJob, domain: Domain, rows: pl.DataFrame) -> None:
    partition = pl.col(domain.partition_by)
    if rows.schema[domain.partition_by] != pl.Date:
        partition = partition.dt.date()
    rows = rows.select(lake_columns(domain)).with_columns(partition.alias("_dt"))
    for (day,), part in rows.partition_by("_dt", as_dict=True, maintain_order=True).items():
        target = partition_dir(job.lake, domain.table, day) / part_name(job.sha256)
        write_parquet_atomic(part.drop("_dt").sort("source_sheet", "source_row"), target)


def _write_side(
    job: FileJob,
    kind: str,
    rows: pl.DataFrame | list[dict[str, object]],
    schema: dict[str, pl.DataType] | None,
) -> None:
    frame = rows if isinstance(rows, pl.DataFrame) else pl.DataFrame(rows, schema=schema)
    if kind == QUARANTINE:
        frame = frame.select(QUARANTINE_COLUMNS)
    write_parquet_atomic(frame, side_path(job.lake, kind, job.sha256))


def _rejection(
    job: FileJob,
    sheet: str | None,
    table: str | None,
    column: str | None,
    reason: str,
    rows: int | None,
) -> dict[str, object]:
    return {
        "source_file": job.source_file,
        "source_sheet": sheet,
        "file_sha256": job.sha256,
        "table": table,
        "column": column,
        "reason": reason,
        "rows": rows,
        "ingested_at": job.ingested_at,
    }


def _reject_sheet(
    job: FileJob,
    result: FileResult,
    rejected: list[dict[str, object]],
    sheet: str,
    table: str | None,
    column: str | None,
    reason: str,
    grid: pl.DataFrame,
    data_start: int,
) -> None:
    rows = _non_blank_rows(grid.slice(data_start))
    result.sheets.append(
        SheetOutcome(sheet, "rejected", table=table, rows_rejected=rows, note=reason)
    )
    where = f" column {column}" if column else ""
    result.messages.append(f"{job.source_file} [sheet {sheet!r}]{where}: rejected: {reason}")
    rejected.append(_rejection(job, sheet, table, column, reason, rows))


def _non_blank_rows(grid: pl.DataFrame) -> int:
    if grid.width == 0 or grid.height == 0:
        return 0
    # The reader turns cells of spaces into nulls: a blank row is all nulls.
    return grid.select(pl.any_horizontal(pl.all().is_not_null()).sum()).item()
