"""Superset on BigQuery (LIVELAKE_TARGET=prod): the database definition, every chart's
SQL as Superset compiles it for BigQuery, and the charts' values against the emulator
equal to the same charts on DuckDB."""

from __future__ import annotations

import math
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlglot
from livelake_dashboards import bundle
from livelake_dashboards.model import Chart
from livelake_dashboards.spec import DASHBOARDS
from livelake_dashboards.warehouse import TargetError, Warehouse
from sqlglot import exp

from tests.bigquery import dialect as bigquery_sql
from tests.dashboards import api
from tests.dashboards.superset_server import REPO_ROOT

pytestmark = pytest.mark.xdist_group("superset")

PROD = {"LIVELAKE_TARGET": "prod", "LIVELAKE_GCP_PROJECT": "acme-analytics"}


# ---------------------------------------------------------------- the definition
def test_prod_reads_bigquery_with_no_secret_in_the_bundle(tmp_path: Path) -> None:
    warehouse = Warehouse.from_env(tmp_path, PROD)
    assert warehouse.uri == "bigquery://acme-analytics?location=asia-east1"
    assert warehouse.dialect == "bigquery"
    assert (warehouse.schema("marts"), warehouse.schema("core")) == (
        "livelake_marts",
        "livelake_core",
    )
    files = bundle.files(warehouse)
    database = files[f"databases/{bundle.DATABASE_NAME}.yaml"]
    assert database["sqlalchemy_uri"] == warehouse.uri
    assert "engine_params" not in database["extra"] and "encrypted_extra" not in database
    text = repr(files)
    assert "credentials" not in text and "private_key" not in text
    schemas = {doc["schema"] for path, doc in files.items() if path.startswith("datasets/")}
    assert schemas == {"livelake_marts", "livelake_core"}
    # The same assets (uuids) as dev: switching targets updates them in place.
    dev = bundle.files(Warehouse.from_env(tmp_path, {}))
    assert set(dev) == set(files)
    assert {d["uuid"] for d in dev.values() if "uuid" in d} == {
        d["uuid"] for d in files.values() if "uuid" in d
    }


def test_dev_is_the_serving_copy_and_the_uri_override_wins(tmp_path: Path) -> None:
    assert Warehouse.from_env(tmp_path, {}).uri == f"duckdb:///{tmp_path / 'serving.duckdb'}"
    env = {**PROD, "LIVELAKE_BQ_LOCATION": "US", "LIVELAKE_BQ_DATASET": "analytics"}
    warehouse = Warehouse.from_env(tmp_path, env)
    assert warehouse.uri == "bigquery://acme-analytics?location=US"
    assert warehouse.schema("marts") == "analytics_marts"
    override = {**PROD, "LIVELAKE_SUPERSET_DATABASE_URI": "bigquery://other"}
    assert Warehouse.from_env(tmp_path, override).uri == "bigquery://other"


def test_prod_without_a_project_or_a_known_target_says_what_to_set(tmp_path: Path) -> None:
    with pytest.raises(TargetError, match="LIVELAKE_GCP_PROJECT"):
        Warehouse.from_env(tmp_path, {"LIVELAKE_TARGET": "prod"})
    with pytest.raises(TargetError, match="dev, prod"):
        Warehouse.from_env(tmp_path, {"LIVELAKE_TARGET": "staging"})


def test_the_marts_datasets_are_where_dbt_prod_writes_them() -> None:
    """dbt prod: dataset LIVELAKE_BQ_DATASET (default livelake), custom schemas
    `<dataset>_<schema>`; the dashboards' naming must be the same."""
    macro = (REPO_ROOT / "transform" / "macros" / "generate_schema_name.sql").read_text()
    assert "{{ target.schema }}_{{ custom_schema_name | trim }}" in macro
    profiles = (REPO_ROOT / "transform" / "profiles.yml").read_text()
    assert "dataset: \"{{ env_var('LIVELAKE_BQ_DATASET', '') | trim or 'livelake' }}\"" in profiles


def spec_sql(chart: Chart) -> list[str]:
    return [metric.sql for metric in chart.metrics] + list(chart.where)


def test_every_metric_and_filter_of_the_spec_is_plain_sql_of_both_engines() -> None:
    for dashboard in DASHBOARDS:
        for chart in dashboard.charts:
            for sql in spec_sql(chart):
                for dialect in ("bigquery", "duckdb"):
                    sqlglot.parse_one(f"select {sql} from t", read=dialect)
                assert not duckdb_only(f"select {sql} from t"), (chart.key, sql)


