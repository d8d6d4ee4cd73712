"""The source interface: where workbooks come from.

A source lists files and makes each available as a local path; the local folder
does that trivially, the Google Drive source downloads into a cache first. The run
never needs to know which one it has.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls")  # what calamine reads


@dataclass(frozen=True)
class SourceFile:
    source_file: str  # stable name within the source, posix, used in lineage
    path: Path  # a local copy to read
    size_bytes: int
    mtime: dt.datetime  # UTC; the export time when the workbook does not say


class Source(Protocol):
    def files(self) -> Iterator[SourceFile]:
        """Every workbook of the source, in a stable order (sorted by source_file)."""
        ...

    def ignored(self) -> list[str]:
        """Files seen that are not workbooks, reported so nothing disappears silently."""
        ...


def is_workbook_name(name: str) -> bool:
    return name.lower().endswith(WORKBOOK_SUFFIXES) and not name.startswith(("~$", "."))
