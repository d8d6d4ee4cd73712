"""Commit a file the reader could not finish as rejected, without reading it again.

A file that killed its worker twice, or that kept the reader past the per-file time
limit, would do the same on every run; committing it to the manifest as rejected
(with a `_rejected` part naming why) makes the next run skip it like any other
committed file, so it never blocks the lake. Dropping a fixed export (new content,
new sha256) ingests that one normally.

Called by the run process in these rare cases only, so polars is imported here, not
by the run's normal path.
"""

from __future__ import annotations

from dataclasses import dataclass

from ingest.jobs import FileJob, FileResult


@dataclass(frozen=True)
class Unreadable:
    job: FileJob
    reason: str  # why the file is rejected, for the manifest and the summary


def commit_rejected(items: list[Unreadable]) -> list[FileResult]:
    """Write a `_rejected` part and a manifest entry per file; their results."""
    import polars as pl

    from ingest.files import REJECTED_SCHEMA, manifest_entry, rejection_row
    from lake import manifest
    from lake.atomic import Staged
    from lake.layout import REJECTED, side_path

    results = []
    staged = Staged()
    try:
        for item in items:
            job = item.job
            result = FileResult(
                source_file=job.source_file,
                sha256=job.sha256,
                size_bytes=job.size_bytes,
                status="rejected",
                exported_at=job.mtime,
                exported_at_from="mtime",
                messages=[f"{job.source_file}: rejected: {item.reason}"],
            )
            results.append(result)
            row = rejection_row(job, None, None, None, item.reason, None)
            frame = pl.DataFrame([row], schema=REJECTED_SCHEMA)
            staged.write_parquet(frame, side_path(job.lake, REJECTED, job.sha256))
        staged.commit()
    finally:
        staged.discard()
    if items:
        manifest.commit(
            items[0].job.lake,
            [manifest_entry(i.job, r) for i, r in zip(items, results, strict=True)],
        )
    return results
