"""The vocabulary of the dashboard spec: datasets, metrics, charts, filters, dashboards.

`spec.py` describes livelake's six dashboards in these terms; `bundle.py` turns them
into Superset's YAML assets. Every metric is a mart column, summed or averaged only
where the chart's grouping spans several mart rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Viz = Literal["big_number", "line", "bar", "table", "pie", "heatmap", "sankey"]
Format = Literal["int", "money", "cents", "percent", "decimal", "hours"]

D3_FORMATS: dict[str, str] = {
    "int": ",d",
    "money": "$,.0f",  # the D3 locale's currency is NT$ (superset_config.D3_FORMAT)
    "cents": "$,.2f",
    "percent": ".1%",
    "decimal": ",.2f",
    "hours": ",.1f",
}


@dataclass(frozen=True)
class Dataset:
    """A physical dataset over one mart table."""

    table: str
    time_column: str
    description: str
    schema: str = "marts"


@dataclass(frozen=True)
class Metric:
    sql: str
    label: str
    format: Format = "int"


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    description: str
    viz: Viz
    dataset: Dataset
    metrics: tuple[Metric, ...] = ()
    groupby: tuple[str, ...] = ()
    x_axis: str | None = None  # a temporal column (time series) or the heat map's x
    time_grain: str = "P1D"
    where: tuple[str, ...] = ()  # fixed SQL conditions (e.g. period_grain = 'month')
    columns: tuple[str, ...] = ()  # raw table columns (viz = table, no metrics)
    order_by: tuple[str, bool] | None = None  # (column or metric label, ascending)
    column_formats: dict[str, Format] = field(default_factory=dict, hash=False, compare=False)
    row_limit: int = 10000
    width: int = 6
    height: int = 50
    extra: dict[str, object] = field(default_factory=dict, hash=False, compare=False)

    @property
    def time_column(self) -> str:
        return self.dataset.time_column


@dataclass(frozen=True)
class SelectFilter:
    """A native filter on one column, applied to the charts whose dataset has it."""

    name: str
    dataset: Dataset  # where the filter's values come from
    column: str
    also: tuple[Dataset, ...] = ()  # other datasets that have the column

    @property
    def applies_to(self) -> tuple[Dataset, ...]:
        return (self.dataset, *self.also)


@dataclass(frozen=True)
class Dashboard:
    slug: str
    title: str
    description: str
    rows: tuple[tuple[Chart, ...], ...]
    filters: tuple[SelectFilter, ...] = ()

    @property
    def charts(self) -> tuple[Chart, ...]:
        return tuple(chart for row in self.rows for chart in row)
