"""The ledger every hostile-input test holds its inbox to.

Per file and per sheet: rows read = loaded + quarantined + duplicate (exact repeats);
footer rows and rejected rows are counted apart, outside rows read. The lake holds
exactly the loaded rows and the quarantine exactly the quarantined ones. A second run
over the same inbox changes no byte of the lake.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import polars as pl

from ingest.run import RunReport
from tests.conftest import ingest, side_table


def lake_snapshot(data_dir: Path) -> dict[str, str]:
    """Every file of the lake and its sha256."""
    lake = data_dir / "lake"
    return {
        str(p.relative_to(lake)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(lake.rglob("*"))
        if p.is_file() and not p.name.startswith(".")
    }


def _lake_rows(data_dir: Path, source_file: str) -> int:
    parts = [
        p for p in (data_dir / "lake").glob("*/dt=*/*.parquet") if not p.parts[-3].startswith("_")
    ]
    return sum(
        pl.read_parquet(p).filter(pl.col("source_file") == source_file).height for p in parts
    )


def assert_ledger(data_dir: Path, report: RunReport) -> None:
    """The ledger holds for every file of the run, against the lake itself."""
    quarantine = side_table(data_dir, "_quarantine")
    for file in report.files:
        if file.result is None:
            continue
        result = file.result
        for sheet in result.sheets:
            assert sheet.rows_read == (
                sheet.rows_loaded + sheet.rows_quarantined + sheet.rows_duplicate
            ), sheet
            assert sheet.rows_footer_skipped == len(sheet.footer_rows), sheet
            assert sum(sheet.quarantined_by_reason.values()) == sheet.rows_quarantined, sheet
        assert result.rows_read == (
            result.rows_loaded + result.rows_quarantined + result.rows_duplicate
        )
        assert _lake_rows(data_dir, file.source_file) == result.rows_loaded, file.source_file
        in_quarantine = (
            quarantine.filter(pl.col("source_file") == file.source_file).height
            if quarantine.height
            else 0
        )
        assert in_quarantine == result.rows_quarantined, file.source_file


def ingest_checked(data_dir: Path) -> RunReport:
    """Ingest the inbox, check the ledger, run again and check that nothing changed."""
    report = ingest(data_dir)
    assert_ledger(data_dir, report)
    before = lake_snapshot(data_dir)
    again = ingest(data_dir)
    assert {f.status for f in again.files} <= {"already_ingested", "duplicate"}, again.files
    assert lake_snapshot(data_dir) == before
    return report


def quarantined(data_dir: Path) -> dict[int, tuple[str, str]]:
    """Excel row -> (column, reason) of the quarantine."""
    q = side_table(data_dir, "_quarantine")
    return {r["source_row"]: (r["column"], r["reason"]) for r in q.iter_rows(named=True)}
