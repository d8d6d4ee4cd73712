"""The source interface: where workbooks come from, and which files are not data.

A source lists files and makes each available as a local path; the local folder
does that trivially, the Google Drive source downloads into a cache first. The run
never needs to know which one it has.

Every file a source sees is either handed to the run (a supported format, or a
`.zip` archive, which the reader rejects with a message to extract it) or listed as
ignored with its reason (`ignored_reason`): an Excel owner file, a hidden file, a
partial download, any other format. Nothing disappears silently.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Protocol

# What the readers read (calamine: xlsx, xlsm, xlsb, xls, ods; ingest.readers.csv).
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods", ".csv")
# Handed to the reader, which rejects them with a message (committed, so once only).
ARCHIVE_SUFFIXES = (".zip",)
# Browsers' and sync clients' names for a download still being written.
PARTIAL_SUFFIXES = (".crdownload", ".part", ".partial", ".download", ".tmp")
# The state file that marks a folder as a Drive folder's mirror (ingest.sources.gdrive).
MIRROR_STATE = ".livelake-drive.json"


@dataclass(frozen=True)
class SourceFile:
    source_file: str  # stable name within the source, posix, valid UTF-8, used in lineage
    path: Path  # a local copy to read
    size_bytes: int
    mtime: dt.datetime  # UTC; the export time when the workbook does not say


class Source(Protocol):
    def files(self) -> Iterator[SourceFile]:
        """Every workbook of the source, in a stable order (sorted by source_file)."""
        ...

    def ignored(self) -> list[dict[str, str]]:
        """Files seen that are not read, `{"file": name, "reason": why}`, so nothing
        disappears silently."""
        ...


def ignored_reason(name: str) -> str | None:
    """Why a file of this name is not read; None for a file the run reads."""
    lower = name.lower()
    if name.startswith("~$"):
        return "Excel owner file (Excel writes it while the workbook is open; not data)"
    if name.startswith("."):
        return "hidden file"
    if lower.endswith(PARTIAL_SUFFIXES):
        return "partial download or temporary file (it is read once complete, under its own name)"
    if lower.endswith(WORKBOOK_SUFFIXES + ARCHIVE_SUFFIXES):
        return None
    suffix = PurePath(lower).suffix
    kind = f"{suffix} files" if suffix else "a file without an extension"
    return f"not a supported format ({kind}); the ingest reads {' '.join(WORKBOOK_SUFFIXES)}"


def display_name(relative: PurePath) -> str:
    """A path's name in lineage and summaries: always valid UTF-8, deterministic.

    Linux hands undecodable name bytes to Python as surrogate escapes. Each part of the
    path is decoded from its raw bytes as UTF-8, else as cp950 (Big5: the names in an
    archive made on a Taiwanese Windows), else as UTF-8 with each bad byte written
    `\\xNN`. So a Big5 name reads as its Chinese text, and no name can break a report.
    """
    return "/".join(_decode_name(os.fsencode(part)) for part in relative.parts)


def _decode_name(raw: bytes) -> str:
    for encoding in ("utf-8", "cp950"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", errors="backslashreplace")
