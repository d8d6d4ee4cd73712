"""Runs as the unit of commit (docs/lake.md): ids, records, the sweep, earlier layouts."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from lake.runs import (
    EarlierLayoutError,
    committed_files,
    committed_runs,
    open_run,
    run_path,
)

DAY = dt.date(2026, 3, 1)


def _write(run, table: str, day: dt.date | None, rows: int) -> str:
    path = run.new_part(table, day)
    pl.DataFrame({"x": list(range(rows)), "run_id": [run.run_id] * rows}).write_parquet(path)
    return run.add_part(table, day, path, rows).path


def test_a_run_commits_its_parts_and_files_in_one_record(tmp_path: Path) -> None:
    with open_run(tmp_path) as run:
        data = _write(run, "top_up", DAY, 3)
        manifest = _write(run, "_manifest", None, 1)
        run.add_file("ab" * 32, "2026-03/top_up_0301.xlsx", "loaded")
        assert committed_runs(tmp_path) == []  # placed, not yet committed
    assert data == "top_up/dt=2026-03-01/part-000000000001-0.parquet"
    assert manifest == "_manifest/part-000000000001-1.parquet"
    record = json.loads(run_path(tmp_path, 1).read_text(encoding="utf-8"))
    assert record["format"] == 1 and record["run_id"] == 1
    assert record["files"] == [
        {"file_sha256": "ab" * 32, "source_file": "2026-03/top_up_0301.xlsx", "status": "loaded"}
    ]
    assert record["parts"] == [
        {"table": "top_up", "dt": "2026-03-01", "path": data, "rows": 3},
        {"table": "_manifest", "dt": None, "path": manifest, "rows": 1},
    ]
    started = dt.datetime.fromisoformat(record["started_at"])
    assert started <= dt.datetime.fromisoformat(record["committed_at"])
    assert started.utcoffset() == dt.timedelta(0)
    assert committed_files(tmp_path) == {"ab" * 32}


def test_run_ids_increase_and_a_failed_run_burns_its_id(tmp_path: Path) -> None:
    with open_run(tmp_path) as run:
        _write(run, "top_up", DAY, 1)
    with pytest.raises(RuntimeError, match="boom"), open_run(tmp_path) as failed:
        _write(failed, "top_up", DAY, 1)
        raise RuntimeError("boom")
    with open_run(tmp_path):
        pass  # nothing to commit: no record, but the id is spent
    with open_run(tmp_path) as last:
        _write(last, "channel_stats", DAY, 2)
    assert (failed.run_id, last.run_id) == (2, 4)
    assert [r.run_id for r in committed_runs(tmp_path)] == [1, 4]
    # The failed run's part went with it.
    parts = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.parquet"))
    assert parts == [
        "channel_stats/dt=2026-03-01/part-000000000004-0.parquet",
        "top_up/dt=2026-03-01/part-000000000001-0.parquet",
    ]


def test_a_killed_writer_leaves_nothing_committed_and_the_next_run_sweeps(
    tmp_path: Path,
) -> None:
    """A real process, killed by SIGKILL after placing a part and leaving a temporary."""
    script = (
        "import os, sys, pathlib, polars as pl\n"
        "from lake.runs import open_run\n"
        "with open_run(pathlib.Path(sys.argv[1])) as run:\n"
        "    path = run.new_part('top_up', '2026-03-01')\n"
        "    pl.DataFrame({'x': [1]}).write_parquet(path)\n"
        "    run.add_part('top_up', '2026-03-01', path, 1)\n"
        "    run.new_part('user_activity', '2026-03-01').write_bytes(b'half')\n"
        "    os.kill(os.getpid(), 9)\n"
    )
    proc = subprocess.run([sys.executable, "-c", script, str(tmp_path)], check=False)
    assert proc.returncode == -9
    assert committed_runs(tmp_path) == []
    left = sorted(p.name for p in tmp_path.rglob("*") if p.is_file())
    assert "part-000000000001-0.parquet" in left and any(n.startswith(".tmp-") for n in left)
    with open_run(tmp_path) as run:
        assert run.swept == 2
    assert run.run_id == 2
    assert not [
        p for p in tmp_path.rglob("*") if p.is_file() and p.name.startswith(("part", ".tmp"))
    ]


def test_an_earlier_layout_is_refused_with_how_to_start_over(tmp_path: Path) -> None:
    old = tmp_path / "top_up" / "dt=2026-03-01" / f"part-{'cd' * 32}.parquet"
    old.parent.mkdir(parents=True)
    pl.DataFrame({"x": [1]}).write_parquet(old)
    with pytest.raises(EarlierLayoutError, match="make clean && make dev"), open_run(tmp_path):
        pass
    assert old.exists() and not (tmp_path / "_runs").exists()


def test_the_counter_is_never_behind_the_records(tmp_path: Path) -> None:
    with open_run(tmp_path) as run:
        _write(run, "top_up", DAY, 1)
    os.unlink(tmp_path / "_runs" / ".last-run-id")  # lost bookkeeping
    with open_run(tmp_path) as run:
        assert run.run_id == 2
