"""Every dashboard opens on the latest complete range of the data it reads.

Superset's relative ranges ("Last 30 days") count back from today; the warehouse's
newest complete day is whatever the last publish held (the sample world ends in
2025), so they would open on nothing. A fixed range written once at import would go
stale with the next publish. So Superset itself keeps each dashboard's date filter
default in step with the serving copy: when a dashboard is opened
(`GET /api/v1/dashboard/<id or slug>`, what the page loads first) and the defaults
were set for another copy than the one the serving path names now (a publish since,
or an import, which writes the bundle's metadata without them), it asks the
warehouse for its latest complete day and sets every livelake dashboard's default:

- the latest complete day: the newest date of `mart_daily_kpis` with a User
  Activity report (`has_activity_report`), the last day every headline KPI is
  defined (a later day counts payers only); on the data health dashboard, whose days
  are export days (a day's reports arrive the day after, and late ones later), the
  newest export day of `mart_data_health_daily`;
- the range: from the first day of the month three months before that day's month
  to that day, inclusive (Superset's ranges end exclusive: the day after). Month
  aligned, so the monthly charts show whole months, three of them complete; about
  15 weeks, so the weekly cohorts and the retention weeks have their cells.

The copy each default was set for is kept beside it in the dashboard's json_metadata
(`livelake_defaults_for`: the serving copy's identity, or the warehouse URI on
BigQuery, where a new build is not seen until the next `make dashboards`). No
process outside Superset has to run after a publish (the DAG, `make dev`, a
publish by hand, the container all alike), and the metadata says what it holds.
A person can still clear or change the range; the default only says where to start.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from livelake_dashboards.bundle import DATABASE_NAME, date_filter_id
from livelake_dashboards.model import Dashboard, Dataset
from livelake_dashboards.spec import DASHBOARDS, HEALTH, HEALTH_DAILY, KPIS
from livelake_dashboards.warehouse import Warehouse

MONTHS_BEFORE = 3
# where each dashboard's latest complete day is read: (dataset, condition on its rows)
LATEST_DAY: tuple[Dataset, str] = (KPIS, "has_activity_report")
LATEST_DAY_OF: dict[str, tuple[Dataset, str]] = {HEALTH.slug: (HEALTH_DAILY, "true")}
SET_FOR = "livelake_defaults_for"
_OPENED = re.compile(r"^/api/v1/dashboard/[^/]+/?$")
_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Range:
    """[start, end) as Superset takes a time range; `last` is the latest complete day."""

    start: date
    last: date

    @property
    def end(self) -> date:
        return self.last + timedelta(days=1)

    @property
    def time_range(self) -> str:
        return f"{self.start.isoformat()} : {self.end.isoformat()}"


def default_range(last: date) -> Range:
    """The month-aligned range ending at the latest complete day."""
    month = last.year * 12 + last.month - 1 - MONTHS_BEFORE
    return Range(date(month // 12, month % 12 + 1, 1), last)


def latest_day_of(dashboard: Dashboard) -> tuple[Dataset, str]:
    return LATEST_DAY_OF.get(dashboard.slug, LATEST_DAY)


def latest_complete_day_sql(source: tuple[Dataset, str], schema: str) -> str:
    dataset, condition = source
    return f"select max({dataset.time_column}) from {schema}.{dataset.table} where {condition}"


def with_default(
    dashboard: Dashboard, metadata: dict[str, Any], chosen: Range | None, set_for: str
) -> dict[str, Any]:
    """A dashboard's json_metadata with its date filter defaulting to `chosen`."""
    for native in metadata.get("native_filter_configuration", []):
        if native.get("id") != date_filter_id(dashboard):
            continue
        state: dict[str, Any] = {"extraFormData": {}, "filterState": {}, "ownState": {}}
        if chosen is not None:
            state["extraFormData"] = {"time_range": chosen.time_range}
            state["filterState"] = {"value": chosen.time_range}
        native["defaultDataMask"] = state
    return {**metadata, SET_FOR: set_for}


def default_of(dashboard: Dashboard, metadata: dict[str, Any]) -> str | None:
    """The time range a dashboard's date filter opens on (None: every date)."""
    for native in metadata.get("native_filter_configuration", []):
        if native.get("id") == date_filter_id(dashboard):
            return native.get("defaultDataMask", {}).get("filterState", {}).get("value")
    return None


# ---------------------------------------------------------------- inside Superset
class Keeper:
    """Superset's before_request hook (superset_config's FLASK_APP_MUTATOR)."""

    def __init__(self, serving: Path | None, warehouse: Warehouse) -> None:
        self.serving = serving
        self.warehouse = warehouse

    def copy_now(self) -> str | None:
        """What the defaults must have been set for: the serving copy's identity now
        (None: no copy, nothing to set), or the warehouse on BigQuery."""
        if self.serving is None:
            return self.warehouse.uri
        from livelake_dashboards.serving_connection import identity

        try:
            return str(identity(self.serving))
        except Exception:  # noqa: BLE001 - no copy: its charts say so, the page opens
            return None

    def __call__(self) -> None:
        from flask import request

        if request.method != "GET" or not _OPENED.match(request.path):
            return
        try:
            self.refresh()
        except Exception:  # a page must open even if the defaults cannot be set
            _log.exception("could not set the dashboards' default date range")

    def refresh(self) -> None:
        from superset import db
        from superset.models.dashboard import Dashboard as Stored

        set_for = self.copy_now()
        if set_for is None:
            return
        by_slug = {dashboard.slug: dashboard for dashboard in DASHBOARDS}
        stored = db.session.query(Stored).filter(Stored.slug.in_(by_slug)).all()
        stale = [
            row for row in stored if json.loads(row.json_metadata or "{}").get(SET_FOR) != set_for
        ]
        if not stale:
            return
        latest: dict[tuple[Dataset, str], date | None] = {}
        for row in stale:
            dashboard = by_slug[row.slug]
            source = latest_day_of(dashboard)
            if source not in latest:
                latest[source] = self.latest_complete_day(source)
            last = latest[source]
            chosen = default_range(last) if last else None
            metadata = json.loads(row.json_metadata or "{}")
            row.json_metadata = json.dumps(with_default(dashboard, metadata, chosen, set_for))
            _log.info(
                "%s opens on %s (set for %s)",
                row.slug,
                chosen.time_range if chosen else "every date",
                set_for,
            )
        db.session.commit()

    def latest_complete_day(self, source: tuple[Dataset, str]) -> date | None:
        """Asked of the dashboards' own database, as a chart asks (the serving copy this
        worker has open, or BigQuery)."""
        from sqlalchemy import text
        from superset import db
        from superset.models.core import Database

        database = db.session.query(Database).filter_by(database_name=DATABASE_NAME).one()
        with database.get_sqla_engine() as engine, engine.connect() as connection:
            sql = latest_complete_day_sql(source, self.warehouse.schema(source[0].schema))
            value = connection.execute(text(sql)).scalar()
        if isinstance(value, datetime):
            return value.date()
        return value if isinstance(value, date) or value is None else date.fromisoformat(value)
