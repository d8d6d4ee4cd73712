"""A real browser: log in, open each dashboard, every chart draws; then with every
select filter of the dashboard set to a real value, every chart still draws (a filter
applies to a chart meaningfully or is scoped away from it, never blanks it)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from livelake_dashboards.model import LEVELS, Chart, Dashboard, SelectFilter
from livelake_dashboards.spec import DASHBOARDS
from selenium.webdriver.remote.webdriver import WebDriver

from tests.dashboards import browser
from tests.dashboards.serving import expected_range
from tests.dashboards.superset_server import ADMIN_PASSWORD

pytestmark = pytest.mark.xdist_group("superset")

FILTERED = [d for d in DASHBOARDS if d.filters]
RANKED = [(d, f) for d in DASHBOARDS for f in d.filters if f.rank]


@pytest.fixture(scope="module")
def admin_browser(superset) -> Iterator[WebDriver]:
    driver = browser.chromium()
    try:
        browser.login(driver, superset.url, "admin", ADMIN_PASSWORD)
        yield driver
    finally:
        driver.quit()


@pytest.mark.parametrize("dashboard", DASHBOARDS, ids=[d.slug for d in DASHBOARDS])
def test_dashboard_draws_every_chart(
    superset, admin_browser, serving_query, screenshots_dir, dashboard
) -> None:
    rendered = browser.open_dashboard(
        admin_browser, superset.url, dashboard.slug, len(dashboard.charts)
    )
    admin_browser.save_screenshot(str(screenshots_dir / f"{dashboard.slug}.png"))
    # every chart draws, none empty, under the default range: the latest complete one
    assert rendered.problems == [], f"{dashboard.slug}: {rendered.problems}"
    assert rendered.drawn == len(dashboard.charts)
    start, end = expected_range(serving_query, dashboard.slug)
    shown = browser.time_range_shown(admin_browser, "Date range (Asia/Taipei)")
    assert shown == f"{start:%Y-%m-%d} ≤ col < {end:%Y-%m-%d}"
    assert dashboard.title in admin_browser.page_source
    # every chart's description from the spec is on the page (a tile's as its subtitle)
    shown = admin_browser.execute_script(
        "return [...document.querySelectorAll('.dashboard-markdown, .dashboard-chart')]"
        ".map(e => e.innerText.replace(/\\s+/g, ' ').trim()).join(' | ')"
    )
    for chart in dashboard.charts:
        assert chart.description in shown, (dashboard.slug, chart.key)
    if dashboard.slug == "data-health":
        assert_freshness_graded(admin_browser)


STATUS_COLOURS = {"fresh": "rgb(90, 193, 137)", "late": "rgb(252, 199, 0)"}


def assert_freshness_graded(driver: WebDriver) -> None:
    """Each freshness status cell coloured by its grade (the small world has fresh and
    late domains; missing is red by the same rule, checked in the chart's form)."""
    cells = driver.execute_script(
        "return [...document.querySelectorAll('td')]"
        ".filter(e => ['fresh', 'late', 'missing'].includes(e.innerText.trim()))"
        ".map(e => [e.innerText.trim(), getComputedStyle(e).backgroundColor])"
    )
    assert {status for status, _ in cells} == set(STATUS_COLOURS), cells
    for status, colour in cells:
        assert colour == STATUS_COLOURS[status], (status, colour)


def has_column(select: SelectFilter, chart: Chart) -> bool:
    """The chart's mart has the filter's column. A chart that declares it ignores the
    filter must then show its unfiltered rows (scoped away), never none."""
    return chart.dataset in select.applies_to


def rows_with(serving_query, chart: Chart, chosen: dict[str, object]) -> int:  # noqa: ANN001
    """The chart's mart rows that hold the chosen values. A fixed condition of the chart
    on a filtered column is left out: a chart on the platform-wide rows (agency is null)
    must still draw with an agency chosen, by being scoped away from the filter."""
    conditions = [
        f"({c})" for c in chart.where if not any(re.search(rf"\b{k}\b", c) for k in chosen)
    ]
    for column, value in chosen.items():
        conditions.append(f"{column} = '" + str(value).replace("'", "''") + "'")
    table = f"{chart.dataset.schema}.{chart.dataset.table}"
    where = " and ".join(conditions) or "true"
    return serving_query(f"select count(*) from {table} where {where}")[0][0]


def choose_values(dashboard: Dashboard, serving_query) -> dict[str, tuple[str, object]]:  # noqa: ANN001
    """A real value for each select filter, together leaving rows in every chart they
    apply to (the most common values first)."""
    chosen: dict[SelectFilter, object] = {}
    for select in dashboard.filters:
        table = f"{select.dataset.schema}.{select.dataset.table}"
        candidates = [
            value
            for (value,) in serving_query(
                f"select {select.column} from {table} where {select.column} is not null "
                "group by 1 order by count(*) desc, 1"
            )
        ]
        for value in candidates:
            trial = {**chosen, select: value}
            if all(
                rows_with(
                    serving_query,
                    chart,
                    {
                        f.column: v
                        for f, v in trial.items()
                        if has_column(f, chart) and f.column not in chart.ignores_filters
                    },
                )
                for chart in dashboard.charts
            ):
                chosen[select] = value
                break
        else:
            raise AssertionError(f"{dashboard.slug}: no value of {select.column} fills its charts")
    return {
        f"NATIVE_FILTER-{dashboard.slug}-{select.column}": (select.column, value)
        for select, value in chosen.items()
    }


@pytest.mark.parametrize("dashboard", FILTERED, ids=[d.slug for d in FILTERED])
def test_every_filter_set_keeps_every_chart_drawn(
    superset, admin_browser, serving_query, dashboard
) -> None:
    selected = choose_values(dashboard, serving_query)
    assert len(selected) == len(dashboard.filters)
    rendered = browser.open_dashboard(
        admin_browser,
        superset.url,
        dashboard.slug,
        len(dashboard.charts),
        query=browser.native_filters(selected),
    )
    assert rendered.problems == [], f"{dashboard.slug} with {selected}: {rendered.problems}"
    assert rendered.drawn == len(dashboard.charts)
    page = admin_browser.page_source
    for _, value in selected.values():  # the filter bar shows what is applied
        assert str(value) in page, value


@pytest.mark.parametrize(("dashboard", "select"), RANKED, ids=[f.column for _, f in RANKED])
def test_level_dropdowns_list_levels_in_rank_order(
    superset, admin_browser, serving_query, dashboard, select
) -> None:
    """The membership level filters list regular < silver < gold < platinum < diamond
    (the filter sorts by the dataset's saved rank metric), never alphabetically."""
    table = f"{select.dataset.schema}.{select.dataset.table}"
    held = {value for (value,) in serving_query(f"select distinct {select.column} from {table}")}
    expected = [level for level in LEVELS if level in held]
    assert len(expected) >= 4 and expected != sorted(expected)
    browser.open_dashboard(admin_browser, superset.url, dashboard.slug, len(dashboard.charts))
    assert browser.dropdown_options(admin_browser, select.name) == expected
