"""The viewer role opens the six dashboards and nothing else."""

from __future__ import annotations

import pytest
from livelake_dashboards.client import SupersetClient
from livelake_dashboards.spec import DASHBOARDS
from selenium.webdriver.common.by import By

from tests.dashboards import api, browser
from tests.dashboards.superset_server import VIEWER_PASSWORD

pytestmark = pytest.mark.xdist_group("superset")


def test_viewer_reads_every_dashboard_and_its_data(superset) -> None:
    client = api.viewer(superset)
    slugs = {row["slug"] for row in client.list_all("dashboard")}
    assert slugs == {d.slug for d in DASHBOARDS}
    for dashboard in DASHBOARDS:
        charts = api.dashboard_charts(client, dashboard.slug)
        assert len(charts) == len(dashboard.charts)
        assert api.chart_rows(client, charts[0]["id"])


def test_viewer_is_refused_sql_lab(superset) -> None:
    client = api.viewer(superset)
    database_id = api.admin(superset).list_all("database")[0]["id"]
    response = client.raw(
        "POST",
        "/api/v1/sqllab/execute/",
        json={"database_id": database_id, "sql": "select 1", "runAsync": False},
    )
    assert response.status_code in (401, 403), response.text
    assert client.raw("GET", "/api/v1/database/").status_code in (401, 403)
    assert client.raw("GET", "/api/v1/saved_query/").status_code in (401, 403)
    pages = SupersetClient(superset.url).login_form("viewer", VIEWER_PASSWORD)
    assert pages.raw("GET", "/sqllab/").status_code == 403


def test_viewer_is_refused_editing(superset) -> None:
    client = api.viewer(superset)
    admin = api.admin(superset)
    chart_id = api.chart_ids(admin)["Daily active users"]
    dashboard_id = admin.list_all("dashboard")[0]["id"]
    dataset_id = admin.list_all("dataset")[0]["id"]
    refusals = {
        "edit a chart": client.raw("PUT", f"/api/v1/chart/{chart_id}", json={"slice_name": "x"}),
        "delete a chart": client.raw("DELETE", f"/api/v1/chart/{chart_id}"),
        "edit a dashboard": client.raw(
            "PUT", f"/api/v1/dashboard/{dashboard_id}", json={"dashboard_title": "x"}
        ),
        "edit a dataset": client.raw(
            "PUT", f"/api/v1/dataset/{dataset_id}", json={"description": "x"}
        ),
        "add a database": client.raw(
            "POST",
            "/api/v1/database/",
            json={"database_name": "other", "sqlalchemy_uri": "duckdb:///:memory:"},
        ),
        "import assets": client.raw("POST", "/api/v1/assets/import/"),
    }
    allowed = {
        name: r.status_code for name, r in refusals.items() if r.status_code not in (401, 403)
    }
    assert allowed == {}
    assert api.chart_ids(admin)["Daily active users"] == chart_id


def test_viewer_browser_sees_dashboards_but_no_sql_lab_or_editing(superset) -> None:
    driver = browser.chromium()
    try:
        browser.login(driver, superset.url, "viewer", VIEWER_PASSWORD)
        dashboard = DASHBOARDS[0]
        rendered = browser.open_dashboard(
            driver, superset.url, dashboard.slug, len(dashboard.charts)
        )
        assert rendered.problems == []
        assert not driver.find_elements(By.XPATH, "//*[normalize-space()='Edit dashboard']")
        chart_id = api.chart_ids(api.admin(superset))["Daily active users"]
        for page in ("/sqllab/", f"/explore/?slice_id={chart_id}", "/chart/add"):
            driver.get(f"{superset.url}{page}")
            browser.settle(driver, seconds=1)
            assert "403 Forbidden" in driver.page_source, page
    finally:
        driver.quit()
