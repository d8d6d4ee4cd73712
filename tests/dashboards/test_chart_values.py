"""Every chart of every dashboard, through the chart-data API, against a query of the
marts written by hand (`chart_queries.py`), never derived from the spec's metrics.

All rows and all columns are compared: dates and times exactly, counts exactly, money
to the cent, ratios to 1e-9 relative; a chart or a query without rows fails. A table
cut by its row limit shows the first rows of its order (rows tied at the cut may be
either); a big number also shows the latest period's value and the value of its
comparison period, picked as the tile picks them (the series newest first, the value
`compare_lag` points back), which must be the period the query says (a day a week
before, the month before).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
from livelake_dashboards.client import SupersetClient
from livelake_dashboards.spec import DASHBOARDS

from tests.dashboards import api
from tests.dashboards.chart_queries import QUERIES, Independent

pytestmark = pytest.mark.xdist_group("superset")

CHARTS = [
    (dashboard.slug, chart.key, chart.title)
    for dashboard in DASHBOARDS
    for chart in dashboard.charts
]
CENT = Decimal("0.01")
EPOCH = datetime(1970, 1, 1)

Value = Callable[[Any], Any]


# ---------------------------------------------------------------- values compared by type
def as_date(value: Any) -> date | None:
    """Superset sends a date as epoch milliseconds of its UTC midnight."""
    return None if value is None else datetime.fromtimestamp(value / 1000, tz=UTC).date()


def as_timestamp(value: Any) -> datetime | None:
    """A naive (Asia/Taipei wall) timestamp, as epoch milliseconds read as UTC."""
    return None if value is None else EPOCH + timedelta(microseconds=round(value * 1000))


def as_money(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(CENT)


def as_count(value: Any) -> int | None:
    if value is None:
        return None
    assert float(value).is_integer(), f"{value!r} is not a whole number"
    return int(value)


def same_ratio(shown: Any, expected: Any) -> bool:
    if shown is None or expected is None:
        return shown is None and expected is None
    return math.isclose(shown, expected, rel_tol=1e-9)


def kind(duckdb_type: str) -> Value:
    """How a column of the query's type is read from the API's JSON."""
    if duckdb_type == "DATE":
        return as_date
    if duckdb_type.startswith("TIMESTAMP"):
        return as_timestamp
    if duckdb_type.startswith("DECIMAL"):
        return as_money
    if duckdb_type in ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT"):
        return as_count
    if duckdb_type in ("DOUBLE", "FLOAT"):
        return float_or_none
    return lambda value: value


def float_or_none(value: Any) -> float | None:
    return None if value is None else float(value)


class Query:
    """The independent query's rows, each as a dict by label, with its column types."""

    def __init__(self, serving: Path, independent: Independent) -> None:
        with duckdb.connect(str(serving), read_only=True) as con:
            cursor = con.execute(independent.sql)
            self.types = {name: str(code) for name, code, *_ in cursor.description}
            rows = cursor.fetchall()
        self.labels = list(self.types)
        self.readers = {label: kind(self.types[label]) for label in self.labels}
        money = [label for label, t in self.types.items() if t.startswith("DECIMAL")]
        self.rows = [
            {
                label: value.quantize(CENT) if label in money and value is not None else value
                for label, value in zip(self.labels, row, strict=True)
            }
            for row in rows
        ]
        self.ratios = {label for label, t in self.types.items() if t in ("DOUBLE", "FLOAT")}

    def read(self, shown: dict[str, Any]) -> dict[str, Any]:
        """A chart row in the query's types; its columns must be the query's."""
        assert set(shown) == set(self.labels), (
            f"chart columns {sorted(shown)} != query columns {sorted(self.labels)}"
        )
        return {label: self.readers[label](shown[label]) for label in self.labels}

    def same(self, shown: dict[str, Any], expected: dict[str, Any]) -> bool:
        return all(
            same_ratio(shown[label], expected[label])
            if label in self.ratios
            else shown[label] == expected[label]
            for label in self.labels
        )


