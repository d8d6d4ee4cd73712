"""The three e-mails, all through the SMTP provider and its `smtp_default` connection
(AIRFLOW_CONN_SMTP_DEFAULT), to LIVELAKE_ALERT_TO:

- failure: a task failed for good (on_failure_callback): DAG, task, run, log URL;
- late: the run has not finished `deadline` after its logical date (10:00 Taipei, so
  by 11:00 with the default 60 minutes): a DeadlineAlert, sent by the triggerer;
- data: the run finished but the back office has something to fix (the health task's
  report: files rejected with sheet and reason, rows quarantined, late domains).
"""

from __future__ import annotations

import html
import json
from typing import Any

from airflow.providers.smtp.hooks.smtp import SmtpHook
from airflow.providers.smtp.notifications.smtp import SmtpNotifier
from airflow.sdk import AsyncCallback, DeadlineAlert, DeadlineReference

from livelake_airflow.settings import SMTP_CONN_ID, Settings

FAILURE_SUBJECT = "[livelake] {{ ti.dag_id }}.{{ ti.task_id }} failed"
FAILURE_BODY = (
    "<p>DAG <b>{{ ti.dag_id }}</b>, task <b>{{ ti.task_id }}</b> failed "
    "(run {{ ti.run_id }}, try {{ ti.try_number }}).</p>"
    '<p>Log: <a href="{{ ti.log_url }}">{{ ti.log_url }}</a></p>'
    "<p>The dashboards still show the previous run's data. Read the log, fix the cause, "
    "then clear the failed task to run the rest (README: Running it every day).</p>"
)


def on_failure(settings: Settings) -> SmtpNotifier | None:
    if not settings.alert_to:
        return None
    return SmtpNotifier(
        to=list(settings.alert_to),
        from_email=settings.alert_from,
        subject=FAILURE_SUBJECT,
        html_content=FAILURE_BODY,
        smtp_conn_id=SMTP_CONN_ID,
    )


def deadline(settings: Settings, dag_id: str) -> DeadlineAlert | None:
    """The late e-mail. A class and its kwargs, not a notifier: the triggerer builds it
    (AsyncCallback refuses an instance)."""
    if settings.deadline is None or not settings.alert_to:
        return None
    minutes = f"{settings.deadline.total_seconds() / 60:g}"
    return DeadlineAlert(
        reference=DeadlineReference.DAGRUN_LOGICAL_DATE,
        interval=settings.deadline,
        callback=AsyncCallback(
            SmtpNotifier,
            kwargs={
                "to": list(settings.alert_to),
                "from_email": settings.alert_from,
                "smtp_conn_id": SMTP_CONN_ID,
                "subject": f"[livelake] {dag_id} is late: not done {minutes} min after its start",
                "html_content": (
                    f"<p>The run of <b>{dag_id}</b> has not finished {minutes} minutes after "
                    "its scheduled start: today's dashboards are not ready yet.</p>"
                    "<p>Open Airflow's grid view: a task still running (a slow Drive or "
                    "build) or waiting for retries (another run held the lake). A failure "
                    "e-mail follows if a task fails.</p>"
                ),
            },
        ),
    )


def data_subject(report: dict[str, Any], dag_id: str) -> str:
    return f"[livelake] {dag_id}: {report['problems']} data problem(s) to fix"


def send_data_alert(report_line: str, settings: Settings, dag_id: str) -> dict[str, Any]:
    """Send the health report (`livelake health --json`'s one line) when it lists
    something; the same text goes to the task log either way."""
    report = json.loads(report_line)
    print(report["text"])
    if not report["problems"]:
        return report
    if not settings.alert_to:
        print("no LIVELAKE_ALERT_TO: the data e-mail is not sent")
        return report
    body = (
        f"<p>The run of <b>{dag_id}</b> finished, but the back office has data to fix; "
        "export the files again into the same folder and the next run (or a manual "
        "trigger) loads them.</p>"
        f"<pre>{html.escape(report['text'])}</pre>"
    )
    with SmtpHook(smtp_conn_id=SMTP_CONN_ID) as hook:
        hook.send_email_smtp(
            to=list(settings.alert_to),
            from_email=settings.alert_from,
            subject=data_subject(report, dag_id),
            html_content=body,
        )
    return report
