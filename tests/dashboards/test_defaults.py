"""Every dashboard opens on the latest complete range of the serving copy, and follows
the next publish by itself (defaults.py): never Superset's "Last 30 days" counted from
today (empty on a world that ended in 2025), never a range fixed at import that a
publish makes stale. The browser test draws every chart under this default."""

from __future__ import annotations

import json
from typing import Any

import duckdb
import pytest
from livelake_dashboards.client import SupersetClient
from livelake_dashboards.spec import DASHBOARDS

from tests.dashboards import api
from tests.dashboards.serving import LATEST, copy_identity, expected_range, livelake_publish

pytestmark = pytest.mark.xdist_group("superset")


def opened_on(client: SupersetClient, slug: str) -> tuple[Any, str | None]:
    """(the date filter's default range, the copy it was set for) as the page loads it."""
    found = client.request("GET", f"/api/v1/dashboard/{slug}")["result"]
    metadata = json.loads(found["json_metadata"])
    (date_filter,) = [
        f for f in metadata["native_filter_configuration"] if f["filterType"] == "filter_time"
    ]
    mask = date_filter["defaultDataMask"]
    assert mask["extraFormData"].get("time_range") == mask["filterState"].get("value")
    return mask["filterState"].get("value"), metadata.get("livelake_defaults_for")


def test_every_dashboard_opens_on_the_latest_complete_range(superset, serving_query) -> None:
    viewer = api.viewer(superset)
    copy = copy_identity(superset.data_dir / "serving.duckdb")
    for dashboard in DASHBOARDS:
        start, end = expected_range(serving_query, dashboard.slug)
        expected = f"{start:%Y-%m-%d} : {end:%Y-%m-%d}"
        assert opened_on(viewer, dashboard.slug) == (expected, copy), dashboard.slug


def test_a_publish_moves_the_default_range(superset) -> None:
    """The latest day loses its activity report in a new copy: the next opening of any
    dashboard ends the range a day earlier; the copy back, the range is back."""
    warehouse = superset.data_dir / "warehouse.duckdb"
    serving = superset.data_dir / "serving.duckdb"
    viewer = api.viewer(superset)
    before, _ = opened_on(viewer, DASHBOARDS[0].slug)
    health_before, _ = opened_on(viewer, "data-health")
    with duckdb.connect(str(warehouse)) as con:
        ((last,),) = con.execute(
            "select max(date) from marts.mart_daily_kpis where has_activity_report"
        ).fetchall()
        con.execute(
            "update marts.mart_daily_kpis set has_activity_report = false where date = ?", [last]
        )
    try:
        livelake_publish(superset.data_dir)
        for dashboard in DASHBOARDS:
            shown, copy = opened_on(viewer, dashboard.slug)
            assert copy == copy_identity(serving)
            if dashboard.slug in LATEST:  # export days: the health marts did not change
                assert shown == health_before, dashboard.slug
            else:
                assert shown is not None and shown.endswith(f" : {last:%Y-%m-%d}"), shown
    finally:
        with duckdb.connect(str(warehouse)) as con:
            con.execute(
                "update marts.mart_daily_kpis set has_activity_report = true where date = ?",
                [last],
            )
        livelake_publish(superset.data_dir)
    assert opened_on(viewer, DASHBOARDS[0].slug) == (before, copy_identity(serving))
