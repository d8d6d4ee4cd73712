"""The manifest: one row per source file a run committed, with its ledger.

A source file is ingested once a committed run lists it (lake.runs); its manifest
row is in one of that run's `_manifest` parts. A run that dies before its commit
record leaves nothing listed, so the next run processes the file again.
"""

from __future__ import annotations

import polars as pl

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
    "run_id": pl.Int64(),
    "ingested_at": pl.Datetime("us", "UTC"),
    # Added by the hostile-input contract (columns are only ever added, never renamed):
    "rows_duplicate": pl.Int64(),  # exact repeats of an earlier row of the same sheet
    "rows_footer_skipped": pl.Int64(),  # footer rows under the data, not in rows_read
    "footer_rows": pl.String(),  # JSON: {sheet: [Excel rows of its footer]}
    "quarantined_by_reason": pl.String(),  # JSON: {reason: rows}
}
