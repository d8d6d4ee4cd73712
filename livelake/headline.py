"""The last day's headline KPIs, read from the serving copy, as a table."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table

from lake.serving import connect_read_only

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


def headline(serving: Path) -> dict[str, object] | None:
    names = ", ".join(name for name, _ in COLUMNS)
    with connect_read_only(serving) as con:
        row = con.execute(
            f"select date, {names} from marts.mart_daily_kpis order by date desc limit 1"
        ).fetchone()
    if row is None:
        return None
    return dict(zip(["date", *(name for name, _ in COLUMNS)], row, strict=True))


def render(serving: Path, console: Console) -> None:
    kpis = headline(serving)
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
