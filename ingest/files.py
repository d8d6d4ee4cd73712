"""Ingest a batch of workbooks: every sheet to lake parts, quarantine and rejections.

This is the unit of work a worker process runs. It writes the batch's parts (one
per table and day, plus one manifest, quarantine and rejected part) under temporary
names, flushed, and hands them back with a `FileResult` per file; the run process
places them and commits them with the run (lake.runs). A batch that fails or whose
worker dies hands nothing back: its temporaries are swept, its files contribute no
rows.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from polars.io.partition import FileProviderArgs, PartitionBy

from ingest.cellinfo import UnreadablePartError, WorkbookCells, patch_grid
from ingest.contracts import DOMAINS_BY_TABLE, LINEAGE, Domain, Kind, lake_schema
from ingest.headers import SCAN_ROWS, Header, exported_at_texts, find_header, parse_exported_at
from ingest.jobs import FileJob, FileResult, SheetOutcome
from ingest.normalise import SHEET, Normalised, normalise, raw_json, sheet_rows
from ingest.readers.workbook import UnreadableWorkbookError, Workbook
from ingest.text import fold
from ingest.values import POLARS_TYPES
from lake.layout import MANIFEST, QUARANTINE, REJECTED
from lake.manifest import MANIFEST_SCHEMA
from lake.runs import PendingPart, temporary_part

SUMMARY_SHEETS = {"summary", "摘要", "說明", "说明", "notes", "readme"}

LINEAGE_SCHEMA: dict[str, pl.DataType] = {name: POLARS_TYPES[t] for name, t in LINEAGE}

QUARANTINE_COLUMNS = [
    "source_file",
    "source_sheet",
    "source_row",
    "file_sha256",
    "table",
    "column",
    "reason",
    "errors",  # JSON list of {column, reason, raw}
    "raw",  # JSON object {header label: cell text}
    "exported_at",
    "ingested_at",
    "run_id",
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
    "run_id": pl.Int64(),
}


@dataclass
class _Sheet:
    """A data sheet read and checked, waiting to be typed with the rest of its batch."""

    key: int  # unique within the batch, in reading order
    name: str
    header: Header
    grid: pl.DataFrame
    stamps: list[str]  # the title block's `Exported at` texts
    outcome: SheetOutcome
    extras_note: str | None
    exported_at: dt.datetime | None = None  # from the first of `stamps` that parses


@dataclass
class _Read:
    """One workbook read: its result so far, its rejections and its data sheets."""

    job: FileJob
    result: FileResult
    rejected: list[dict[str, object]]
    sheets: list[_Sheet]


Outcomes = list[FileResult | Exception]


def ingest_files(jobs: list[FileJob]) -> tuple[Outcomes, list[PendingPart]]:
    """Ingest a batch of workbooks: one result (or the error that stopped it) per job,
    and the parts written for the files that have a result, not yet placed.

    The sheets of the whole batch are typed together, one query per domain. If the
    batch fails, its parts are dropped and each workbook is retried alone, so an
    unexpected error fails only the file that caused it.
    """
    parts = Parts(jobs[0])
    try:
        results = _write_parts(jobs, parts)
        parts.entries(MANIFEST, [manifest_entry(j, r) for j, r in zip(jobs, results, strict=True)])
        return list(results), parts.written()
    except Exception as exc:
        parts.discard()
        if len(jobs) == 1:
            return [exc], []
    outcomes: Outcomes = []
    written: list[PendingPart] = []
    for job in jobs:
        one, its_parts = ingest_files([job])
        outcomes.extend(one)
        written.extend(its_parts)
    return outcomes, written


class Parts:
    """The temporaries a batch writes: all handed to the run, or all dropped."""

    def __init__(self, job: FileJob) -> None:
        self._lake, self._run_id = job.lake, job.run_id
        self._pending: list[PendingPart] = []

    def write(self, table: str, day: dt.date | None, frame: pl.DataFrame) -> None:
        path = temporary_part(self._lake, self._run_id, table, day)
        day_text = None if day is None else day.isoformat()
        self._pending.append(PendingPart(table, day_text, path, frame.height))
        # lz4, not zstd: a batch writes a part per table and day (hundreds of small
        # parts), and zstd cost about 0.6 s more CPU on the medium world for 30% smaller
        # files; min/max statistics stay, DuckDB prunes row groups by them.
        frame.write_parquet(path, compression="lz4", statistics=True)

    def write_days(self, table: str, frame: pl.DataFrame, day: str) -> None:
        """One part per value of column `day` (a date), without that column, in one
        partitioned sink: polars' fixed cost per written file (about 1 ms, most of a
        small part's) is paid once per table, not once per day (0.25 CPU s less on the
        medium world's 556 parts)."""
        counts = frame.group_by(day, maintain_order=True).len()
        if counts.height <= 1:
            for (value,), part in frame.partition_by(day, as_dict=True, include_key=False).items():
                self.write(table, value, part)
            return
        rows = dict(counts.iter_rows())
        placed: dict[dt.date, Path] = {}

        def path_of(args: FileProviderArgs) -> Path:
            value = args.partition_keys.item()
            if args.index_in_partition or value in placed:  # one file per day, always
                raise RuntimeError(f"a second file for {table} {value}")
            placed[value] = temporary_part(self._lake, self._run_id, table, value)
            self._pending.append(PendingPart(table, value.isoformat(), placed[value], rows[value]))
            return placed[value]

        target = PartitionBy(
            "",
            file_path_provider=path_of,
            key=day,
            include_key=False,
            approximate_bytes_per_file=None,
        )
        frame.write_parquet(target, compression="lz4", statistics=True)
        if placed.keys() != rows.keys():
            raise RuntimeError(f"the parts of {table} are not one per day")

    def entries(self, kind: str, rows: list[dict[str, object]]) -> None:
        """A manifest or rejected part of dict rows (MANIFEST_SCHEMA or REJECTED_SCHEMA)."""
        if rows:
            schema = MANIFEST_SCHEMA if kind == MANIFEST else REJECTED_SCHEMA
            self.write(kind, None, pl.DataFrame(rows, schema=schema))

    def written(self) -> list[PendingPart]:
        """The parts, for the run process to place (it flushes them, lake.runs)."""
        pending, self._pending = self._pending, []
        return pending

    def discard(self) -> None:
        pending, self._pending = self._pending, []
        for part in pending:
            part.temporary.unlink(missing_ok=True)


