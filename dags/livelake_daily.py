"""livelake_daily: every morning at 10:00 Asia/Taipei, the back office's exports become
the dashboards' data, and someone is told when that did not happen.

    extract (Google Drive, when LIVELAKE_SOURCE=gdrive:...) -> ingest -> build ->
    publish -> health -> data_alert [-> promote -> build_prod, LIVELAKE_TARGET=prod]

Each step is the pipeline's own `livelake` command (livelake_airflow.command): DuckDB
has one writer, so finer tasks (one per dbt model) would only queue, and Airflow's
environment stays free of dbt. The health task judges the ingest runs since this DAG
run started: one DAG run at a time, so that is after every earlier run's ingest and
before this one's, and each rejected file is reported once, by the run that met it.
(The data interval's end, the due time, is not that instant: a run queued behind a
manual one starts after the manual run's ingest, and would report its files again.)
"""

from __future__ import annotations

import shlex
from datetime import timedelta

from airflow.sdk import DAG, task
from airflow.timetables.trigger import CronTriggerTimetable
from livelake_airflow import alerts
from livelake_airflow.command import LivelakeCommand
from livelake_airflow.settings import Settings

DAG_ID = "livelake_daily"
settings = Settings.from_env()
cli = shlex.quote(settings.livelake)
# Jinja: when this DAG run started (see above).
SINCE = "{{ dag_run.start_date.isoformat() }}"

with DAG(
    dag_id=DAG_ID,
    description="Back-office exports -> lake -> dbt -> serving copy, with alerts",
    # A zero-length data interval at 10:00 Taipei: the logical date the deadline counts
    # from (to 11:00).
    # No start_date, so run_immediately decides the first run: unpaused within an hour
    # of 10:00, today's run starts at once; later, the next 10:00. (With a start_date
    # and catchup=False the latest past 10:00 would start at once, however old, and
    # its long-past deadline would send a late e-mail.)
    schedule=CronTriggerTimetable(
        "0 10 * * *", timezone="Asia/Taipei", run_immediately=timedelta(hours=1)
    ),
    catchup=False,
    max_active_runs=1,
    max_active_tasks=1,
    deadline=alerts.deadline(settings, DAG_ID),
    default_args={
        # Only exit 4 (busy) is retried (livelake_airflow.command), after about 2, 4, 8 min.
        "retries": 3,
        "retry_delay": timedelta(minutes=2),
        "retry_exponential_backoff": True,
        "max_retry_delay": timedelta(minutes=15),
        "on_failure_callback": alerts.on_failure(settings),
        "do_xcom_push": False,
    },
    tags=["livelake"],
    doc_md=__doc__,
) as dag:
    steps = []
    if settings.drive:
        steps.append(LivelakeCommand(task_id="extract", bash_command=f"{cli} extract"))
    steps += [
        LivelakeCommand(task_id="ingest", bash_command=f"{cli} ingest"),
        # No --wait: a lock held elsewhere (a `make dev` by hand) is exit 4, retried with
        # backoff, rather than a task blocked for as long as the other holds it.
        LivelakeCommand(task_id="build", bash_command=f"{cli} build --target dev"),
        LivelakeCommand(task_id="publish", bash_command=f"{cli} publish"),
        LivelakeCommand(
            task_id="health",
            bash_command=f"{cli} health --json --since '{SINCE}'",
            do_xcom_push=True,
        ),
    ]

    @task(task_id="data_alert")
    def data_alert(report_line: str) -> int:
        """The data e-mail, when the health report lists something to fix."""
        return alerts.send_data_alert(report_line, settings, DAG_ID)["problems"]

    steps.append(data_alert(steps[-1].output))
    if settings.target == "prod":
        steps += [
            LivelakeCommand(task_id="promote", bash_command=f"{cli} promote"),
            LivelakeCommand(task_id="build_prod", bash_command=f"{cli} build --target prod"),
        ]
    for upstream, downstream in zip(steps, steps[1:], strict=False):
        upstream >> downstream
