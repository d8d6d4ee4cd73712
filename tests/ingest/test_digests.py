"""The digest cache: a run need not re-read the inbox, and the cache is never wrong."""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

from ingest.digests import CACHE, Digests


def _old(path: Path, content: bytes) -> Path:
    """A file written a minute ago (past the racy window)."""
    path.write_bytes(content)
    past = time.time() - 60
    os.utime(path, (past, past))
    return path


def _sha(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _age_ctime(seconds: float) -> None:
    """ctime cannot be set: wait for the racy window to pass instead."""
    time.sleep(seconds)


def test_the_cache_answers_for_an_unchanged_file(tmp_path: Path) -> None:
    lake, book = tmp_path / "lake", _old(tmp_path / "a.xlsx", b"one")
    _age_ctime(2.1)
    first = Digests(lake)
    assert first.of(book) == _sha(b"one")
    first.save()
    cache = json.loads((lake / CACHE).read_text())
    (entry,) = cache["files"].values()
    assert entry[0] == 3 and entry[-1] == _sha(b"one")
    # Prove the cache is what answers: a doctored digest under the same stat comes back.
    entry[-1] = "f" * 64
    (lake / CACHE).write_text(json.dumps(cache))
    assert Digests(lake).of(book) == "f" * 64


def test_a_rewrite_with_the_same_size_and_mtime_is_hashed_again(tmp_path: Path) -> None:
    lake, book = tmp_path / "lake", _old(tmp_path / "a.xlsx", b"one")
    _age_ctime(2.1)
    digests = Digests(lake)
    digests.of(book)
    digests.save()
    before = os.stat(book)
    book.write_bytes(b"two")  # same size; the mtime set back as `touch -r` would
    os.utime(book, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert Digests(lake).of(book) == _sha(b"two")


def test_a_file_written_just_now_is_not_cached(tmp_path: Path) -> None:
    lake, book = tmp_path / "lake", tmp_path / "a.xlsx"
    book.write_bytes(b"fresh")
    digests = Digests(lake)
    assert digests.of(book) == _sha(b"fresh")
    digests.save()
    assert not (lake / CACHE).exists()


def test_an_unreadable_cache_counts_as_empty(tmp_path: Path) -> None:
    lake, book = tmp_path / "lake", _old(tmp_path / "a.xlsx", b"one")
    lake.mkdir()
    (lake / CACHE).write_text("{not json")
    assert Digests(lake).of(book) == _sha(b"one")