def manifest_entry(job: FileJob, result: FileResult) -> dict[str, object]:
    """The manifest row of a file: every MANIFEST_SCHEMA column (ingest.unreadable uses it too)."""
    return {
        "file_sha256": job.sha256,
        "source_file": job.source_file,
        "size_bytes": job.size_bytes,
        "status": result.status,
        "exported_at": result.exported_at,
        "exported_at_from": result.exported_at_from,
        "rows_read": result.rows_read,
        "rows_loaded": result.rows_loaded,
        "rows_quarantined": result.rows_quarantined,
        "rows_rejected": result.rows_rejected,
        "rows_duplicate": result.rows_duplicate,
        "rows_footer_skipped": result.rows_footer_skipped,
        "footer_rows": json.dumps(result.footer_rows, ensure_ascii=False),
        "quarantined_by_reason": json.dumps(result.quarantined_by_reason),
        "tables": json.dumps(result.tables, sort_keys=True),
        "extra_columns": json.dumps(result.extra_columns, ensure_ascii=False),
        "messages": json.dumps(result.messages, ensure_ascii=False),
        "run_id": job.run_id,
        "ingested_at": job.ingested_at,
    }


def _write_parts(jobs: list[FileJob], parts: Parts) -> list[FileResult]:
    """Read, type and write the data, quarantine and rejected parts of a batch."""
    keys = itertools.count()
    reads = [_read(job, keys) for job in jobs]
    _date_exports(reads)
    sheets = [sheet for read in reads for sheet in read.sheets]
    lineage = _lineage(reads)
    by_domain: dict[str, list[_Sheet]] = {}
    for sheet in sheets:
        by_domain.setdefault(sheet.header.domain.table, []).append(sheet)
    bad: list[pl.DataFrame] = []
    for table, group in by_domain.items():
        domain = DOMAINS_BY_TABLE[table]
        out = normalise(domain, [sheet_rows(s.grid, s.header, s.key) for s in group])
        _count(group, out)
        _write_table(parts, reads, domain, out.rows, lineage)
        if out.bad.height:
            bad.append(_quarantined(domain, out.bad, group))
    if bad:
        _write_quarantine(parts, pl.concat(bad, how="vertical"), lineage)
    for read in reads:
        for sheet in read.sheets:
            read.result.tables.setdefault(sheet.header.domain.table, 0)
    parts.entries(REJECTED, [row for read in reads for row in read.rejected])
    return [read.result for read in reads]


