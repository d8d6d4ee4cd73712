"""The vocabulary of the dashboard spec: datasets, metrics, charts, filters, dashboards.

`spec.py` describes livelake's six dashboards in these terms; `bundle.py` turns them
into Superset's YAML assets. Every metric is sum / avg / min / max of one mart
column, or a ratio over several mart rows computed from totals,
sum(numerator) / sum(denominator) of two columns the mart exposes (`ratio`): never
an average of daily ratios, never a distinct count summed across periods, never a
count or expression defined here.
"""

from __future__ import annotations

import re
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


# The only metric shapes a chart may use (see the module docstring).
AGGREGATE = re.compile(r"^(sum|avg|min|max)\((\w+)\)$")
RATIO = re.compile(r"^sum\((\w+)\)( \* \d+)? / nullif\(sum\((\w+)\), 0\)$")


def aggregate(function: str, column: str, label: str, fmt: Format = "int") -> Metric:
    return Metric(f"{function}({column})", label, fmt)


def ratio(
    numerator: str, denominator: str, label: str, fmt: Format = "percent", scale: int = 1
) -> Metric:
    """sum(numerator) / sum(denominator) over the rows a chart groups (times a unit
    scale, e.g. 60 for per-hour from minutes): the ratio of the totals."""
    times = f" * {scale}" if scale != 1 else ""
    return Metric(f"sum({numerator}){times} / nullif(sum({denominator}), 0)", label, fmt)


def metric_columns(metric: Metric) -> tuple[str, ...]:
    """The mart columns a metric reads; ValueError for any other shape."""
    if found := AGGREGATE.match(metric.sql):
        return (found.group(2),)
    if found := RATIO.match(metric.sql):
        return (found.group(1), found.group(3))
    raise ValueError(f"metric {metric.label!r} is not an aggregate of a mart column: {metric.sql}")


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
    then_by: tuple[tuple[str, bool], ...] = ()  # a raw table's further sort keys
    # columns the mart lacks, computed per row from its columns (name -> SQL), e.g. a
    # membership level's rank from LEVEL_RANK: shown, grouped or sorted by like columns
    computed: dict[str, str] = field(default_factory=dict, hash=False, compare=False)
    column_formats: dict[str, Format] = field(default_factory=dict, hash=False, compare=False)
    # people's names for raw table columns (column -> label)
    labels: dict[str, str] = field(default_factory=dict, hash=False, compare=False)
    # Superset table conditional formatting: (column or metric label, operator, value, colour)
    highlights: tuple[tuple[str, str, float | str, str], ...] = ()
    # dashboard filters on these columns do not apply (the chart fixes the column, e.g.
    # the platform-wide rows where agency is null): scoped away, never blanking the chart
    ignores_filters: tuple[str, ...] = ()
    row_limit: int = 10000
    width: int = 6
    height: int = 50
    extra: dict[str, object] = field(default_factory=dict, hash=False, compare=False)

    @property
    def time_column(self) -> str:
        return self.dataset.time_column


LEVELS = ("regular", "silver", "gold", "platinum", "diamond")  # membership, lowest first


def level_rank(column: str) -> str:
    """A membership level column's rank (0 = regular ... 4 = diamond), for marts that
    carry the level without `membership_rank`: levels sort by rank, never by name.
    tests/dashboards/test_spec.py holds LEVELS to the marts' membership_rank."""
    cases = " ".join(f"when '{level}' then {rank}" for rank, level in enumerate(LEVELS))
    return f"case {column} {cases} end"


@dataclass(frozen=True)
class SelectFilter:
    """A native filter on one column, applied to the charts whose dataset has it."""

    name: str
    dataset: Dataset  # where the filter's values come from
    column: str
    also: tuple[Dataset, ...] = ()  # other datasets that have the column
    # the SQL of a value's rank on `dataset` (a mart column, or level_rank()): the
    # dropdown lists values by min(rank), lowest first, instead of alphabetically
    rank: str | None = None

    @property
    def sort_metric(self) -> str | None:
        """The name of the dataset's saved metric the dropdown is sorted by."""
        return f"{self.column}_order" if self.rank else None

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
