"""The DAG as Airflow loads it: no import error, the schedule, the tasks each setting
gives, and what each exit code of the CLI does to a task."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.orchestration.conftest import DAGS, SmtpSink, airflow_env, drive


@pytest.fixture
def env(tmp_path: Path, smtp: SmtpSink) -> dict[str, str]:
    return airflow_env(tmp_path / "home", tmp_path / "unused.db", smtp)


def test_the_dagbag_imports_and_the_next_run_is_10_taipei(env: dict[str, str]) -> None:
    before = drive(env, "dagbag", str(DAGS), "2026-12-06T01:30:00+00:00")
    assert before["import_errors"] == {}
    assert before["dag_ids"] == ["livelake_daily"]
    # 10:00 Asia/Taipei (UTC+8, no DST) is 02:00 UTC, the same day.
    assert before["next_run"]["livelake_daily"] == "2026-12-06T02:00:00+00:00"
    # Due exactly at 02:00: the next one is tomorrow's.
    at = drive(env, "dagbag", str(DAGS), "2026-12-06T02:00:00+00:00")
    assert at["next_run"]["livelake_daily"] == "2026-12-07T02:00:00+00:00"
    tasks = ["ingest", "build", "publish", "health", "data_alert"]
    assert before["tasks"]["livelake_daily"] == tasks
    assert before["deadlines"]["livelake_daily"] == 1
    commands = before["commands"]["livelake_daily"]
    cli = env["LIVELAKE_VENV"] + "/bin/livelake"
    assert commands["ingest"] == f"{cli} ingest"
    assert commands["build"] == f"{cli} build --target dev"  # no --wait: busy is exit 4
    assert commands["health"] == (
        f"{cli} health --json --since '{{{{ dag_run.start_date.isoformat() }}}}'"
    )


def test_drive_and_prod_add_their_tasks_and_the_test_setting_drops_the_deadline(
    env: dict[str, str],
) -> None:
    env.update(
        LIVELAKE_SOURCE="gdrive:1AbCdEf",
        LIVELAKE_TARGET="prod",
        LIVELAKE_AIRFLOW_DEADLINE_MINUTES="0",
    )
    loaded = drive(env, "dagbag", str(DAGS), "2026-12-06T01:30:00+00:00")
    assert loaded["import_errors"] == {}
    assert loaded["tasks"]["livelake_daily"] == [
        "extract",
        "ingest",
        "build",
        "publish",
        "health",
        "data_alert",
        "promote",
        "build_prod",
    ]
    assert loaded["deadlines"]["livelake_daily"] == 0
    cli = env["LIVELAKE_VENV"] + "/bin/livelake"
    assert loaded["commands"]["livelake_daily"]["build_prod"] == f"{cli} build --target prod"


def test_no_recipient_no_alerts(env: dict[str, str]) -> None:
    env["LIVELAKE_ALERT_TO"] = ""
    loaded = drive(env, "dagbag", str(DAGS), "2026-12-06T01:30:00+00:00")
    assert loaded["import_errors"] == {}
    assert loaded["deadlines"]["livelake_daily"] == 0


def test_exit_codes_become_task_states(env: dict[str, str]) -> None:
    assert drive(env, "settle", "0", "3", "4", "1", "2", "124") == {
        "0": None,
        "3": None,  # done; the data e-mail says what to fix
        "4": "AirflowException",  # busy: a failure Airflow retries
        "1": "AirflowFailException",  # fails at once, no retry
        "2": "AirflowFailException",
        "124": "AirflowFailException",
    }


def test_health_counts_from_the_dag_runs_start(env: dict[str, str]) -> None:
    # Scheduled or manual (the UI's Trigger: no data interval), the run's start.
    assert drive(env, "since") == {
        "scheduled": "2026-12-06T02:05:32+00:00",
        "manual": "2026-12-06T02:05:32+00:00",
    }
