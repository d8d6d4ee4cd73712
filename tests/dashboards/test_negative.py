"""With the serving copy missing or corrupt, charts fail with an error: no crash, no hang."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from livelake_dashboards.spec import DASHBOARDS

from tests.dashboards import api, browser
from tests.dashboards.superset_server import ADMIN_PASSWORD

pytestmark = pytest.mark.xdist_group("superset")

DASHBOARD = DASHBOARDS[0]


@pytest.fixture()
def broken_serving(superset, request) -> Iterator[Path]:
    """Take the serving copy away (missing) or overwrite it with junk (corrupt); restore."""
    serving = superset.data_dir / "serving.duckdb"
    kept = serving.with_name("serving.duckdb.kept")
    os.rename(serving, kept)
    if request.param == "corrupt":
        serving.write_bytes(b"this is not a DuckDB database\n" * 4096)
    try:
        yield serving
    finally:
        serving.unlink(missing_ok=True)
        os.rename(kept, serving)


# What the chart-data API answers, naming the serving copy: the product's own words for
# a copy that is not there (serving_connection), DuckDB's for one that is not a database.
MESSAGES = {
    "missing": "Cannot open the serving copy {path}: it does not exist (run `livelake publish`)",
    "corrupt": 'IO Error: The file "{path}" exists, but it is not a valid DuckDB database file!',
}


@pytest.mark.parametrize("broken_serving", ["missing", "corrupt"], indirect=True)
def test_charts_answer_with_an_error(superset, broken_serving, request) -> None:
    client = api.admin(superset)
    kind = request.node.callspec.params["broken_serving"]
    expected = MESSAGES[kind].format(path=broken_serving)
    charts = api.dashboard_charts(client, DASHBOARD.slug)[:3]
    assert len(charts) == 3
    for chart in charts:
        response = client.chart_data(chart["id"])
        assert response.status_code == 400, response.text[:500]
        message = response.json()["message"]
        assert message.startswith("Error: (_duckdb.IOException) "), message
        assert expected in message, message
    assert requests.get(f"{superset.url}/health", timeout=10).text == "OK"


@pytest.mark.parametrize("broken_serving", ["missing", "corrupt"], indirect=True)
def test_dashboard_check_fails_and_superset_shows_the_error(superset, broken_serving) -> None:
    driver = browser.chromium()
    try:
        browser.login(driver, superset.url, "admin", ADMIN_PASSWORD)
        rendered = browser.open_dashboard(
            driver, superset.url, DASHBOARD.slug, len(DASHBOARD.charts)
        )
    finally:
        driver.quit()
    assert rendered.charts == len(DASHBOARD.charts)
    assert len(rendered.problems) == len(DASHBOARD.charts), rendered.problems
    assert rendered.drawn == 0


def test_charts_recover_once_the_copy_is_back(superset) -> None:
    client = api.admin(superset)
    chart = api.dashboard_charts(client, DASHBOARD.slug)[0]
    assert api.chart_rows(client, chart["id"])
