"""livelake_daily run whole by Airflow's dag.test() on the small world: the serving
copy ends with `make dev`'s KPIs, the rejected files come back in one data e-mail,
and a failing task sends one failure e-mail with its log's address.

The late e-mail (the deadline) is off here (LIVELAKE_AIRFLOW_DEADLINE_MINUTES=0):
dag.test() crashes after the run when a deadline is set (apache/airflow#73428);
test_deadline.py proves it in a running Airflow instead.
"""

from __future__ import annotations

import html
import os
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

import duckdb
import pytest

from livelake.health import check
from tests.ingest.drive_fake import FakeDrive
from tests.orchestration.conftest import (
    AIRFLOW_PY,
    ALERT_TO,
    BASE_URL,
    DAGS,
    REPO,
    SmtpSink,
    airflow_env,
    body_text,
    drive,
    need,
)

pytestmark = pytest.mark.xdist_group("airflow")  # one worker: tests/conftest.py
LIVELAKE = REPO / ".venv" / "bin" / "livelake"
DAG_TASKS = ("ingest", "build", "publish", "health", "data_alert")


def _dag_test(tmp: Path, database: Path, smtp: SmtpSink, data_dir: Path, **extra: str) -> dict:
    env = airflow_env(tmp / "home", database, smtp.connection)
    env.update(LIVELAKE_DATA_DIR=str(data_dir), LIVELAKE_AIRFLOW_DEADLINE_MINUTES="0", **extra)
    return drive(env, "test", str(DAGS), "livelake_daily")


def _kpis(data_dir: Path) -> tuple[list[tuple], str]:
    """Every row of the serving copy's mart_daily_kpis, and `livelake kpis`' table."""
    with duckdb.connect(str(data_dir / "serving.duckdb"), read_only=True) as con:
        rows = con.execute("select * from marts.mart_daily_kpis order by date").fetchall()
    env = {**os.environ, "LIVELAKE_DATA_DIR": str(data_dir), "LIVELAKE_TARGET": "dev"}
    shown = subprocess.run(
        [str(LIVELAKE), "kpis"], env=env, capture_output=True, text=True, check=True
    ).stdout
    return rows, shown


@pytest.fixture(scope="module")
def daily_run(small_world, migrated_database: Path, tmp_path_factory) -> dict:
    """At the same time, on the small world: dag.test() reading the inbox (the local
    source), dag.test() reading a Google Drive folder holding the same files (the fake
    Drive v3 of tests/ingest/drive_fake.py), and `livelake run` (what `make dev` runs)
    on the inbox; each in its own data directory, each DAG with its own SMTP server.

    Made once, on the one worker the "airflow" group runs on (tests/conftest.py keeps
    a group together); the costliest setup of these tests."""
    need(LIVELAKE, "the pipeline venv: make setup")
    need(AIRFLOW_PY, "Airflow")
    tmp = tmp_path_factory.mktemp("livelake_daily_run")
    world, _ = small_world
    runs = _run_all(world / "inbox", migrated_database, tmp)
    for run in ("local", "drive"):
        runs[run]["data"] = Path(runs[run]["data"])
        runs[run]["messages"] = SmtpSink.read(Path(runs[run]["maildir"]))
    runs["make_dev"] = Path(runs["make_dev"])
    return runs


