"""Superset's events go to superset.log, not to the metadata database: a chart's answer
commits nothing to SQLite (event_log.py), and each event is still written down."""

from __future__ import annotations

import sqlite3

import pytest

from tests.dashboards import api

pytestmark = pytest.mark.xdist_group("superset")


def logged_rows(superset) -> int:  # noqa: ANN001 - the session's Superset
    database = superset.data_dir / "superset" / "superset.db"
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as con:
        return con.execute("select count(*) from logs").fetchone()[0]


def test_chart_answers_log_events_to_the_log_file_not_the_database(superset) -> None:
    client = api.admin(superset)
    chart_id = api.chart_ids(client)["Daily active users"]
    log = superset.data_dir / "superset" / "superset.log"
    before_rows, before_text = logged_rows(superset), log.read_text()
    for _ in range(3):
        assert api.chart_rows(client, chart_id)
    assert logged_rows(superset) == before_rows
    new = log.read_text()[len(before_text) :]
    assert new.count("livelake.events:event ChartDataRestApi.data user=") >= 3, new[-2000:]
