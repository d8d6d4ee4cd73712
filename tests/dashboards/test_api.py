"""Through the REST API: every chart of every dashboard returns rows, and the values
equal the marts queried directly in DuckDB."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from livelake_dashboards.client import SupersetClient
from livelake_dashboards.spec import DASHBOARDS

from tests.dashboards import api
from tests.dashboards.superset_server import ADMIN_PASSWORD

pytestmark = pytest.mark.xdist_group("superset")


def epoch_day(value: float) -> date:
    """Superset sends temporal values as epoch milliseconds (UTC midnight of the day)."""
    return datetime.fromtimestamp(value / 1000, tz=UTC).date()


def money(value: object) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def test_six_dashboards_with_every_chart_of_the_spec(superset) -> None:
    client = api.admin(superset)
    dashboards = {row["slug"]: row for row in client.list_all("dashboard")}
    assert set(dashboards) == {d.slug for d in DASHBOARDS}
    for dashboard in DASHBOARDS:
        titles = {chart["slice_name"] for chart in api.dashboard_charts(client, dashboard.slug)}
        assert titles == {chart.title for chart in dashboard.charts}, dashboard.slug
        assert dashboards[dashboard.slug]["dashboard_title"] == dashboard.title


@pytest.mark.parametrize("dashboard", DASHBOARDS, ids=[d.slug for d in DASHBOARDS])
def test_every_chart_returns_rows(superset, dashboard) -> None:
    client = api.admin(superset)
    for chart in api.dashboard_charts(client, dashboard.slug):
        rows = api.chart_rows(client, chart["id"])
        assert rows, f"{dashboard.slug}: chart {chart['slice_name']!r} returned no rows"


def test_reimport_updates_in_place(superset) -> None:
    """`make dashboards` twice: same ids, no copies, and a changed asset is overwritten."""
    from tests.dashboards import superset_server

    client = api.admin(superset)
    before = api.chart_ids(client)
    chart_id = before["Daily active users"]
    client.request("PUT", f"/api/v1/chart/{chart_id}", json={"slice_name": "renamed by hand"})
    superset_server.run(superset, "up", "--workers", "3")
    after = api.chart_ids(client)
    assert after == before
    assert len(client.list_all("dataset")) == len({c.dataset for d in DASHBOARDS for c in d.charts})
    assert len(client.list_all("database")) == 1


def test_dau_values_equal_the_mart(superset, serving_query) -> None:
    client = api.admin(superset)
    rows = api.chart_rows(client, api.chart_ids(client)["Daily, weekly and monthly active users"])
    shown = {epoch_day(r["date"]): (r["DAU"], r["WAU"], r["MAU"]) for r in rows}
    mart = {
        d: (dau, wau, mau)
        for d, dau, wau, mau in serving_query(
            "select date, dau, wau, mau from marts.mart_daily_kpis"
        )
    }
    assert shown == mart
    assert len(shown) >= 14


def test_membership_values_equal_the_mart(superset, serving_query) -> None:
    client = api.admin(superset)
    rows = api.chart_rows(client, api.chart_ids(client)["Monthly moves between levels"])
    shown = {(r["from_level"], r["to_level"]): r["Users"] for r in rows}
    mart = dict(
        ((f, t), int(n))
        for f, t, n in serving_query(
            "select from_level, to_level, sum(users) from marts.mart_membership_transitions "
            "where period_grain = 'month' group by all"
        )
    )
    assert shown == mart and mart


def test_channel_values_equal_the_mart(superset, serving_query) -> None:
    client = api.admin(superset)
    rows = api.chart_rows(client, api.chart_ids(client)["Top channels by attributed revenue"])
    shown = [(r["channel_name"], money(r["Attributed revenue"])) for r in rows]
    mart = [
        (name, money(revenue))
        for name, _, revenue in serving_query(
            "select channel_name, category, sum(attributed_revenue) as revenue "
            "from marts.mart_channel_topup_effectiveness group by all "
            "order by revenue desc limit 10"
        )
    ]
    assert shown == mart and len(mart) == 10


def test_deduction_values_equal_the_mart(superset, serving_query) -> None:
    client = api.admin(superset)
    rows = api.chart_rows(
        client, api.chart_ids(client)["Gross revenue before and after deductions"]
    )
    shown = {
        epoch_day(r["date"]): (money(r["Gross (pre-deduction report)"]), money(r["Net revenue"]))
        for r in rows
    }
    mart = {
        d: (money(pre), money(net))
        for d, pre, net in serving_query(
            "select date, gross_pre, net_revenue from marts.mart_revenue_deductions "
            "where agency is null"
        )
    }
    assert shown == mart and mart


def test_topup_counts_equal_the_segments_mart(superset, serving_query) -> None:
    """The drill-to-detail chart counts fct_topup rows; the mart counts the same orders."""
    client = api.admin(superset)
    rows = api.chart_rows(client, api.chart_ids(client)["Successful top-ups per day"])
    shown = {epoch_day(r["topup_date"]): r["Top-ups"] for r in rows}
    mart = {
        d: int(n)
        for d, n in serving_query(
            "select date, sum(orders) from marts.mart_topup_segments group by all"
        )
    }
    assert shown == mart and mart


def test_health_values_equal_the_mart(superset, serving_query) -> None:
    client = api.admin(superset)
    rows = api.chart_rows(client, api.chart_ids(client)["Rows loaded per export day"])
    shown = {(epoch_day(r["day"]), r["domain"]): r["Rows loaded"] for r in rows}
    mart = {
        (d, domain): int(n)
        for d, domain, n in serving_query(
            "select day, domain, sum(rows_loaded) from marts.mart_data_health_daily group by all"
        )
    }
    assert shown == mart and mart


def test_drill_to_detail_reaches_topup_lineage(superset, serving_query) -> None:
    """Drill to detail on the top-up count lists fct_topup rows with file, sheet, row."""
    datasets = {row["table_name"]: row["id"] for row in api.admin(superset).list_all("dataset")}
    client = SupersetClient(superset.url).login_form("admin", ADMIN_PASSWORD)
    day = serving_query("select max(topup_date) from core.fct_topup")[0][0]
    samples = client.request(
        "POST",
        f"/datasource/samples?datasource_id={datasets['fct_topup']}&datasource_type=table"
        "&per_page=500&page=1",
        json={
            "filters": [
                {"col": "topup_date", "op": "==", "val": day.isoformat()},
                {"col": "is_successful", "op": "==", "val": True},
            ]
        },
    )["result"]
    lineage = {(r["source_file"], r["source_sheet"], r["source_row"]) for r in samples["data"]}
    expected = set(
        serving_query(
            "select source_file, source_sheet, source_row from core.fct_topup "
            f"where topup_date = '{day}' and is_successful"
        )
    )
    assert samples["total_count"] == len(expected)
    assert lineage == expected and all(f and s and r for f, s, r in lineage)
