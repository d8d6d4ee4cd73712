"""A local drop folder (and its sub-folders) as a source."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

from ingest.sources.base import SourceFile, is_workbook_name


class LocalFolderSource:
    def __init__(self, root: Path) -> None:
        if not root.is_dir():
            raise FileNotFoundError(f"inbox {root} does not exist or is not a folder")
        self.root = root

    def _walk(self) -> list[Path]:
        return sorted(
            (p for p in self.root.rglob("*") if p.is_file()),
            key=lambda p: p.relative_to(self.root).as_posix(),
        )

    def files(self) -> Iterator[SourceFile]:
        for path in self._walk():
            if not is_workbook_name(path.name):
                continue
            stat = path.stat()
            yield SourceFile(
                source_file=path.relative_to(self.root).as_posix(),
                path=path,
                size_bytes=stat.st_size,
                mtime=dt.datetime.fromtimestamp(stat.st_mtime, dt.UTC),
            )

    def ignored(self) -> list[str]:
        return [
            p.relative_to(self.root).as_posix()
            for p in self._walk()
            if not is_workbook_name(p.name) and not p.name.startswith(".")
        ]
