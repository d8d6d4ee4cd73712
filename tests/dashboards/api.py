"""Ask a running Superset for what its dashboards show, through the REST API."""

from __future__ import annotations

from typing import Any

from livelake_dashboards.client import SupersetClient
from livelake_dashboards.spec import DASHBOARDS

from tests.dashboards.superset_server import ADMIN_PASSWORD, VIEWER_PASSWORD, Superset


def admin(server: Superset) -> SupersetClient:
    return SupersetClient(server.url).login("admin", ADMIN_PASSWORD)


def viewer(server: Superset) -> SupersetClient:
    return SupersetClient(server.url).login("viewer", VIEWER_PASSWORD)


def chart_ids(client: SupersetClient) -> dict[str, int]:
    """The spec's chart titles -> their ids in Superset."""
    return {row["slice_name"]: row["id"] for row in client.list_all("chart")}


def chart_rows(client: SupersetClient, chart_id: int) -> list[dict[str, Any]]:
    response = client.chart_data(chart_id)
    assert response.status_code == 200, f"chart {chart_id}: {response.status_code} {response.text}"
    return response.json()["result"][0]["data"]


def dashboard_charts(client: SupersetClient, slug: str) -> list[dict[str, Any]]:
    return client.request("GET", f"/api/v1/dashboard/{slug}/charts")["result"]


def spec_chart_count(slug: str) -> int:
    return next(len(d.charts) for d in DASHBOARDS if d.slug == slug)