def unmatched(
    query: Query, shown: list[dict[str, Any]], expected: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Pair each shown row with an equal expected row: (shown left over, expected left over)."""
    left = list(expected)
    extra = []
    for row in shown:
        match = next((i for i, candidate in enumerate(left) if query.same(row, candidate)), None)
        if match is None:
            extra.append(row)
        else:
            left.pop(match)
    return extra, left


def order_key(value: Any) -> tuple[bool, Any]:
    return (value is not None, value)  # a null sorts lowest, as DuckDB's desc puts it last


# ---------------------------------------------------------------- the chart-data API
@pytest.fixture(scope="module")
def client(superset) -> SupersetClient:  # noqa: ANN001 - the shared Superset
    return api.admin(superset)


@pytest.fixture(scope="module")
def chart_ids(client: SupersetClient) -> dict[str, int]:
    return api.chart_ids(client)


def chart_params(client: SupersetClient, chart_id: int) -> dict[str, Any]:
    return json.loads(client.request("GET", f"/api/v1/chart/{chart_id}")["result"]["params"])


# ---------------------------------------------------------------- the tests
@pytest.mark.parametrize(("slug", "key", "title"), CHARTS, ids=[key for _, key, _ in CHARTS])
def test_chart_equals_its_independent_query(
    slug: str,
    key: str,
    title: str,
    client: SupersetClient,
    chart_ids: dict[str, int],
    dashboard_world: Path,
) -> None:
    assert key in QUERIES, f"{slug}: chart {key!r} has no independent query in chart_queries.py"
    independent = QUERIES[key]
    query = Query(dashboard_world / "serving.duckdb", independent)
    shown = [query.read(row) for row in api.chart_rows(client, chart_ids[title])]
    assert shown, f"{slug}: chart {title!r} returned no rows"
    assert query.rows, f"{key}: the independent query found no rows"

    if independent.order is None:
        extra, missing = unmatched(query, shown, query.rows)
        assert not extra and not missing, mismatch(key, extra, missing)
        assert len(shown) == len(query.rows) > 0
    else:
        compare_ordered(key, query, independent, shown)

    if independent.lag is not None:
        compare_tile(key, query, independent, shown, chart_params(client, chart_ids[title]))


def compare_ordered(key: str, query: Query, independent: Independent, shown: list[dict]) -> None:
    """Rows in the table's order, and, cut by its row limit, exactly the first rows of
    that order (which of the rows tied at the cut is free)."""
    label = independent.order
    assert label is not None
    keys = [order_key(row[label]) for row in shown]
    assert keys == sorted(keys, reverse=independent.descending), f"{key}: rows not in {label} order"
    ranked = sorted(
        query.rows, key=lambda row: order_key(row[label]), reverse=independent.descending
    )
    limit = independent.limit or len(ranked)
    count = min(limit, len(ranked))
    assert len(shown) == count > 0, f"{key}: {len(shown)} rows shown, {count} expected"
    cut = order_key(ranked[count - 1][label])

    def before_cut(row: dict) -> bool:
        value = order_key(row[label])
        return value > cut if independent.descending else value < cut

    required = [row for row in ranked if before_cut(row)]
    tied = [row for row in ranked if order_key(row[label]) == cut]
    extra, missing = unmatched(query, shown, required + tied)
    assert not extra, mismatch(key, extra, missing)
    assert not [row for row in missing if before_cut(row)], mismatch(key, extra, missing)


def compare_tile(
    key: str, query: Query, independent: Independent, shown: list[dict], params: dict[str, Any]
) -> None:
    """The big number (the newest period's value, or the newest non-null one) and its
    comparison value (`compare_lag` points back in the series, newest first) are the
    query's values of the latest period and of the period `lag` before it."""
    period, metric = query.labels
    newest_first = sorted(shown, key=lambda row: row[period], reverse=True)
    number_row = next(row for row in newest_first if row[metric] is not None)
    compare_lag = params["compare_lag"]
    assert compare_lag < len(newest_first), f"{key}: no period {compare_lag} back"
    compared = newest_first[compare_lag][metric]

    with duckdb.connect() as con:
        series = {p: v for p, v in ((row[period], row[metric]) for row in query.rows)}
        latest = max(p for p, v in series.items() if v is not None)
        (before,) = con.execute(
            f"select cast(?::date - interval '{independent.lag}' as date)", [latest]
        ).fetchone()
    assert number_row[period] == latest, f"{key}: the tile shows {number_row[period]}, not {latest}"
    assert before in series, f"{key}: no {independent.lag} before {latest} to compare with"
    if metric in query.ratios:
        assert same_ratio(number_row[metric], series[latest]), key
        assert same_ratio(compared, series[before]), f"{key}: compared with the wrong period"
    else:
        assert number_row[metric] == series[latest], key
        assert compared == series[before], f"{key}: compared with the wrong period"
    assert newest_first[compare_lag][period] == before, (
        f"{key}: the tile compares with {newest_first[compare_lag][period]}, not {before}"
    )


def mismatch(key: str, extra: list[dict], missing: list[dict]) -> str:
    return (
        f"{key}: {len(extra)} chart rows not in the query, {len(missing)} query rows not shown\n"
        f"  shown, not expected: {extra[:5]}\n  expected, not shown: {missing[:5]}"
    )


def test_every_chart_has_an_independent_query(client: SupersetClient) -> None:
    """A chart added to a dashboard without a query here fails; so does a stale query."""
    on_dashboards = {
        chart["slice_name"]
        for dashboard in DASHBOARDS
        for chart in api.dashboard_charts(client, dashboard.slug)
    }
    spec_titles = {title: key for _, key, title in CHARTS}
    assert on_dashboards == set(spec_titles)
    assert {spec_titles[title] for title in on_dashboards} == set(QUERIES)
    assert len(QUERIES) == len(CHARTS)
