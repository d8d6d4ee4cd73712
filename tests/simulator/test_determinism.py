"""Same seed and scale -> byte-identical files, identical mtimes and truth, any worker count."""

from __future__ import annotations

import hashlib

import polars as pl
import pytest

from simulator.generate import generate


def _snapshot(inbox):
    out = {}
    for p in sorted(inbox.rglob("*")):
        if p.is_file():
            out[p.relative_to(inbox).as_posix()] = (
                hashlib.sha256(p.read_bytes()).hexdigest(),
                int(p.stat().st_mtime),
            )
    return out


def test_same_seed_same_bytes(small, tmp_path):
    inbox, truth, _ = small
    generate(tmp_path / "inbox", tmp_path / "truth", scale="small", seed=42, workers=1)
    assert _snapshot(tmp_path / "inbox") == _snapshot(inbox)
    for p in sorted((truth).rglob("*.parquet")):
        other = tmp_path / "truth" / p.relative_to(truth)
        assert pl.read_parquet(p).equals(pl.read_parquet(other)), p.name
    files = pl.read_parquet(truth / "expected" / "_files.parquet")
    snap = _snapshot(inbox)
    assert dict(zip(files["source_file"], files["sha256"], strict=True)) == {
        k: v[0] for k, v in snap.items()
    }


def test_other_seed_other_world(small, tmp_path):
    inbox, _, _ = small
    generate(tmp_path / "inbox", tmp_path / "truth", scale="small", seed=7, workers=1)
    a, b = _snapshot(inbox), _snapshot(tmp_path / "inbox")
    common = set(a) & set(b)
    assert sum(a[k][0] != b[k][0] for k in common) > 0.9 * len(common)


def test_regenerate_replaces_previous_output(tmp_path):
    generate(tmp_path / "inbox", tmp_path / "truth", scale="small", seed=1, workers=1)
    first = _snapshot(tmp_path / "inbox")
    generate(tmp_path / "inbox", tmp_path / "truth", scale="small", seed=1, workers=1)
    assert _snapshot(tmp_path / "inbox") == first
    (tmp_path / "stranger").mkdir()
    (tmp_path / "stranger" / "keep.txt").write_text("not ours")
    with pytest.raises(FileExistsError):
        generate(tmp_path / "stranger", tmp_path / "truth2", scale="small", seed=1, workers=1)
    assert (tmp_path / "stranger" / "keep.txt").exists()
