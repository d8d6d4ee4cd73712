"""The spec as a Superset assets bundle: YAML files zipped the way `/api/v1/assets/import/` takes.

Every asset's UUID is derived from its name in the spec (uuid5), so importing the
bundle again with `overwrite=true` updates each database, dataset, chart and
dashboard in place instead of adding copies. Each chart carries its query context
(the query Superset runs for it), so the chart-data API, the tests and the benchmark
ask exactly what the dashboard shows.
"""

from __future__ import annotations

import io
import json
import re
import uuid
import zipfile
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import yaml

from livelake_dashboards.model import D3_FORMATS, Chart, Dashboard, Dataset, Metric
from livelake_dashboards.spec import DASHBOARDS
from livelake_dashboards.warehouse import Warehouse

NAMESPACE = uuid.UUID("6f1c1d3e-9a52-4b8e-8d6f-2f0b6d1a7c11")
DATABASE_NAME = "livelake"
ROOT = "livelake_assets"
VIZ_TYPES = {
    "big_number": "big_number",
    "line": "echarts_timeseries_line",
    "bar": "echarts_timeseries_bar",
    "table": "table",
    "pie": "pie",
    "heatmap": "heatmap_v2",
    "sankey": "sankey_v2",
}
DATE_FORMAT = "%Y-%m-%d"


def asset_uuid(kind: str, name: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"livelake/{kind}/{name}"))


def database_uuid() -> str:
    return asset_uuid("database", DATABASE_NAME)


def dataset_uuid(dataset: Dataset) -> str:
    return asset_uuid("dataset", f"{dataset.schema}.{dataset.table}")


def chart_uuid(chart: Chart) -> str:
    return asset_uuid("chart", chart.key)


def dashboard_uuid(dashboard: Dashboard) -> str:
    return asset_uuid("dashboard", dashboard.slug)


# ---------------------------------------------------------------- database and datasets
def database_extra(warehouse: Warehouse) -> dict[str, Any]:
    """DuckDB opens the serving copy read-only, so `livelake publish` never waits on us.

    BigQuery needs nothing here: the project and location are in the URI, and the
    driver takes its credentials from the server's environment (key file or ADC),
    so the bundle holds no secret."""
    extra: dict[str, Any] = {"allows_virtual_table_explore": False}
    if warehouse.dialect == "duckdb":
        # No session TimeZone: it needs the icu extension, which DuckDB would download.
        # The marts hold Asia/Taipei dates and naive Taipei wall times already.
        extra["engine_params"] = {"connect_args": {"read_only": True}}
    return extra


def database_yaml(warehouse: Warehouse) -> dict[str, Any]:
    return {
        "database_name": DATABASE_NAME,
        "sqlalchemy_uri": warehouse.uri,
        "cache_timeout": None,
        "expose_in_sqllab": True,
        "allow_run_async": False,
        "allow_ctas": False,
        "allow_cvas": False,
        "allow_dml": False,
        "allow_file_upload": False,
        "extra": database_extra(warehouse),
        "uuid": database_uuid(),
        "version": "1.0.0",
    }


def dataset_yaml(dataset: Dataset, warehouse: Warehouse) -> dict[str, Any]:
    # Only the time column is declared; the others are read from the database after
    # import (`PUT /api/v1/dataset/<id>/refresh`), so the spec never restates a mart.
    time_column = {
        "column_name": dataset.time_column,
        "is_dttm": True,
        "is_active": True,
        "type": "DATE",
        "groupby": True,
        "filterable": True,
        "expression": None,
        "description": None,
        "verbose_name": None,
        "python_date_format": None,
        "extra": None,
        "advanced_data_type": None,
    }
    return {
        "table_name": dataset.table,
        "main_dttm_col": dataset.time_column,
        "description": dataset.description,
        "default_endpoint": None,
        "offset": 0,
        "cache_timeout": None,
        "catalog": None,
        "schema": warehouse.schema(dataset.schema),
        "sql": None,
        "params": None,
        "template_params": None,
        "filter_select_enabled": True,
        "fetch_values_predicate": None,
        "extra": None,
        "normalize_columns": False,
        "always_filter_main_dttm": False,
        "uuid": dataset_uuid(dataset),
        "metrics": saved_metrics(dataset),
        "columns": [time_column],
        "version": "1.0.0",
        "database_uuid": database_uuid(),
    }


