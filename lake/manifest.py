"""The manifest: which source files the lake holds, committed one file at a time.

A source file counts as ingested only once its manifest part exists; that part is
written last, after every data, quarantine and rejected part of the file. A run that
dies earlier leaves no manifest part, so the next run processes the file again and
its deterministic part names replace whatever the dead run had written.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from lake.atomic import Staged
from lake.layout import MANIFEST, side_path

MANIFEST_SCHEMA: dict[str, pl.DataType] = {
    "file_sha256": pl.String(),
    "source_file": pl.String(),
    "size_bytes": pl.Int64(),
    "status": pl.String(),  # loaded | partial | rejected
    "exported_at": pl.Datetime("us", "UTC"),
    "exported_at_from": pl.String(),  # title | mtime
    "rows_read": pl.Int64(),
    "rows_loaded": pl.Int64(),
    "rows_quarantined": pl.Int64(),
    "rows_rejected": pl.Int64(),
    "tables": pl.String(),  # JSON: {table: rows loaded}
    "extra_columns": pl.String(),  # JSON list of headers kept aside
    "messages": pl.String(),  # JSON list of human-readable notes
    "run_id": pl.String(),
    "ingested_at": pl.Datetime("us", "UTC"),
    # Added by the hostile-input contract (columns are only ever added, never renamed):
    "rows_duplicate": pl.Int64(),  # exact repeats of an earlier row of the same sheet
    "rows_footer_skipped": pl.Int64(),  # footer rows under the data, not in rows_read
    "footer_rows": pl.String(),  # JSON: {sheet: [Excel rows of its footer]}
    "quarantined_by_reason": pl.String(),  # JSON: {reason: rows}
}


def commit(lake: Path, entries: list[dict[str, object]]) -> None:
    """Commit source files, one manifest part each, flushed together."""
    staged = Staged()
    try:
        for entry in entries:
            frame = pl.DataFrame([entry], schema=MANIFEST_SCHEMA)
            staged.write_parquet(frame, side_path(lake, MANIFEST, str(entry["file_sha256"])))
        staged.commit()
    finally:
        staged.discard()
