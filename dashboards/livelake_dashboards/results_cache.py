"""Superset's results cache, keyed by the serving copy an answer came from.

The second viewer of a chart should not wait for DuckDB, and nobody may see an
answer from a copy `livelake publish` has replaced. Superset's DATA_CACHE_CONFIG
takes any flask-caching backend; this one is a FileSystemCache under the data
directory (shared by every gunicorn worker, files 0600) whose keys carry the
identity of a serving copy (serving_connection.Identity: device, inode, size, mtime):

- `get` looks under the copy the serving path names now, so a publish makes every
  older answer unreachable at once (they age out by the threshold and timeout);
- `set` stores an answer only under the copy its query read: the identity the
  lookup saw must be the one of every connection the query took after it (this
  thread's, serving_connection.copies_read_since). A forced refresh looks nothing up;
  its answer is stored if every connection of its request read the copy the path
  names at the time of storing. A publish landing between the lookup and the query,
  or an answer that did not come from the serving copy at all (another database),
  is simply not stored.

Superset's own cache key (the query, the dataset, its filters) is kept as it is:
the identity only prefixes it.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import duckdb
from flask_caching.backends.filesystemcache import FileSystemCache

from livelake_dashboards.serving_connection import (
    Identity,
    copies_read_since,
    copies_read_this_request,
    identity,
    queries_so_far,
)

SERVING_PATH_KEY = "CACHE_SERVING_PATH"
_PENDING_LIMIT = 256  # lookups that missed and whose query never came back (errors)


class _Pending(threading.local):
    def __init__(self) -> None:
        self.asked: dict[str, tuple[Identity, int]] = {}


class ServingCopyCache(FileSystemCache):
    """A FileSystemCache whose entries belong to one serving copy each."""

    def __init__(self, cache_dir: str, serving: Path, **options: Any) -> None:
        super().__init__(cache_dir, **options)
        self.serving = serving
        self._pending = _Pending()

    @classmethod
    def factory(
        cls, app: object, config: dict[str, Any], args: list[Any], kwargs: dict[str, Any]
    ) -> ServingCopyCache:
        """flask-caching's constructor hook: DATA_CACHE_CONFIG names the serving file."""
        kwargs.update(
            threshold=config["CACHE_THRESHOLD"], ignore_errors=config["CACHE_IGNORE_ERRORS"]
        )
        return cls(config["CACHE_DIR"], Path(config[SERVING_PATH_KEY]), *args, **kwargs)

    def _current(self) -> Identity | None:
        try:
            return identity(self.serving)
        except duckdb.IOException:  # no copy: no cached answer applies
            return None

    @staticmethod
    def _entry(copy: Identity, key: str) -> str:
        return f"{copy}/{key}"

    def _own(self, key: str) -> bool:
        """cachelib's own bookkeeping entry (the file count), which no copy owns."""
        return key == self._fs_count_file

    def get(self, key: str) -> Any:
        if self._own(key):
            return super().get(key)
        copy = self._current()
        if copy is None:
            return None
        value = super().get(self._entry(copy, key))
        if value is None:
            asked = self._pending.asked
            if len(asked) >= _PENDING_LIMIT:
                asked.clear()
            asked[key] = (copy, queries_so_far())
        return value

    def set(
        self, key: str, value: Any, timeout: int | None = None, mgmt_element: bool = False
    ) -> bool:
        if mgmt_element or self._own(key):
            return bool(super().set(key, value, timeout, mgmt_element=mgmt_element))
        asked = self._pending.asked.pop(key, None)
        if asked is None:  # a forced refresh: no lookup came first
            copy = self._current()
            read = copies_read_this_request()
        else:
            copy, mark = asked
            read = copies_read_since(mark)
        if copy is None or not read or any(used != copy for used in read):
            return False
        return bool(super().set(self._entry(copy, key), value, timeout))

    def add(self, key: str, value: Any, timeout: int | None = None) -> bool:
        return self.set(key, value, timeout)

    def has(self, key: str) -> bool:
        copy = self._current()
        return copy is not None and bool(super().has(self._entry(copy, key)))

    def delete(self, key: str, mgmt_element: bool = False) -> bool:
        if mgmt_element or self._own(key):
            return bool(super().delete(key, mgmt_element=mgmt_element))
        copy = self._current()
        return copy is not None and bool(super().delete(self._entry(copy, key)))
