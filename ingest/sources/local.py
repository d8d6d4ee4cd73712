"""A local drop folder (and its sub-folders) as a source.

The folder is walked once per run. Sub-folders are read, except hidden ones. A
symlink is followed only to a regular file: one to a folder is not followed (no
loops, no reading outside the inbox tree by surprise), and a dangling or looping
one is listed as ignored with its reason, like any file that is not read. The mirror
of a Drive folder (`inbox/gdrive/<id>/`, ingest.sources.gdrive) is not read here: it
is that source's, with the Drive paths as lineage.
"""

from __future__ import annotations

import datetime as dt
import errno
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ingest.sources.base import MIRROR_STATE, SourceFile, display_name, ignored_reason


@dataclass
class _Listing:
    files: list[SourceFile] = field(default_factory=list)
    ignored: list[dict[str, str]] = field(default_factory=list)


class LocalFolderSource:
    def __init__(self, root: Path) -> None:
        if not root.is_dir():
            raise FileNotFoundError(f"inbox {root} does not exist or is not a folder")
        self.root = root
        self._listing: _Listing | None = None

    def files(self) -> Iterator[SourceFile]:
        yield from self._list().files

    def ignored(self) -> list[dict[str, str]]:
        return list(self._list().ignored)

    def _list(self) -> _Listing:
        if self._listing is None:
            listing = _Listing()
            self._walk(self.root, PurePosixPath(), listing)
            listing.files.sort(key=lambda f: f.source_file)
            listing.ignored.sort(key=lambda i: i["file"])
            self._listing = listing
        return self._listing

    def _walk(self, folder: Path, relative: PurePosixPath, listing: _Listing) -> None:
        try:
            entries = list(os.scandir(folder))
        except OSError as exc:
            name = display_name(relative) if relative.parts else "."
            listing.ignored.append({"file": name, "reason": f"folder not readable: {exc.strerror}"})
            return
        for entry in entries:
            rel = relative / entry.name
            name = display_name(rel)
            path = Path(entry.path)
            if entry.is_dir(follow_symlinks=False):
                if entry.name.startswith("."):
                    listing.ignored.append({"file": name + "/", "reason": "hidden folder"})
                elif (path / MIRROR_STATE).is_file():
                    reason = "the mirror of a Google Drive folder: read it with --source gdrive:ID"
                    listing.ignored.append({"file": name + "/", "reason": reason})
                else:
                    self._walk(path, rel, listing)
                continue
            info, problem = _regular_file(entry)
            reason = problem or ignored_reason(entry.name)
            if reason is None and info is not None and not os.access(path, os.R_OK):
                reason = "not readable (permission denied)"
            if reason is not None or info is None:
                listing.ignored.append({"file": name, "reason": reason or "not a regular file"})
                continue
            listing.files.append(
                SourceFile(
                    source_file=name,
                    path=path,
                    size_bytes=info.st_size,
                    mtime=dt.datetime.fromtimestamp(info.st_mtime, dt.UTC),
                )
            )


def _regular_file(entry: os.DirEntry[str]) -> tuple[os.stat_result | None, str | None]:
    """The entry's stat if it is (or links to) a regular file, else why it is not read."""
    link = entry.is_symlink()
    try:
        info = os.stat(entry.path)  # follows a symlink to its target
    except FileNotFoundError:
        return None, "broken symlink (its target does not exist)"
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return None, "symlink loop (it never reaches a file)"
        return None, f"not readable: {exc.strerror}"
    if stat.S_ISREG(info.st_mode):
        return info, None
    if link and stat.S_ISDIR(info.st_mode):
        return None, "symlink to a folder (not followed)"
    what = "symlink to something" if link else "something"
    return None, f"{what} that is not a regular file (a pipe, socket or device)"