def _read(job: FileJob, keys: Iterator[int]) -> _Read:
    """Open a workbook, find each sheet's header and reject what cannot be loaded."""
    result = FileResult(
        source_file=job.source_file,
        sha256=job.sha256,
        size_bytes=job.size_bytes,
        status="loaded",
        exported_at=job.mtime,
        exported_at_from="mtime",
    )
    read = _Read(job, result, [], [])
    rejected = read.rejected
    try:
        workbook = Workbook(job.path)
    except UnreadableWorkbookError as exc:
        result.status = "rejected"
        result.messages.append(f"{job.source_file}: rejected: {exc}")
        rejected.append(rejection_row(job, None, None, None, str(exc), None))
        return read

    try:
        _read_sheets(read, workbook, keys, _LazyCells(workbook))
    finally:
        workbook.close()
    return read


class _LazyCells:
    """A workbook's cell information (ingest.cellinfo), opened on first need only."""

    def __init__(self, workbook: Workbook) -> None:
        self._workbook = workbook
        self._cells: WorkbookCells | None = None
        self._opened = False

    def patch(self, grid: pl.DataFrame, header: Header, sheet: str) -> pl.DataFrame:
        if not self._opened:
            workbook = self._workbook
            self._cells, self._opened = WorkbookCells.open(workbook.archive, workbook.parts), True
        if self._cells is None:
            return grid
        timestamps = any(c.kind is Kind.TIMESTAMP for c in header.domain.columns)
        found = self._cells.sheet(sheet, data_start=header.data_start, timestamps=timestamps)
        return patch_grid(grid, header, found)


def _read_sheets(read: _Read, workbook: Workbook, keys: Iterator[int], cells: _LazyCells) -> None:
    """Each sheet of an opened workbook: skipped, rejected or waiting to be typed."""
    job, result, rejected = read.job, read.result, read.rejected
    for sheet in workbook.sheets:
        if fold(sheet.name) in SUMMARY_SHEETS:
            result.sheets.append(SheetOutcome(sheet.name, "skipped", note="summary sheet"))
            continue
        try:
            opened = workbook.load(sheet)
        except UnreadableWorkbookError as exc:
            result.sheets.append(SheetOutcome(sheet.name, "rejected", note=str(exc)))
            result.messages.append(f"{job.source_file} [{sheet.name}]: rejected: {exc}")
            rejected.append(rejection_row(job, sheet.name, None, None, str(exc), None))
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
        if header.duplicates:
            column, first, second = header.duplicates[0]
            reason = (
                f"headers {first!r} and {second!r} both name column {column}: rename or "
                "remove one (the ingest never picks one silently)"
            )
            table = header.domain.table
            _reject_sheet(
                job, result, rejected, sheet.name, table, column, reason, grid, header.data_start
            )
            continue
        try:
            grid = cells.patch(grid, header, sheet.name)
        except UnreadablePartError as exc:
            table = header.domain.table
            _reject_sheet(
                job, result, rejected, sheet.name, table, None, str(exc), grid, header.data_start
            )
            continue
        outcome = SheetOutcome(sheet.name, "loaded", table=header.domain.table)
        extras_note = None
        if header.extras:
            kept = [header.labels[i] or "" for i in sorted(header.extras)]
            extras_note = "unknown columns kept aside: " + ", ".join(kept)
            result.extra_columns.extend(k for k in kept if k not in result.extra_columns)
        stamps = exported_at_texts(header.title)
        read.sheets.append(
            _Sheet(next(keys), sheet.name, header, grid, stamps, outcome, extras_note)
        )
        result.sheets.append(outcome)

    if not read.sheets:
        result.status = "rejected"
        if not rejected:
            reason = "no data sheet: every sheet is hidden, a summary or empty"
            result.messages.append(f"{job.source_file}: rejected: {reason}")
            rejected.append(rejection_row(job, None, None, None, reason, 0))
    elif rejected:
        result.status = "partial"


