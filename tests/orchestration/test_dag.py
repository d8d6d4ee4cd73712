"""The DAG as Airflow loads it: no import error, the schedule, the tasks each setting
gives, the health task's --since, and what each exit code of the CLI does to a task.
One Airflow process answers all of it (airflow_driver.py several)."""

from __future__ import annotations

import json

import pytest

from tests.orchestration.conftest import DAGS, airflow_env, drive

BEFORE, AT = "2026-12-06T01:30:00+00:00", "2026-12-06T02:00:00+00:00"
PROD_ON_DRIVE = {
    "LIVELAKE_SOURCE": "gdrive:1AbCdEf",
    "LIVELAKE_TARGET": "prod",
    "LIVELAKE_AIRFLOW_DEADLINE_MINUTES": "0",
}


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, str]:
    tmp = tmp_path_factory.mktemp("dagbag")
    env = airflow_env(tmp / "home", tmp / "unused.db", "smtp://127.0.0.1:1")
    plan = {
        "before": ["dagbag", [str(DAGS), BEFORE], {}],
        "at": ["dagbag", [str(DAGS), AT], {}],
        "prod_on_drive": ["dagbag", [str(DAGS), BEFORE], PROD_ON_DRIVE],
        "no_recipient": ["dagbag", [str(DAGS), BEFORE], {"LIVELAKE_ALERT_TO": ""}],
        "since": ["since", [], {}],
        "settle": ["settle", ["0", "3", "4", "1", "2", "124"], {}],
    }
    return drive(env, "several", json.dumps(plan)), env["LIVELAKE_VENV"] + "/bin/livelake"


def test_the_dagbag_imports_and_the_next_run_is_10_taipei(loaded: tuple[dict, str]) -> None:
    results, cli = loaded
    before = results["before"]
    assert before["import_errors"] == {}
    assert before["dag_ids"] == ["livelake_daily"]
    # 10:00 Asia/Taipei (UTC+8, no DST) is 02:00 UTC, the same day.
    assert before["next_run"]["livelake_daily"] == "2026-12-06T02:00:00+00:00"
    # Due exactly at 02:00: the next one is tomorrow's.
    assert results["at"]["next_run"]["livelake_daily"] == "2026-12-07T02:00:00+00:00"
    tasks = ["ingest", "build", "publish", "health", "data_alert"]
    assert before["tasks"]["livelake_daily"] == tasks
    assert before["deadlines"]["livelake_daily"] == 1
    commands = before["commands"]["livelake_daily"]
    assert commands["ingest"] == f"{cli} ingest"
    assert commands["build"] == f"{cli} build --target dev"  # no --wait: busy is exit 4
    assert commands["health"] == (
        f"{cli} health --json --since '{{{{ dag_run.start_date.isoformat() }}}}'"
    )


def test_drive_and_prod_add_their_tasks_and_the_test_setting_drops_the_deadline(
    loaded: tuple[dict, str],
) -> None:
    results, cli = loaded
    prod = results["prod_on_drive"]
    assert prod["import_errors"] == {}
    assert prod["tasks"]["livelake_daily"] == [
        "extract",
        "ingest",
        "build",
        "publish",
        "health",
        "data_alert",
        "promote",
        "build_prod",
    ]
    assert prod["deadlines"]["livelake_daily"] == 0
    assert prod["commands"]["livelake_daily"]["extract"] == f"{cli} extract"
    assert prod["commands"]["livelake_daily"]["build_prod"] == f"{cli} build --target prod"


def test_no_recipient_no_alerts(loaded: tuple[dict, str]) -> None:
    results, _ = loaded
    assert results["no_recipient"]["import_errors"] == {}
    assert results["no_recipient"]["deadlines"]["livelake_daily"] == 0


def test_health_counts_from_the_dag_runs_start(loaded: tuple[dict, str]) -> None:
    # Scheduled or manual (the UI's Trigger: no data interval), the run's start.
    assert loaded[0]["since"] == {
        "scheduled": "2026-12-06T02:05:32+00:00",
        "manual": "2026-12-06T02:05:32+00:00",
    }


def test_exit_codes_become_task_states(loaded: tuple[dict, str]) -> None:
    assert loaded[0]["settle"] == {
        "0": None,
        "3": None,  # done; the data e-mail says what to fix
        "4": "AirflowException",  # busy: a failure Airflow retries
        "1": "AirflowFailException",  # fails at once, no retry
        "2": "AirflowFailException",
        "124": "AirflowFailException",
    }
