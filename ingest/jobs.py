"""A worker's unit of work and what it reports back, shared by the run and the workers.

Free of polars: the run process only lists, hashes and reports, and starts faster
without it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class FileJob:
    path: Path
    source_file: str  # relative to the source root, posix
    sha256: str
    size_bytes: int
    mtime: dt.datetime  # UTC
    lake: Path
    ingested_at: dt.datetime
    run_id: int  # the run that reads it (lake.runs)


@dataclass
class SheetOutcome:
    """One sheet's ledger: rows_read = rows_loaded + rows_quarantined + rows_duplicate.

    Footer rows (the trailing block under the data that lacks a required column) are
    not data and not in rows_read; they are counted and named by Excel row apart.
    A rejected sheet's rows are rows_rejected, also outside rows_read.
    """

    sheet: str
    status: str  # loaded | skipped | rejected
    table: str | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rows_duplicate: int = 0  # exact repeats of an earlier row of the sheet, loaded once
    rows_rejected: int = 0
    rows_footer_skipped: int = 0
    footer_rows: list[int] = field(default_factory=list)  # their Excel rows
    quarantined_by_reason: dict[str, int] = field(default_factory=dict)
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

    @property
    def rows_duplicate(self) -> int:
        return sum(s.rows_duplicate for s in self.sheets)

    @property
    def rows_footer_skipped(self) -> int:
        return sum(s.rows_footer_skipped for s in self.sheets)

    @property
    def quarantined_by_reason(self) -> dict[str, int]:
        totals: dict[str, int] = {}
        for sheet in self.sheets:
            for reason, n in sheet.quarantined_by_reason.items():
                totals[reason] = totals.get(reason, 0) + n
        return dict(sorted(totals.items()))

    @property
    def footer_rows(self) -> dict[str, list[int]]:
        """Excel rows of each sheet's footer, for sheets that have one."""
        return {s.sheet: s.footer_rows for s in self.sheets if s.footer_rows}

    def to_dict(self) -> dict[str, object]:
        out = asdict(self)
        out["exported_at"] = self.exported_at.isoformat()
        out.update(
            rows_read=self.rows_read,
            rows_loaded=self.rows_loaded,
            rows_quarantined=self.rows_quarantined,
            rows_duplicate=self.rows_duplicate,
            rows_rejected=self.rows_rejected,
            rows_footer_skipped=self.rows_footer_skipped,
            quarantined_by_reason=self.quarantined_by_reason,
            footer_rows=self.footer_rows,
        )
        return out