def _run_all(inbox: Path, migrated_database: Path, tmp: Path) -> dict:
    by_hand = tmp / "make_dev_data"
    by_hand.mkdir()
    (by_hand / "inbox").symlink_to(inbox)
    reference = subprocess.Popen(
        [str(LIVELAKE), "run"],
        env={**os.environ, "LIVELAKE_DATA_DIR": str(by_hand), "LIVELAKE_TARGET": "dev"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    local, drive_run = tmp / "local", tmp / "drive"
    (local / "data").mkdir(parents=True)
    (local / "data" / "inbox").symlink_to(inbox)
    (drive_run / "data").mkdir(parents=True)
    try:
        with FakeDrive() as fake, ThreadPoolExecutor(2) as pool:
            folder = fake.add_folder("back office")
            fake.share(folder, fake.email)
            fake.upload(inbox, folder)
            key = fake.service_account_key(drive_run / "key.json")
            on_drive = {"LIVELAKE_SOURCE": f"gdrive:{folder}", **fake.environment(key)}
            runs = {
                "local": pool.submit(_dag_test_in, local, migrated_database, {}),
                "drive": pool.submit(_dag_test_in, drive_run, migrated_database, on_drive),
            }
            results = {name: future.result() for name, future in runs.items()}
        assert reference.wait(600) == 3  # the small world has bad files on purpose
    finally:
        reference.kill()
    return {**results, "make_dev": str(by_hand), "drive_folder": folder}


def _dag_test_in(root: Path, migrated_database: Path, extra: dict[str, str]) -> dict:
    """dag.test() of livelake_daily with root/data as its data directory."""
    database = root / "airflow.db"
    database.write_bytes(migrated_database.read_bytes())
    smtp = SmtpSink(root)
    try:
        result = _dag_test(root, database, smtp, root / "data", **extra)
        time.sleep(2)  # an extra e-mail would have arrived by now
    finally:
        smtp.stop()
    return {**result, "data": str(root / "data"), "maildir": str(smtp.maildir)}


@pytest.mark.parametrize("source", ["local", "drive"])
def test_dag_test_runs_every_task_and_serves_make_devs_kpis(daily_run: dict, source: str) -> None:
    run = daily_run[source]
    assert run["state"] == "success", run
    tasks = ("extract", *DAG_TASKS) if source == "drive" else DAG_TASKS
    assert run["tasks"] == dict.fromkeys(tasks, "success")
    rows, shown = _kpis(run["data"])
    expected_rows, expected_shown = _kpis(daily_run["make_dev"])
    assert rows == expected_rows
    assert shown == expected_shown
    assert "headline KPIs for 2025-03-14" in shown


def test_the_drive_run_read_its_mirror(daily_run: dict) -> None:
    mirror = daily_run["drive"]["data"] / "inbox" / "gdrive" / daily_run["drive_folder"]
    local = daily_run["make_dev"] / "inbox"
    mirrored = {p.relative_to(mirror).as_posix() for p in mirror.rglob("*.xls*")}
    assert mirrored
    assert mirrored <= {p.relative_to(local).as_posix() for p in local.rglob("*.xls*")}


@pytest.mark.parametrize("source", ["local", "drive"])
def test_rejected_files_arrive_in_one_data_email(daily_run: dict, source: str) -> None:
    serving = daily_run[source]["data"] / "serving.duckdb"
    report = check(serving, since=None, quarantine_threshold=100)  # the DAG's own run
    messages = daily_run[source]["messages"]
    assert len(messages) == 1, [m["subject"] for m in messages]
    (message,) = messages
    assert message["to"] == ALERT_TO
    problems = report.problems
    assert message["subject"] == f"[livelake] livelake_daily: {problems} data problem(s) to fix"
    body = body_text(message)
    with duckdb.connect(str(serving), read_only=True) as con:
        rejected = con.execute(
            "select source_file, source_sheet, reason from marts.mart_data_health_rejections"
        ).fetchall()
    assert len(rejected) == 6
    for file, sheet, reason in rejected:
        line = f"- {file} | sheet: {sheet or '(the whole file)'} | {reason}"
        assert html.escape(line) in body  # inside the e-mail's <pre>, escaped
    assert "bad/export (3).xlsx | sheet: (the whole file) | the file is empty (0 bytes)" in body


def test_a_failed_task_sends_one_email_naming_dag_task_and_log(
    tmp_path: Path, airflow_database: Path, smtp: SmtpSink
) -> None:
    data_dir = tmp_path / "data"  # no inbox: `livelake ingest` exits 1
    data_dir.mkdir()
    result = _dag_test(tmp_path, airflow_database, smtp, data_dir)
    assert result["state"] == "failed"
    assert result["tasks"]["ingest"] == "failed"
    assert {result["tasks"][t] for t in DAG_TASKS[1:]} == {"upstream_failed"}
    time.sleep(2)  # an extra e-mail would have arrived by now
    messages = smtp.messages()
    assert len(messages) == 1, [m["subject"] for m in messages]
    (message,) = messages
    assert message["subject"] == "[livelake] livelake_daily.ingest failed"
    assert message["to"] == ALERT_TO
    body = body_text(message)
    assert "DAG <b>livelake_daily</b>, task <b>ingest</b> failed" in body
    log_url = f"{BASE_URL}/dags/livelake_daily/runs/{quote(result['run_id'])}/tasks/ingest"
    assert f'href="{log_url}?try_number=1"' in body