def saved_metrics(dataset: Dataset) -> list[dict[str, Any]]:
    """The dataset's saved metrics: only what a filter's dropdown sorts by (a native
    select filter sorts by a saved metric, never an ad-hoc one), e.g. min(membership_rank)
    so membership levels list in rank order."""
    metrics: dict[str, dict[str, Any]] = {}
    for dashboard in DASHBOARDS:
        for select in dashboard.filters:
            if select.rank is None or select.dataset != dataset:
                continue
            assert select.sort_metric is not None
            metrics[select.sort_metric] = {
                "metric_name": select.sort_metric,
                "verbose_name": f"{select.name} order",
                "metric_type": None,
                "expression": f"min({select.rank})",
                "description": f"The rank of {select.column}: the filter lists values by it.",
                "d3format": None,
                "currency": None,
                "extra": None,
                "warning_text": None,
            }
    return list(metrics.values())


# ---------------------------------------------------------------- charts
def adhoc_metric(metric: Metric) -> dict[str, Any]:
    return {
        "expressionType": "SQL",
        "sqlExpression": metric.sql,
        "label": metric.label,
        "hasCustomLabel": True,
        "optionName": f"metric_{uuid.uuid5(NAMESPACE, metric.sql + metric.label).hex[:12]}",
    }


def adhoc_filters(chart: Chart) -> list[dict[str, Any]]:
    filters: list[dict[str, Any]] = [
        {
            "clause": "WHERE",
            "comparator": "No filter",
            "expressionType": "SIMPLE",
            "operator": "TEMPORAL_RANGE",
            "subject": chart.time_column,
        }
    ]
    for condition in chart.where:
        filters.append(
            {
                "clause": "WHERE",
                "expressionType": "SQL",
                "sqlExpression": condition,
                "subject": None,
                "operator": None,
                "comparator": None,
                "filterOptionName": f"filter_{uuid.uuid5(NAMESPACE, condition).hex[:12]}",
            }
        )
    return filters


def base_axis(column: str, grain: str) -> dict[str, Any]:
    return {
        "timeGrain": grain,
        "columnType": "BASE_AXIS",
        "sqlExpression": column,
        "label": column,
        "expressionType": "SQL",
    }


def sort_metric(chart: Chart, metrics: list[dict[str, Any]]) -> tuple[dict[str, Any], bool]:
    """What a table is ordered by: one of its metrics, or max(a grouped column)."""
    if chart.order_by is None:
        return metrics[0], False
    name, ascending = chart.order_by
    for metric in metrics:
        if metric["label"] == name:
            return metric, ascending
    return adhoc_metric(Metric(f"max({name})", f"max({name})")), ascending


