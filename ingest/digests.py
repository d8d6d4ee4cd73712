"""The sha256 of source files, cached so a run does not re-read the whole inbox.

A file is named by its content's sha256 (a file dropped twice is one file). Hashing
every workbook on every run reads the whole inbox again; the cache remembers each
file's digest under what `stat` says of it: path, size, mtime_ns, ctime_ns and
inode. Any write to a file changes its ctime (which no program can set back), so a
changed file never matches its old entry. Two guards keep the cache from ever
being wrong:

- a file whose mtime or ctime is within `RACY_S` of the run is hashed but not
  cached (a write in the same clock tick as the stat would leave them unchanged);
- a file whose `stat` changed while it was hashed is not cached.

The cache lives in the lake, `lake/.digests.json` (bookkeeping like `.lock`, not a
part), written under the lake's lock at the end of a run: temporary name, flush,
rename. It keeps only the files the run saw. An unreadable cache counts as empty.
Stdlib only: the run process uses it.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

from lake.atomic import flush
from lake.layout import TMP_PREFIX

CACHE = ".digests.json"
FORMAT = 1
RACY_S = 2.0

_Key = tuple[int, int, int, int]  # size, mtime_ns, ctime_ns, inode


def sha256_of(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _key(info: os.stat_result) -> _Key:
    return (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)


class Digests:
    """The digests of one run's source files; `save` writes the ones it saw."""

    def __init__(self, lake: Path) -> None:
        self._path = lake / CACHE
        self._known: dict[str, tuple[_Key, str]] = {}
        self._seen: dict[str, tuple[_Key, str]] = {}
        try:
            raw = json.loads(self._path.read_text(encoding="utf-8"))
            if raw.get("format") == FORMAT:
                for name, (size, mtime, ctime, ino, sha) in raw["files"].items():
                    self._known[name] = ((size, mtime, ctime, ino), sha)
        except (OSError, ValueError, KeyError, TypeError):
            self._known = {}

    def of(self, path: Path) -> str:
        """The sha256 of the file's content, from the cache when its stat matches."""
        name = os.path.abspath(path)
        before = os.stat(path)
        key = _key(before)
        known = self._known.get(name)
        if known is not None and known[0] == key:
            self._seen[name] = known
            return known[1]
        sha = sha256_of(path)
        recent = time.time_ns() - int(RACY_S * 1e9)
        if max(before.st_mtime_ns, before.st_ctime_ns) < recent and _key(os.stat(path)) == key:
            self._seen[name] = (key, sha)
        return sha

    def save(self) -> None:
        """Write the cache (under the lock), if it changed."""
        if self._seen == self._known:
            return
        record = {
            "format": FORMAT,
            "files": {name: [*key, sha] for name, (key, sha) in sorted(self._seen.items())},
        }
        self._path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self._path.with_name(f"{TMP_PREFIX}{CACHE}.{os.getpid()}")
        tmp.write_text(json.dumps(record), encoding="ascii")  # names may hold surrogates
        flush(tmp)
        os.replace(tmp, self._path)