def _date_exports(reads: list[_Read]) -> None:
    """When each sheet and file was exported, parsing the batch's title stamps at once.

    A sheet without its own `Exported at` line takes the workbook's, else the mtime.
    A line that is there but cannot be read rejects the whole file, naming the text:
    falling back to the mtime could let a correction lose to the export it corrects.
    """
    sheets = [sheet for read in reads for sheet in read.sheets]
    parsed = iter(parse_exported_at([text for sheet in sheets for text in sheet.stamps]))
    unreadable: dict[int, tuple[str, str]] = {}
    for sheet in sheets:
        stamps = [next(parsed) for _ in sheet.stamps]
        for text, stamp in zip(sheet.stamps, stamps, strict=True):
            if stamp is None:
                unreadable.setdefault(sheet.key, (sheet.name, text))
        sheet.exported_at = next((s for s in stamps if s is not None), None)
    for read in reads:
        bad = [unreadable[s.key] for s in read.sheets if s.key in unreadable]
        if bad:
            _reject_unreadable_export(read, *bad[0])
    for read in reads:
        file_exported = next((s.exported_at for s in read.sheets if s.exported_at), None)
        if file_exported is not None:
            read.result.exported_at, read.result.exported_at_from = file_exported, "title"


def _reject_unreadable_export(read: _Read, sheet: str, text: str) -> None:
    """Reject a file whose `Exported at` line cannot be read: none of its sheets load."""
    job, result = read.job, read.result
    reason = (
        f"the title block's export time {text!r} (sheet {sheet!r}) cannot be read as a date "
        "and time; fix it or remove the line (the file's mtime is used only when there is "
        "no such line)"
    )
    for data_sheet in read.sheets:
        outcome = data_sheet.outcome
        outcome.status = "rejected"
        outcome.rows_rejected = _non_blank_rows(data_sheet.grid.slice(data_sheet.header.data_start))
        outcome.note = reason
    read.sheets = []
    result.status = "rejected"
    result.messages.append(f"{job.source_file}: rejected: {reason}")
    read.rejected.append(rejection_row(job, sheet, None, None, reason, result.rows_rejected))


def _lineage(reads: list[_Read]) -> pl.DataFrame:
    """One row per data sheet of the batch: its key, its file's index and its lineage."""
    rows = [
        {
            SHEET: sheet.key,
            "_file": index,
            "source_file": read.job.source_file,
            "source_sheet": sheet.name,
            "file_sha256": read.job.sha256,
            "exported_at": sheet.exported_at or read.result.exported_at,
            "ingested_at": read.job.ingested_at,
            "run_id": read.job.run_id,
        }
        for index, read in enumerate(reads)
        for sheet in read.sheets
    ]
    schema = {
        SHEET: pl.UInt32(),
        "_file": pl.UInt32(),
        **{k: v for k, v in LINEAGE_SCHEMA.items() if k not in ("source_row", "extra_columns")},
    }
    return pl.DataFrame(rows, schema=schema, orient="row" if not rows else None)