def chart_form(chart: Chart) -> tuple[dict[str, Any], dict[str, Any]]:
    """(params, query) of a chart: the form the frontend draws, the query the API runs."""
    metrics = [adhoc_metric(metric) for metric in chart.metrics]
    number_format = D3_FORMATS[chart.metrics[0].format] if chart.metrics else ",d"
    params: dict[str, Any] = {
        "viz_type": VIZ_TYPES[chart.viz],
        "datasource": "0__table",
        "adhoc_filters": adhoc_filters(chart),
        "row_limit": chart.row_limit,
        "color_scheme": "supersetColors",
        "extra_form_data": {},
        "dashboards": [],
    }
    where = " AND ".join(f"({condition})" for condition in chart.where)
    groupby = [column_ref(chart, name) for name in chart.groupby]
    query: dict[str, Any] = {
        "filters": [{"col": chart.time_column, "op": "TEMPORAL_RANGE", "val": "No filter"}],
        "extras": {"having": "", "where": where},
        "applied_time_extras": {},
        "row_limit": chart.row_limit,
        "series_limit": 0,
        "order_desc": True,
        "annotation_layers": [],
        "url_params": {},
        "custom_params": {},
        "custom_form_data": {},
        "post_processing": [],
    }
    if chart.viz in ("line", "bar"):
        assert chart.x_axis is not None, chart.key
        params |= {
            "x_axis": chart.x_axis,
            "time_grain_sqla": chart.time_grain,
            "metrics": metrics,
            "groupby": groupby,
            "order_desc": True,
            "y_axis_format": number_format,
            "x_axis_time_format": DATE_FORMAT,
            "tooltipTimeFormat": DATE_FORMAT,
            "rich_tooltip": True,
            "show_legend": True,
            "legendType": "scroll",
            "legendOrientation": "top",
            "truncate_metric": True,
            "comparison_type": "values",
            "x_axis_sort_asc": True,
            # series named by rank first ("0, regular", "1, silver", ...) sort in rank order
            "sort_series_type": "name",
            "sort_series_ascending": True,
            "truncateXAxis": True,
            "y_axis_bounds": list(chart.extra.get("y_bounds", (None, None))),
            "truncateYAxis": "y_bounds" in chart.extra,
            "annotation_layers": annotation_layers(chart),
        }
        if chart.viz == "line":
            params |= {"seriesType": "line", "markerEnabled": True, "markerSize": 4}
        if "stack" in chart.extra:
            params["stack"] = chart.extra["stack"]
        query |= {
            "columns": [base_axis(chart.x_axis, chart.time_grain), *groupby],
            "series_columns": groupby,
            "metrics": metrics,
            "orderby": [[metrics[0], False]],
        }
    elif chart.viz == "big_number":
        assert chart.x_axis is not None, chart.key
        params |= {
            "x_axis": chart.x_axis,
            "time_grain_sqla": chart.time_grain,
            "metric": metrics[0],
            "show_trend_line": True,
            "start_y_axis_at_zero": False,
            "y_axis_format": number_format,
            "time_format": DATE_FORMAT,
            "header_font_size": 0.4,
            "subheader_font_size": 0.15,
            "rolling_type": "None",
            # the change against the same day a week before, and the day it is as of
            "compare_lag": chart.extra.get("compare_lag", 7),
            "compare_suffix": chart.extra.get("compare_suffix", "vs the week before"),
            "show_timestamp": True,
            "subtitle": chart.description,
        }
        query |= {
            "columns": [base_axis(chart.x_axis, chart.time_grain)],
            "metrics": metrics,
            "orderby": [],
        }
    elif chart.viz == "table" and chart.columns:
        sort = [chart.order_by or (chart.columns[0], True), *chart.then_by]
        orderby = [[column_ref(chart, name, labelled=False), asc] for name, asc in sort]
        columns = [column_ref(chart, name) for name in chart.columns]
        params |= {
            "query_mode": "raw",
            "all_columns": columns,
            "order_by_cols": [json.dumps(key) for key in orderby],
            "table_timestamp_format": chart.extra.get("timestamp_format", DATE_FORMAT),
            "include_search": True,
            "server_pagination": False,
            "show_cell_bars": False,
            "column_config": {
                chart.labels.get(name, name): {"d3NumberFormat": D3_FORMATS[fmt]}
                for name, fmt in chart.column_formats.items()
            },
            "conditional_formatting": conditional_formatting(chart),
        }
        # metrics None, not []: Superset groups by every column of a query whose metrics
        # are a list, even an empty one (fct_topup grouped whole: seconds, not ms)
        query |= {"columns": columns, "metrics": None, "orderby": orderby}
    elif chart.viz == "table":
        by, ascending = sort_metric(chart, metrics)
        params |= {
            "query_mode": "aggregate",
            "groupby": groupby,
            "metrics": metrics,
            "timeseries_limit_metric": by,
            "order_desc": not ascending,
            "table_timestamp_format": DATE_FORMAT,
            "include_search": True,
            "server_pagination": False,
            "show_cell_bars": False,
            "column_config": {
                metric.label: {"d3NumberFormat": D3_FORMATS[metric.format]}
                for metric in chart.metrics
            },
            "conditional_formatting": conditional_formatting(chart),
        }
        query |= {
            "columns": groupby,
            "metrics": metrics,
            "orderby": [[by, ascending]],
        }
    elif chart.viz == "pie":
        params |= {
            "groupby": groupby,
            "metric": metrics[0],
            "sort_by_metric": True,
            "number_format": number_format,
            "label_type": "key_percent",
            "show_labels": True,
            "show_legend": True,
            "legendOrientation": "top",
            "donut": False,  # a donut's labels were cut; labels outside, with lines
            "labels_outside": True,
            "label_line": True,
            "outerRadius": 60,
        }
        query |= {
            "columns": groupby,
            "metrics": metrics,
            "orderby": [[metrics[0], False]],
        }
    elif chart.viz == "heatmap":
        assert chart.x_axis is not None and len(chart.groupby) == 1, chart.key
        params |= {
            "x_axis": chart.x_axis,
            "groupby": groupby[0],
            "metric": metrics[0],
            "normalize_across": "heatmap",
            "show_values": True,
            "show_legend": True,
            "legend_type": "continuous",
            "linear_color_scheme": "superset_seq_1",
            "y_axis_format": number_format,
            "x_axis_time_format": DATE_FORMAT,
            "time_format": DATE_FORMAT,
            "sort_x_axis": "alpha_asc",
            "sort_y_axis": "alpha_asc",
            "xscale_interval": -1,
            "yscale_interval": -1,
            "value_bounds": [None, None],
        }
        query |= {
            "columns": [chart.x_axis, groupby[0]],
            "metrics": metrics,
            "orderby": [],
        }
    elif chart.viz == "sankey":
        source, target = chart.groupby
        params |= {"source": source, "target": target, "metric": metrics[0]}
        query |= {"columns": [source, target], "metrics": metrics, "orderby": [[metrics[0], False]]}
    else:  # pragma: no cover - the Viz literal is closed
        raise ValueError(f"unknown viz {chart.viz}")
    return params, query