def duckdb_only(sql: str) -> set[str]:
    """Functions in `sql` (read as BigQuery) that BigQuery lacks, `::` casts, and any
    function sqlglot does not know (a chart's SQL uses standard functions only)."""
    tree = sqlglot.parse_one(sql, read="bigquery")
    unknown = {node.name.lower() for node in tree.find_all(exp.Anonymous)}
    return bigquery_sql.duckdb_only(tree, sql) | unknown


def test_the_check_refuses_duckdb_only_sql() -> None:
    assert duckdb_only("select strftime(d, '%Y') from t") == {"strftime"}
    assert duckdb_only("select epoch_ms(x) as a, list_value(1, 2) as b from t") >= {
        "epoch_ms",
        "list_value",
    }
    assert duckdb_only("select cast(x as int64) as a, y::int as b from t") == {"::"}
    assert not duckdb_only("select date_trunc(d, month) as d, sum(x) as s from t group by d")


# ---------------------------------------------------------------- against the emulator
def test_every_chart_query_is_bigquery_sql_over_the_marts_datasets(bigquery_superset) -> None:
    """The SQL Superset would run for each chart on BigQuery (result_type `query`)."""
    client = api.admin(bigquery_superset)
    charts = client.list_all("chart")
    assert len(charts) == sum(len(d.charts) for d in DASHBOARDS)
    for chart in charts:
        response = client.raw("GET", f"/api/v1/chart/{chart['id']}/data/?type=query")
        assert response.status_code == 200, (chart["slice_name"], response.text[:500])
        for result in response.json()["result"]:
            sql = result["query"]
            tree = sqlglot.parse_one(sql, read="bigquery")
            tables = {(t.db, t.name) for t in tree.find_all(exp.Table)}
            assert tables and {db for db, _ in tables} <= {"livelake_marts", "livelake_core"}, sql
            assert not duckdb_only(sql), (chart["slice_name"], sql)


def same(mine: Any, theirs: Any, money: bool) -> bool:
    """Money to the cent, other numbers within 1e-9, everything else exactly."""
    if isinstance(mine, int | float) and isinstance(theirs, int | float):
        if money:
            cents = Decimal("0.01")
            return Decimal(str(mine)).quantize(cents) == Decimal(str(theirs)).quantize(cents)
        return math.isclose(mine, theirs, rel_tol=1e-9, abs_tol=1e-9)
    return mine == theirs


def sort_key(row: dict[str, Any]) -> tuple[str, ...]:
    return tuple(
        f"{value:.4f}" if isinstance(value, float) else repr(value) for value in row.values()
    )


def test_the_emulator_groups_by_a_column_where_bigquery_groups_by_the_alias(bq) -> None:
    """Superset groups a time axis by its label, `select date_trunc(c, month) as c ...
    group by c`; BigQuery resolves `c` to the alias (one row per month), the emulator
    (DuckDB inside) to the column. So a chart whose time grain is coarser than its
    column's own grain (weekly cohorts per month) could not be compared on the
    emulator: every chart keeps its mart's grain (the funnel is a table of weekly
    cohorts), so all of them are compared."""
    sql = (
        "select date_trunc(c, month) as c, count(*) as n from "
        "(select date '2026-03-02' as c union all select date '2026-03-09' as c) group by c"
    )
    rows = list(bq.query(sql).result(timeout=60))
    assert [row["n"] for row in rows] == [1, 1]  # real BigQuery: [2]


@pytest.mark.parametrize("slug", [d.slug for d in DASHBOARDS])
def test_a_dashboards_charts_return_the_same_values_on_bigquery(
    superset, bigquery_superset, slug: str
) -> None:
    dashboard = next(d for d in DASHBOARDS if d.slug == slug)
    money_labels = {
        metric.label
        for chart in dashboard.charts
        for metric in chart.metrics
        if metric.format in ("money", "cents")
    }
    dev, prod = api.admin(superset), api.admin(bigquery_superset)
    dev_ids, prod_ids = api.chart_ids(dev), api.chart_ids(prod)
    for chart in dashboard.charts:
        expected = sorted(api.chart_rows(dev, dev_ids[chart.title]), key=sort_key)
        shown = sorted(api.chart_rows(prod, prod_ids[chart.title]), key=sort_key)
        assert expected, chart.key
        assert len(shown) == len(expected), chart.key
        for want, got in zip(expected, shown, strict=True):
            assert set(got) == set(want), chart.key
            for column, value in want.items():
                assert same(got[column], value, column in money_labels), (chart.key, want, got)


def test_the_viewer_reads_every_chart_on_bigquery(bigquery_superset) -> None:
    """The viewer's dataset permissions name the BigQuery datasets, not dev's schemas."""
    client = api.viewer(bigquery_superset)
    for dashboard in DASHBOARDS:
        for chart in api.dashboard_charts(client, dashboard.slug):
            assert api.chart_rows(client, chart["id"]), (dashboard.slug, chart["slice_name"])
