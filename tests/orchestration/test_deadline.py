"""The late e-mail end to end, in a running Airflow (`airflow standalone`, started by
orchestration/airflow.sh as `make airflow` starts it, on free 127.0.0.1 ports): a run
whose deadline passes while its task still runs, and the triggerer's e-mail arriving
at the SMTP server. dag.test() cannot show this (apache/airflow#73428, and no
triggerer), so this is the one slow test of it."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

from tests.orchestration.conftest import (
    AIRFLOW_VENV,
    ALERT_TO,
    DAGS,
    REPO,
    SmtpSink,
    body_text,
    free_port,
    need,
)

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("airflow")]
SCRIPT = REPO / "orchestration" / "airflow.sh"
PROBE = Path(__file__).parent / "deadline_dag" / "livelake_deadline_probe.py"


def _closed(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def test_a_missed_deadline_sends_the_late_email(tmp_path: Path, smtp: SmtpSink) -> None:
    need(AIRFLOW_VENV / "bin" / "airflow", "Airflow")
    dags = tmp_path / "dags"
    shutil.copytree(DAGS / "livelake_airflow", dags / "livelake_airflow")
    shutil.copy(PROBE, dags)
    api, worker_logs, trigger_logs = free_port(), free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "LIVELAKE_"))}
    env.update(
        LIVELAKE_DATA_DIR=str(tmp_path / "data"),
        AIRFLOW_PORT=str(api),
        AIRFLOW_UNPAUSE="livelake_deadline_probe",
        AIRFLOW__CORE__DAGS_FOLDER=str(dags),
        AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT=str(worker_logs),
        AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT=str(trigger_logs),
        AIRFLOW_CONN_SMTP_DEFAULT=smtp.connection,
        LIVELAKE_ALERT_TO=ALERT_TO,
        LIVELAKE_AIRFLOW_DEADLINE_MINUTES="0.1",  # 6 seconds
    )
    try:
        subprocess.run([str(SCRIPT), "up"], env=env, check=True, timeout=400)
        home = tmp_path / "data" / "airflow"
        assert (home / "simple_auth_manager_passwords.json.generated").stat().st_mode & 0o077 == 0
        airflow_env = {
            **env,
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        }
        now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
        subprocess.run(
            [str(AIRFLOW_VENV / "bin" / "airflow"), "dags", "trigger"]
            + ["livelake_deadline_probe", "--logical-date", now],
            env=airflow_env,
            check=True,
            capture_output=True,
            timeout=120,
        )
        messages = smtp.wait_for(1, 240)
    finally:
        subprocess.run([str(SCRIPT), "stop"], env=env, timeout=120)
    assert len(messages) == 1, [m["subject"] for m in messages]
    (message,) = messages
    assert message["to"] == ALERT_TO
    late = "[livelake] livelake_deadline_probe is late: not done 0.1 min after its start"
    assert message["subject"] == late
    assert "has not finished 0.1 minutes after its scheduled start" in body_text(message)
    assert all(_closed(port) for port in (api, worker_logs, trigger_logs))
