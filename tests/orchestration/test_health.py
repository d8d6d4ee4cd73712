"""`livelake health` on a serving copy whose data-health marts hold known rows: what
it lists, from when, above which threshold, and its exit codes (the DAG's data alert).

The marts are written here with only the columns health reads, as the dbt models
define them (mart_data_health_freshness with freshness_status and
expected_data_date); the whole chain on the small world is test_daily_run.py's."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
from pathlib import Path

import duckdb
import pytest

from livelake.health import check, from_json, parse_since, to_json
from tests.orchestration.conftest import REPO

LIVELAKE = REPO / ".venv" / "bin" / "livelake"
# 10:00 Asia/Taipei on 2026-12-06 is 02:00 UTC: a DAG run started then.
DUE = "2026-12-06T02:00:00+00:00"


def _serving(data_dir: Path, *, judged: bool = True) -> Path:
    path = data_dir / "serving.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute(
            "create table marts.mart_data_health_rejections as select * from (values"
            " ('old/TopUp.xlsx', 'Sheet1', 'yesterday''s', timestamp '2026-12-05 10:01:00'),"
            " ('bad/export (3).xlsx', null, 'the file is empty (0 bytes)',"
            "  timestamp '2026-12-06 10:00:00'),"
            " ('TopUp_補.xlsx', 'Sheet2', 'header at row 5 lacks required column amount',"
            "  timestamp '2026-12-06 10:02:00'))"
            " as t(source_file, source_sheet, reason, ingested_at_taipei)"
        )
        con.execute(
            "create table marts.mart_data_health_files as select * from (values"
            " ('a.xlsx', 101, 500, timestamp '2026-12-06 10:02:00'),"
            " ('b.xlsx', 100, 500, timestamp '2026-12-06 10:02:00'),"
            " ('c.xlsx', 900, 900, timestamp '2026-12-06 09:59:59'))"
            " as t(source_file, rows_quarantined, rows_read, ingested_at_taipei)"
        )
        columns = "domain, latest_data_date" + (
            ", freshness_status, expected_data_date, expected_by_taipei, delivered_at_taipei"
            if judged
            else ""
        )
        con.execute(
            f"create table marts.mart_data_health_freshness as select {columns} from (values"
            " ('top_up', date '2026-12-05', 'fresh', date '2026-12-05',"
            "  timestamp '2026-12-06 10:00', timestamp '2026-12-06 09:12'),"
            " ('user_activity', date '2026-12-05', 'late', date '2026-12-05',"
            "  timestamp '2026-12-06 08:30', timestamp '2026-12-06 09:40'),"
            " ('channel_stats', date '2026-12-04', 'missing', date '2026-12-05',"
            "  timestamp '2026-12-06 08:30', null))"
            " as t(domain, latest_data_date, freshness_status, expected_data_date,"
            "  expected_by_taipei, delivered_at_taipei)"
        )
    return path


def _cli(data_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LIVELAKE), "health", *args],
        env={**os.environ, "LIVELAKE_DATA_DIR": str(data_dir), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_lists_what_the_runs_since_the_due_time_left_to_fix(tmp_path: Path) -> None:
    report = check(_serving(tmp_path), parse_since(DUE), quarantine_threshold=100)
    assert report.since_taipei == "2026-12-06 10:00:00"
    # Yesterday's rejection was yesterday's alert; the one at exactly 10:00 is today's.
    assert [(r.file, r.sheet, r.reason) for r in report.rejected] == [
        ("TopUp_補.xlsx", "Sheet2", "header at row 5 lacks required column amount"),
        ("bad/export (3).xlsx", None, "the file is empty (0 bytes)"),
    ]
    # Above the threshold only, and only files of today's runs.
    assert [(q.file, q.rows_quarantined) for q in report.quarantined] == [("a.xlsx", 101)]
    assert [(s.domain, s.status, s.latest_data_date) for s in report.stale] == [
        ("channel_stats", "missing", "2026-12-04"),
        ("user_activity", "late", "2026-12-05"),
    ]
    assert report.problems == 5
    assert report.exit_code == 3
    assert from_json(to_json(report)) == report


def test_the_cli_prints_one_line_per_item_and_exits_3(tmp_path: Path) -> None:
    _serving(tmp_path)
    done = _cli(tmp_path, "--since", DUE, LIVELAKE_HEALTH_MAX_QUARANTINED_ROWS="99")
    assert done.returncode == 3, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "6 problem(s) in the runs since 2026-12-06 10:00:00 (Asia/Taipei)"
    assert "- bad/export (3).xlsx | sheet: (the whole file) | the file is empty (0 bytes)" in lines
    assert "- a.xlsx | 101 of 500 rows quarantined" in lines
    assert "- b.xlsx | 100 of 500 rows quarantined" in lines
    assert (
        "- user_activity: late, data of 2026-12-05 arrived 2026-12-06 09:40:00,"
        " due 2026-12-06 08:30:00"
    ) in lines
    assert (
        "- channel_stats: missing, no data of 2026-12-05 (due 2026-12-06 08:30:00);"
        " newest data 2026-12-04"
    ) in lines
    as_json = _cli(tmp_path, "--json", "--since", DUE)
    assert as_json.returncode == 3
    (line,) = as_json.stdout.splitlines()  # one line: the DAG reads the last one
    assert json.loads(line)["problems"] == 5


def test_healthy_exits_0_and_bad_input_exits_2_or_1(tmp_path: Path) -> None:
    _serving(tmp_path)
    tomorrow = (dt.date(2026, 12, 7)).isoformat()
    # Nothing rejected or quarantined since tomorrow; the stale domains still count.
    later = _cli(tmp_path, "--json", "--since", tomorrow)
    assert later.returncode == 3
    assert json.loads(later.stdout)["rejected"] == []
    assert _cli(tmp_path, "--since", "yesterday").returncode == 2
    assert _cli(tmp_path, LIVELAKE_HEALTH_MAX_QUARANTINED_ROWS="many").returncode == 2
    assert _cli(tmp_path / "nowhere").returncode == 1
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    _serving(fresh, judged=False)
    healthy = _cli(fresh, "--since", tomorrow)
    assert healthy.returncode == 0, healthy.stdout
    assert healthy.stdout.startswith("healthy: nothing to fix in the runs since 2026-12-07")


def test_a_serving_copy_without_the_freshness_judgement_is_not_an_error(tmp_path: Path) -> None:
    _serving(tmp_path, judged=False)
    report = check(tmp_path / "serving.duckdb", parse_since("2026-12-07"), 100)
    assert report.problems == 0
    assert report.exit_code == 0
    assert report.notes == [
        "freshness not judged: the serving copy predates freshness_status (rebuild)"
    ]


@pytest.mark.parametrize(
    ("text", "utc"),
    [
        ("2026-12-06", "2026-12-06T00:00:00+00:00"),
        ("2026-12-06T10:00:00+08:00", "2026-12-06T02:00:00+00:00"),
        ("2026-12-06 02:00:00", "2026-12-06T02:00:00+00:00"),
    ],
)
def test_since_is_utc_unless_it_says_otherwise(text: str, utc: str) -> None:
    assert parse_since(text).astimezone(dt.UTC).isoformat() == utc
