"""The crash record: which source files have killed an ingest worker, across runs.

A workbook that makes the reader abort, segfault or get OOM-killed would do so on
every run, and the run would never get past it. The run records each such death
here, under the lock, one small JSON file per source file (named by its sha256):

    lake/_crashes/<sha256>.json   {"source_file": ..., "deaths": [{"at", "run_id", "reason"}]}

The second death of the same content rejects the file for good (the ingest commits
it to the manifest as rejected), so the next run does not repeat the crash. Each
record is written under a temporary name, flushed and renamed into place, so a run
killed while writing it leaves either the old record or the new one, never half.
Stdlib only: the run process writes it without importing polars.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path

from lake.atomic import flush
from lake.layout import TMP_PREFIX

CRASHES = "_crashes"


@dataclass(frozen=True)
class Death:
    at: str  # UTC, ISO 8601
    run_id: str
    reason: str  # "killed by signal SIGSEGV", "exited with code 134", ...


def _path(lake: Path, file_sha256: str) -> Path:
    return lake / CRASHES / f"{file_sha256}.json"


def deaths(lake: Path, file_sha256: str) -> list[Death]:
    """Every recorded death of a worker reading this content, oldest first."""
    path = _path(lake, file_sha256)
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, ValueError):
        return []  # an unreadable record counts as none: the file gets another try
    return [Death(**d) for d in record.get("deaths", [])]


def record_death(
    lake: Path, file_sha256: str, source_file: str, run_id: str, reason: str
) -> list[Death]:
    """Add a death to the file's record, crash-safely; returns all its deaths."""
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    known = [*deaths(lake, file_sha256), Death(now, run_id, reason)]
    path = _path(lake, file_sha256)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{TMP_PREFIX}{path.name}.{os.getpid()}")
    record = {"source_file": source_file, "deaths": [d.__dict__ for d in known]}
    tmp.write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")
    flush(tmp)
    os.replace(tmp, path)
    return known