def _count(sheets: list[_Sheet], out: Normalised) -> None:
    """Each sheet's ledger (ingest.jobs.SheetOutcome) and its notes."""
    loaded = dict(out.rows[SHEET].value_counts().iter_rows())
    reasons: dict[int, dict[str, int]] = {}
    for key, reason, n in out.bad.group_by(SHEET, "reason").len().sort("reason").iter_rows():
        reasons.setdefault(key, {})[reason] = n
    for sheet in sheets:
        outcome = sheet.outcome
        outcome.rows_loaded = loaded.get(sheet.key, 0)
        outcome.quarantined_by_reason = reasons.get(sheet.key, {})
        outcome.rows_quarantined = sum(outcome.quarantined_by_reason.values())
        outcome.rows_duplicate = out.duplicates.get(sheet.key, 0)
        outcome.rows_read = outcome.rows_loaded + outcome.rows_quarantined + outcome.rows_duplicate
        outcome.footer_rows = out.footers.get(sheet.key, [])
        outcome.rows_footer_skipped = len(outcome.footer_rows)
        outcome.note = sheet.extras_note


def lake_columns(domain: Domain) -> list[str]:
    """Column order of a lake table: the contract, then lineage (ingest.contracts)."""
    return list(lake_schema(domain.table))


def _write_table(
    parts: Parts, reads: list[_Read], domain: Domain, rows: pl.DataFrame, lineage: pl.DataFrame
) -> None:
    """One part per day, rows in (file, sheet, Excel row) order (sheets as read)."""
    partition = pl.col(domain.partition_by)
    if rows.schema[domain.partition_by] != pl.Date:
        partition = partition.dt.date()
    rows = (
        rows.lazy()
        .join(lineage.lazy(), on=SHEET, how="left")
        .with_columns(partition.alias("_dt"))
        .sort("_dt", SHEET, "source_row")  # sheet keys follow the files' order
        .select("_file", "_dt", *lake_columns(domain))
        .collect()
    )
    for file, count in rows.group_by("_file").len().iter_rows():
        reads[file].result.tables[domain.table] = count
    parts.write_days(domain.table, rows.drop("_file"), "_dt")


def _quarantined(domain: Domain, bad: pl.DataFrame, sheets: list[_Sheet]) -> pl.DataFrame:
    """The bad rows of a domain with their table and their raw cells as JSON."""
    raws = []
    for sheet in sheets:
        rows = bad.filter(pl.col(SHEET) == sheet.key)["source_row"].to_list()
        if rows:
            raws.append(
                pl.DataFrame(
                    {
                        SHEET: [sheet.key] * len(rows),
                        "source_row": rows,
                        "raw": raw_json(sheet.grid, sheet.header, rows),
                    },
                    schema={SHEET: pl.UInt32(), "source_row": pl.Int64(), "raw": pl.String()},
                )
            )
    return bad.join(pl.concat(raws), on=[SHEET, "source_row"], how="left").with_columns(
        pl.lit(domain.table).alias("table")
    )


def _write_quarantine(parts: Parts, bad: pl.DataFrame, lineage: pl.DataFrame) -> None:
    rows = bad.join(lineage, on=SHEET, how="left").sort(SHEET, "source_row")
    parts.write(QUARANTINE, None, rows.select(QUARANTINE_COLUMNS))


def rejection_row(
    job: FileJob,
    sheet: str | None,
    table: str | None,
    column: str | None,
    reason: str,
    rows: int | None,
) -> dict[str, object]:
    """A `_rejected` row (REJECTED_SCHEMA): a whole file when `sheet` is None."""
    return {
        "source_file": job.source_file,
        "source_sheet": sheet,
        "file_sha256": job.sha256,
        "table": table,
        "column": column,
        "reason": reason,
        "rows": rows,
        "ingested_at": job.ingested_at,
        "run_id": job.run_id,
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
    rejected.append(rejection_row(job, sheet, table, column, reason, rows))


def _non_blank_rows(grid: pl.DataFrame) -> int:
    if grid.width == 0 or grid.height == 0:
        return 0
    # The reader turns cells of spaces into nulls: a blank row is all nulls.
    return grid.select(pl.any_horizontal(pl.all().is_not_null()).sum()).item()
