"""The last day's headline KPIs, as a table: read from the serving copy (dev) or from
BigQuery's marts (LIVELAKE_TARGET=prod), the same query and the same rendering."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

from lake.serving import connect_read_only

if TYPE_CHECKING:
    from settings.bigquery import BigQuerySettings

COLUMNS = (
    ("dau", "{:,.0f}"),
    ("wau", "{:,.0f}"),
    ("mau", "{:,.0f}"),
    ("stickiness", "{:.1%}"),
    ("new_users", "{:,.0f}"),
    ("paying_users", "{:,.0f}"),
    ("topup_revenue", "NT${:,.2f}"),
    ("arppu", "NT${:,.2f}"),
    ("arpu", "NT${:,.2f}"),
    ("refund_rate", "{:.2%}"),
    ("watch_minutes_per_dau", "{:,.1f}"),
    ("messages_per_dau", "{:,.2f}"),
)


def _query(mart: str) -> str:
    names = ", ".join(name for name, _ in COLUMNS)
    return f"select date, {names} from {mart} order by date desc limit 1"


def _named(row: tuple | None) -> dict[str, object] | None:
    if row is None:
        return None
    return dict(zip(["date", *(name for name, _ in COLUMNS)], row, strict=True))


def from_serving(serving: Path) -> dict[str, object] | None:
    """The newest day of the serving copy's mart_daily_kpis (None: empty)."""
    with connect_read_only(serving) as con:
        return _named(con.execute(_query("marts.mart_daily_kpis")).fetchone())


def from_bigquery(settings: BigQuerySettings) -> dict[str, object] | None:
    """The newest day of mart_daily_kpis in BigQuery (<dataset>_marts), within the
    settings' request and job timeouts (settings.bigquery_client.bounds)."""
    from settings.bigquery_client import bounds, connect

    limits = bounds(settings)
    mart = f"`{settings.project}.{settings.marts_dataset()}.mart_daily_kpis`"
    client = connect(settings)
    try:
        job = client.query(_query(mart), timeout=limits.request_timeout, retry=limits.retry)
        rows = list(job.result(timeout=limits.job_timeout, retry=limits.retry))
    finally:
        client.close()
    return _named(tuple(rows[0].values()) if rows else None)


def render(kpis: dict[str, object] | None, console: Console) -> None:
    if kpis is None:
        console.print("no KPIs yet: mart_daily_kpis is empty")
        return
    table = Table(title=f"headline KPIs for {kpis['date']} (Asia/Taipei)")
    table.add_column("kpi")
    table.add_column("value", justify="right")
    for name, fmt in COLUMNS:
        value = kpis[name]
        table.add_row(name, "—" if value is None else fmt.format(value))
    console.print(table)
