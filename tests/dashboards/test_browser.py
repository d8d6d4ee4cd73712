"""A real browser: log in, open each dashboard, every chart draws; a screenshot of each."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from livelake_dashboards.spec import DASHBOARDS
from selenium.webdriver.remote.webdriver import WebDriver

from tests.dashboards import browser
from tests.dashboards.superset_server import ADMIN_PASSWORD

pytestmark = pytest.mark.xdist_group("superset")


@pytest.fixture(scope="module")
def admin_browser(superset) -> Iterator[WebDriver]:
    driver = browser.chromium()
    try:
        browser.login(driver, superset.url, "admin", ADMIN_PASSWORD)
        yield driver
    finally:
        driver.quit()


@pytest.mark.parametrize("dashboard", DASHBOARDS, ids=[d.slug for d in DASHBOARDS])
def test_dashboard_draws_every_chart(superset, admin_browser, screenshots_dir, dashboard) -> None:
    rendered = browser.open_dashboard(
        admin_browser, superset.url, dashboard.slug, len(dashboard.charts)
    )
    admin_browser.save_screenshot(str(screenshots_dir / f"{dashboard.slug}.png"))
    assert rendered.problems == [], f"{dashboard.slug}: {rendered.problems}"
    assert rendered.drawn == len(dashboard.charts)
    assert dashboard.title in admin_browser.page_source