def column_ref(chart: Chart, name: str, labelled: bool = True) -> str | dict[str, Any]:
    """A column as Superset takes it: the mart column's name, or an ad-hoc column for
    one the spec computes (chart.computed) or shows under people's name (chart.labels)."""
    label = chart.labels.get(name, name) if labelled else name
    if name not in chart.computed and label == name:
        return name
    return {
        "label": label,
        "sqlExpression": chart.computed.get(name, name),
        "expressionType": "SQL",
    }


def conditional_formatting(chart: Chart) -> list[dict[str, Any]]:
    """Cells coloured where the spec says a value needs attention."""
    return [
        {
            "column": chart.labels.get(column, column),
            "operator": operator,
            "targetValue": value,
            "colorScheme": colour,
            "useGradient": False,  # the colour itself, not a shade by distance
        }
        for column, operator, value, colour in chart.highlights
    ]


def annotation_layers(chart: Chart) -> list[dict[str, Any]]:
    """The ±band of a z-score chart: constant lines, so flagged days stand out."""
    band = chart.extra.get("zscore_band")
    if band is None:
        return []
    return [
        {
            "name": f"{sign}{band} standard deviations",
            "annotationType": "FORMULA",
            "sourceType": "",
            "value": f"{sign}{band}",
            "overrides": {},
            "show": True,
            "showLabel": True,
            "titleColumn": "",
            "descriptionColumns": [],
            "timeColumn": "",
            "intervalEndColumn": "",
            "color": "#e04355",
            "opacity": "",
            "style": "dashed",
            "width": 1,
            "showMarkers": False,
            "hideLine": False,
        }
        for sign in ("+", "-")
    ]


def chart_yaml(chart: Chart) -> dict[str, Any]:
    params, query = chart_form(chart)
    query_context = {
        "datasource": {"id": 0, "type": "table"},
        "force": False,
        "queries": [query],
        "form_data": params,
        "result_format": "json",
        "result_type": "full",
    }
    return {
        "slice_name": chart.title,
        "description": chart.description,
        "certified_by": None,
        "certification_details": None,
        "viz_type": VIZ_TYPES[chart.viz],
        "params": params,
        "query_context": json.dumps(query_context),
        "cache_timeout": None,
        "uuid": chart_uuid(chart),
        "version": "1.0.0",
        "dataset_uuid": dataset_uuid(chart.dataset),
    }


