"""Headless Chromium (Debian's, through its chromedriver) opening dashboards as a person would.

Selenium Manager never runs: the driver and the browser are the system binaries,
and SE_OFFLINE forbids any download.
"""

from __future__ import annotations

import os
import tempfile
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1600,2400",
)
DRAW_TIMEOUT_S = 90
# What a chart shows when it failed, or had nothing to show.
ERROR_SELECTORS = (".ant-alert-error", ".alert-danger", "[data-test='error-tooltip']")
EMPTY_TEXTS = ("No results",)


def chromium() -> WebDriver:
    for binary in (CHROMIUM, CHROMEDRIVER):
        if not binary.exists():
            raise AssertionError(f"{binary} is missing: apt-get install chromium chromium-driver")
    os.environ["SE_OFFLINE"] = "true"
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tempfile.mkdtemp(prefix='livelake-chromium-')}")
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(60)
    return driver


def login(driver: WebDriver, base_url: str, username: str, password: str) -> None:
    driver.get(f"{base_url}/login/")
    WebDriverWait(driver, 30).until(lambda d: d.find_elements(By.ID, "username"))
    driver.find_element(By.ID, "username").send_keys(username)
    driver.find_element(By.ID, "password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(driver, 30).until(lambda d: "/login" not in d.current_url)


@dataclass
class Rendered:
    """What a dashboard showed once every chart settled."""

    charts: int
    drawn: int
    problems: list[str] = field(default_factory=list)


def chart_state(holder) -> tuple[str, str]:  # noqa: ANN001 - a selenium element
    """('drawn' | 'error' | 'empty' | 'loading', detail) of one chart holder."""
    title = holder.text.split("\n", 1)[0]
    for selector in ERROR_SELECTORS:
        found = holder.find_elements(By.CSS_SELECTOR, selector)
        if found:
            return "error", f"{title}: {found[0].text.strip()[:300]}"
    text = holder.text
    if "Data error" in text or "Unexpected error" in text:
        return "error", f"{title}: {text[:300]}"
    if any(empty in text for empty in EMPTY_TEXTS):
        return "empty", f"{title}: no results"
    if holder.find_elements(By.CSS_SELECTOR, ".loading, [aria-label='Loading']"):
        return "loading", title
    drawn = holder.find_elements(By.CSS_SELECTOR, "canvas, table, .superset-legacy-chart, svg")
    return ("drawn", title) if drawn else ("loading", title)


def rison(value: object) -> str:
    """Rison, the URL encoding of JSON Superset reads its `native_filters` parameter in."""
    if isinstance(value, dict):
        return "(" + ",".join(f"{key}:{rison(item)}" for key, item in value.items()) + ")"
    if isinstance(value, list | tuple):
        return "!(" + ",".join(rison(item) for item in value) + ")"
    if isinstance(value, bool):
        return "!t" if value else "!f"
    if isinstance(value, int | float):
        return str(value)
    return "'" + str(value).replace("!", "!!").replace("'", "!'") + "'"


def native_filters(selected: dict[str, tuple[str, object]]) -> str:
    """The URL parameter that opens a dashboard with select filters set, as a person
    choosing the values in the filter bar would: {filter id: (column, value)}."""
    state = {
        filter_id: {
            "id": filter_id,
            "extraFormData": {"filters": [{"col": column, "op": "IN", "val": [value]}]},
            "filterState": {"value": [value]},
            "ownState": {},
        }
        for filter_id, (column, value) in selected.items()
    }
    return "native_filters=" + urllib.parse.quote(rison(state), safe="")


def open_dashboard(
    driver: WebDriver, base_url: str, slug: str, expected_charts: int, query: str = ""
) -> Rendered:
    """Open a dashboard and wait until every chart has drawn, failed or timed out.

    Settled means the same states on two polls a second apart: a chart read while it
    turns from loading to its answer can look drawn for a moment (a spinner's svg
    before the error text), and one such read must not end the wait."""
    driver.get(f"{base_url}/superset/dashboard/{slug}/" + (f"?{query}" if query else ""))
    deadline = time.monotonic() + DRAW_TIMEOUT_S
    states: list[tuple[str, str]] = []
    previous: list[tuple[str, str]] = []
    while time.monotonic() < deadline:
        try:
            holders = driver.find_elements(By.CSS_SELECTOR, "[class*='dashboard-chart-id-']")
            states = [chart_state(holder) for holder in holders]
        except StaleElementReferenceException:
            continue
        settled = len(states) >= expected_charts and all(s != "loading" for s, _ in states)
        if settled and [s for s, _ in states] == [s for s, _ in previous]:
            break
        previous = states
        time.sleep(1)
    problems = [detail for state, detail in states if state != "drawn"]
    if len(states) < expected_charts:
        problems.append(f"{len(states)} of {expected_charts} charts on the page")
    time.sleep(1.5)  # let the charts' entry animations finish before a screenshot
    drawn = sum(1 for state, _ in states if state == "drawn")
    return Rendered(charts=len(states), drawn=drawn, problems=problems)


def settle(driver: WebDriver, seconds: float = 3.0) -> None:
    """Give a page that redirects or refuses the time to do so."""
    WebDriverWait(driver, 30).until(
        lambda d: d.execute_script("return document.readyState") == "complete"
    )
    time.sleep(seconds)


def dropdown_options(driver: WebDriver, filter_name: str) -> list[str]:
    """The values a select filter of the open dashboard's filter bar lists, in order."""
    control = driver.find_element(
        By.XPATH,
        f"//*[@data-test='filter-control-name' and normalize-space()='{filter_name}']"
        "/ancestor::*[.//div[contains(@class, 'ant-select')]][1]"
        "//div[contains(@class, 'ant-select')]",
    )
    control.click()
    options: list[str] = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not options:
        time.sleep(0.5)
        options = driver.execute_script(
            "return [...document.querySelectorAll("
            "'.ant-select-dropdown:not(.ant-select-dropdown-hidden) .ant-select-item-option')]"
            ".map(e => e.innerText.trim())"
        )
    driver.find_element(By.TAG_NAME, "body").click()  # close it again
    return options


def time_range_shown(driver: WebDriver, filter_name: str) -> str:
    """What a date range filter of the open dashboard's filter bar shows ("a ≤ col < b")."""
    return driver.find_element(
        By.XPATH,
        f"//*[@data-test='filter-control-name' and normalize-space()='{filter_name}']"
        "/ancestor::*[.//*[@data-test='time-range-trigger']][1]"
        "//*[@data-test='time-range-trigger']",
    ).get_attribute("innerText")
