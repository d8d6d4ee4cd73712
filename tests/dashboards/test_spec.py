"""The spec's rules, checked on the spec itself and the serving copy's columns:
every metric is sum / avg / min / max of a mart column or a ratio of two columns'
totals; ratios and distinct counts are never averaged or summed across periods by a
metric; filters never meet a chart's fixed condition on their column."""

from __future__ import annotations

import re

import pytest
from livelake_dashboards import bundle
from livelake_dashboards.model import metric_columns
from livelake_dashboards.spec import DASHBOARDS

pytestmark = pytest.mark.xdist_group("superset")

CHARTS = [chart for dashboard in DASHBOARDS for chart in dashboard.charts]
# columns that are ratios or distinct counts per mart row: a chart spanning several
# rows may not add or average them (a ratio is computed from totals instead)
PER_ROW_RATIOS = re.compile(r"rate|share|per_|arpu|arppu|stickiness|_z\b")


def test_chart_titles_are_unique() -> None:
    titles = [chart.title for chart in CHARTS]
    assert len(titles) == len(set(titles))


def test_every_metric_is_an_aggregate_of_a_mart_column(serving_query) -> None:
    columns = {
        (table, column)
        for table, column in serving_query(
            "select table_name, column_name from information_schema.columns"
        )
    }
    for chart in CHARTS:
        for metric in chart.metrics:
            for column in metric_columns(metric):  # raises on any other shape
                assert (chart.dataset.table, column) in columns, (chart.key, column)


def test_no_count_or_expression_metric() -> None:
    sql = [metric.sql for chart in CHARTS for metric in chart.metrics]
    assert not [s for s in sql if "count(" in s or "case " in s]


def test_ratios_over_several_rows_come_from_totals() -> None:
    """A table or a coarser time grain spans several mart rows per shown value: an
    avg() of a per-row ratio there would be the average of ratios."""
    for chart in CHARTS:
        spans_rows = chart.viz in ("table", "pie") or chart.time_grain != "P1D"
        for metric in chart.metrics:
            if metric.sql.startswith("avg(") and PER_ROW_RATIOS.search(metric.sql):
                one_row_each = (
                    chart.viz == "table"
                    and chart.groupby
                    and chart.groupby[0] == chart.dataset.time_column
                    and chart.dataset.table
                    in ("mart_topup_funnel", "mart_membership_summary", "mart_daily_kpis_by_level")
                ) or (chart.groupby == ("date", "membership_level"))
                grain_is_the_mart = chart.dataset.table in (
                    "mart_category_topup_effectiveness_weekly",
                    "mart_membership_summary",
                    "mart_topup_retention",
                    "mart_topup_funnel",
                )
                assert not spans_rows or one_row_each or grain_is_the_mart, (
                    chart.key,
                    metric.sql,
                )


def test_no_tile_or_monthly_chart_reads_a_partial_period_as_whole(serving_query) -> None:
    """Over a mart that says which periods its data covers whole (is_complete_period),
    a headline counts only a whole period (a month in progress is not comparable with
    the month before), and a chart at a coarser grain than the day keeps partial
    periods out or splits its series by coverage, so they are named apart."""
    marts = {
        table
        for (table,) in serving_query(
            "select table_name from information_schema.columns "
            "where column_name = 'is_complete_period'"
        )
    }
    checked = []
    for chart in CHARTS:
        if chart.dataset.table not in marts or chart.viz == "table":
            continue
        kept_whole = "is_complete_period" in chart.where
        split = any("is_complete_period" in chart.computed.get(c, c) for c in chart.groupby)
        if chart.viz == "big_number":
            assert kept_whole, (chart.key, "a headline of a period the data covers in part")
            checked.append(chart.key)
        elif chart.time_grain != "P1D":
            assert kept_whole or split, (chart.key, "partial periods drawn as whole ones")
            checked.append(chart.key)
    assert len(checked) >= 5, checked  # the three membership tiles, the two monthly charts


def test_a_filter_never_meets_a_fixed_condition_on_its_column() -> None:
    for dashboard in DASHBOARDS:
        ids = {chart.key: n for n, chart in enumerate(dashboard.charts, start=1)}
        filters = bundle.native_filters(dashboard, ids)
        for select in dashboard.filters:
            config = next(f for f in filters if f["id"].endswith(f"-{select.column}"))
            excluded = set(config["scope"]["excluded"])
            for chart in dashboard.charts:
                fixes = any(re.search(rf"\b{select.column}\s+is\s+null", c) for c in chart.where)
                if fixes:
                    assert ids[chart.key] in excluded, (dashboard.slug, chart.key)


def test_no_label_is_the_name_of_another_mart_column(serving_query) -> None:
    """Superset groups a raw table with labelled columns by the labels; an engine that
    resolves a GROUP BY name to a column before an alias (DuckDB, the BigQuery
    emulator) then groups by the other column: the flagged-days table labelled
    agency_label "Agency" came back empty there."""
    columns: dict[str, set[str]] = {}
    for table, column in serving_query(
        "select table_name, column_name from information_schema.columns"
    ):
        columns.setdefault(table, set()).add(column.lower())
    for chart in CHARTS:
        for name, label in chart.labels.items():
            clash = columns[chart.dataset.table] - {name.lower()}
            assert label.lower() not in clash, (chart.key, name, label)