# ---------------------------------------------------------------- dashboards
def dashboard_yaml(dashboard: Dashboard) -> dict[str, Any]:
    # Chart ids are placeholders (1..n): the import maps them to the real ids by uuid.
    ids = {chart.key: number for number, chart in enumerate(dashboard.charts, start=1)}
    intro_id = "MARKDOWN-intro"
    row_ids = ["ROW-intro", *(f"ROW-{index}" for index in range(len(dashboard.rows)))]
    position: dict[str, Any] = {
        "DASHBOARD_VERSION_KEY": "v2",
        "ROOT_ID": {"type": "ROOT", "id": "ROOT_ID", "children": ["GRID_ID"]},
        "GRID_ID": {"type": "GRID", "id": "GRID_ID", "children": row_ids, "parents": ["ROOT_ID"]},
        "HEADER_ID": {"type": "HEADER", "id": "HEADER_ID", "meta": {"text": dashboard.title}},
        "ROW-intro": row("ROW-intro", [intro_id]),
        intro_id: {
            "type": "MARKDOWN",
            "id": intro_id,
            "children": [],
            "parents": ["ROOT_ID", "GRID_ID", "ROW-intro"],
            "meta": {
                "code": f"**{dashboard.description}** Dates are Asia/Taipei days; money is NT$.",
                "width": 12,
                "height": 8,
            },
        },
    }
    for row_id, charts in zip(row_ids[1:], dashboard.rows, strict=True):
        children = []
        for chart in charts:
            chart_id = f"CHART-{chart.key}"
            parents = ["ROOT_ID", "GRID_ID", row_id]
            if chart.viz != "big_number":  # a tile shows its description as its subtitle
                # Superset 6.1.0 cannot show a chart's own description on a dashboard
                # (its hydrate keeps `description_markeddown`, the chart reads
                # `description_markdown`), so each chart sits in a column under a
                # markdown line with its description from the spec.
                column_id, text_id = f"COLUMN-{chart.key}", f"MARKDOWN-{chart.key}"
                position[column_id] = {
                    "type": "COLUMN",
                    "id": column_id,
                    "children": [text_id, chart_id],
                    "parents": parents,
                    "meta": {"width": chart.width, "background": "BACKGROUND_TRANSPARENT"},
                }
                parents = [*parents, column_id]
                position[text_id] = {
                    "type": "MARKDOWN",
                    "id": text_id,
                    "children": [],
                    "parents": parents,
                    "meta": {
                        "code": description_markdown(chart),
                        "width": chart.width,
                        "height": description_height(chart),
                    },
                }
                children.append(column_id)
            else:
                children.append(chart_id)
            position[chart_id] = {
                "type": "CHART",
                "id": chart_id,
                "children": [],
                "parents": parents,
                "meta": {
                    "chartId": ids[chart.key],
                    "uuid": chart_uuid(chart),
                    "sliceName": chart.title,
                    "width": chart.width,
                    "height": chart.height,
                },
            }
        position[row_id] = row(row_id, children)
    metadata = {
        "native_filter_configuration": native_filters(dashboard, ids),
        "expanded_slices": {},  # shows nothing in 6.1.0: see dashboard_yaml
        "timed_refresh_immune_slices": [],
        "default_filters": "{}",
        "color_scheme": "supersetColors",
        "label_colors": {},
        "shared_label_colors": [],
        "color_scheme_domain": [],
        "cross_filters_enabled": False,
        "refresh_frequency": 0,
        "chart_configuration": {},
        "global_chart_configuration": {
            "scope": {"rootPath": ["ROOT_ID"], "excluded": []},
            "chartsInScope": [],
        },
    }
    return {
        "dashboard_title": dashboard.title,
        "description": None,
        "css": "",
        "slug": dashboard.slug,
        "certified_by": "",
        "certification_details": "",
        "published": True,
        "uuid": dashboard_uuid(dashboard),
        "position": position,
        "metadata": metadata,
        "version": "1.0.0",
    }


def description_markdown(chart: Chart) -> str:
    """The line above a chart: its description from the spec, as plain text."""
    return re.sub(r"([\\`*_\[\]<>#|])", r"\\\1", chart.description)


