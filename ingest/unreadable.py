"""Commit a file the reader could not finish as rejected, without reading it again.

A file that killed its worker twice, or that kept the reader past the per-file time
limit, would do the same on every run; committing it with the run as rejected (a
manifest row, and a `_rejected` row naming why) makes the next run skip it like any
other committed file, so it never blocks the lake. Dropping a fixed export (new content,
new sha256) ingests that one normally.

Called by the run process in these rare cases only, so polars is imported here, not
by the run's normal path.
"""

from __future__ import annotations

from dataclasses import dataclass

from ingest.jobs import FileJob, FileResult
from lake.runs import PendingPart


@dataclass(frozen=True)
class Unreadable:
    job: FileJob
    reason: str  # why the file is rejected, for the manifest and the summary


def reject(items: list[Unreadable]) -> tuple[list[FileResult], list[PendingPart]]:
    """A rejected result per file, and its `_rejected` and `_manifest` parts, for the
    run to place and commit."""
    from ingest.files import Parts, manifest_entry, rejection_row
    from lake.layout import MANIFEST, REJECTED

    if not items:
        return [], []
    results = [
        FileResult(
            source_file=item.job.source_file,
            sha256=item.job.sha256,
            size_bytes=item.job.size_bytes,
            status="rejected",
            exported_at=item.job.mtime,
            exported_at_from="mtime",
            messages=[f"{item.job.source_file}: rejected: {item.reason}"],
        )
        for item in items
    ]
    parts = Parts(items[0].job)
    try:
        parts.entries(
            REJECTED, [rejection_row(i.job, None, None, None, i.reason, None) for i in items]
        )
        parts.entries(
            MANIFEST, [manifest_entry(i.job, r) for i, r in zip(items, results, strict=True)]
        )
        return results, parts.written()
    except BaseException:
        parts.discard()
        raise
