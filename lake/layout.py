"""The lake's folder layout: one place that names every path the lake writes.

    lake/<table>/dt=YYYY-MM-DD/part-<sha256>.parquet   data, hive-partitioned
    lake/_quarantine/part-<sha256>.parquet             rows that broke the contract
    lake/_rejected/part-<sha256>.parquet               files and sheets that could not be read
    lake/_manifest/part-<sha256>.parquet               one per committed source file

A part is named after the sha256 of the workbook it came from, so writing the same
workbook again replaces its own parts and can never add a second copy.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

QUARANTINE = "_quarantine"
REJECTED = "_rejected"
MANIFEST = "_manifest"
TMP_PREFIX = ".tmp-"


def part_name(file_sha256: str) -> str:
    return f"part-{file_sha256}.parquet"


def partition_dir(lake: Path, table: str, day: dt.date) -> Path:
    return lake / table / f"dt={day.isoformat()}"


def side_path(lake: Path, kind: str, file_sha256: str) -> Path:
    """Path of a quarantine, rejected or manifest part of one source file."""
    return lake / kind / part_name(file_sha256)


def committed(lake: Path) -> set[str]:
    """sha256 of every source file whose ingest has been committed (lake.manifest):
    read from the manifest's part names alone, so the run needs no parquet reader."""
    folder = lake / MANIFEST
    if not folder.exists():
        return set()
    return {
        p.name.removeprefix("part-").removesuffix(".parquet") for p in folder.glob("part-*.parquet")
    }