def description_height(chart: Chart) -> int:
    """Grid units (8 px) for the description at the chart's width: about 13 characters
    of 14 px text per column of 12 (word wrap included), 3 units a line, plus the
    markdown's padding."""
    lines = -(-len(chart.description) // (13 * chart.width))
    return 3 * lines + 5


def row(row_id: str, children: list[str]) -> dict[str, Any]:
    return {
        "type": "ROW",
        "id": row_id,
        "children": children,
        "parents": ["ROOT_ID", "GRID_ID"],
        "meta": {"background": "BACKGROUND_TRANSPARENT"},
    }


def date_filter_id(dashboard: Dashboard) -> str:
    """The id of a dashboard's date range filter (defaults.py sets its default)."""
    return f"NATIVE_FILTER-{dashboard.slug}-date"


def native_filters(dashboard: Dashboard, ids: dict[str, int]) -> list[dict[str, Any]]:
    """A date range over every chart, and each select filter over the charts it fits."""
    empty_mask = {"extraFormData": {}, "filterState": {}, "ownState": {}}
    timeless = [ids[chart.key] for chart in dashboard.charts if chart.extra.get("no_time_filter")]
    filters: list[dict[str, Any]] = [
        {
            "id": date_filter_id(dashboard),
            "name": "Date range (Asia/Taipei)",
            "filterType": "filter_time",
            "targets": [{}],
            "controlValues": {"enableEmptyFilter": False},
            "defaultDataMask": empty_mask,
            "cascadeParentIds": [],
            "scope": {"rootPath": ["ROOT_ID"], "excluded": timeless},
            "type": "NATIVE_FILTER",
            "description": "Days are Asia/Taipei calendar days. Opens on the latest complete "
            "range: from the first day of the month three months before the latest day with "
            "a User Activity report, to that day (set again at each sync after a publish).",
        }
    ]
    for select in dashboard.filters:
        fits = {dataset_uuid(dataset) for dataset in select.applies_to}
        filters.append(
            {
                "id": f"NATIVE_FILTER-{dashboard.slug}-{select.column}",
                "name": select.name,
                "filterType": "filter_select",
                "targets": [
                    {"column": {"name": select.column}, "datasetUuid": dataset_uuid(select.dataset)}
                ],
                "controlValues": {
                    "enableEmptyFilter": False,
                    "defaultToFirstItem": False,
                    "multiSelect": True,
                    "searchAllOptions": False,
                    "inverseSelection": False,
                    "sortAscending": True,
                },
                "sortMetric": select.sort_metric,
                "defaultDataMask": empty_mask,
                "cascadeParentIds": [],
                "scope": {
                    "rootPath": ["ROOT_ID"],
                    "excluded": [
                        ids[chart.key]
                        for chart in dashboard.charts
                        if dataset_uuid(chart.dataset) not in fits
                        or select.column in chart.ignores_filters
                    ],
                },
                "type": "NATIVE_FILTER",
                "description": "",
            }
        )
    return filters


# ---------------------------------------------------------------- the bundle
def datasets_of(dashboards: Iterable[Dashboard]) -> list[Dataset]:
    seen: dict[str, Dataset] = {}
    for dashboard in dashboards:
        for chart in dashboard.charts:
            seen.setdefault(dataset_uuid(chart.dataset), chart.dataset)
    return list(seen.values())


def files(warehouse: Warehouse) -> dict[str, dict[str, Any]]:
    """Every asset as (path in the bundle -> YAML document)."""
    out: dict[str, dict[str, Any]] = {
        "metadata.yaml": {
            "version": "1.0.0",
            "type": "assets",
            "timestamp": datetime.now(UTC).isoformat(),
        },
        f"databases/{DATABASE_NAME}.yaml": database_yaml(warehouse),
    }
    for dataset in datasets_of(DASHBOARDS):
        out[f"datasets/{DATABASE_NAME}/{dataset.schema}.{dataset.table}.yaml"] = dataset_yaml(
            dataset, warehouse
        )
    for dashboard in DASHBOARDS:
        for chart in dashboard.charts:
            out[f"charts/{chart.key}.yaml"] = chart_yaml(chart)
        out[f"dashboards/{dashboard.slug}.yaml"] = dashboard_yaml(dashboard)
    return out


def zip_bundle(warehouse: Warehouse) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, document in files(warehouse).items():
            archive.writestr(
                f"{ROOT}/{path}", yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
            )
    return buffer.getvalue()
