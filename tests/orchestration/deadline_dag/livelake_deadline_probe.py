"""A DAG that misses its deadline on purpose: the same late e-mail as livelake_daily's
(livelake_airflow.alerts.deadline), a deadline of seconds, a task that outlasts it."""

from __future__ import annotations

from datetime import datetime

from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG
from livelake_airflow import alerts
from livelake_airflow.settings import Settings

DAG_ID = "livelake_deadline_probe"

with DAG(
    dag_id=DAG_ID,
    schedule=None,
    start_date=datetime(2025, 1, 1),
    catchup=False,
    deadline=alerts.deadline(Settings.from_env(), DAG_ID),
):
    BashOperator(task_id="outlast_the_deadline", bash_command="sleep 120")
