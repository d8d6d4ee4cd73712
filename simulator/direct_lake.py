"""Write a simulated world straight into a lake, without workbooks.

The transform benchmark and the incremental-equals-full-build test need a lake
that grows day by day and gets late corrections, at scales where writing and
reading a year of xlsx would only measure the ingest. Each call is one committed
run (lake.runs): what one export per table and day would have put in the lake, the
same columns and lineage, one part per table and day, in the lake's layout. It
writes no manifest: there are no workbooks.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import polars as pl

from ingest.contracts import DOMAINS
from ingest.files import LINEAGE_SCHEMA, lake_columns
from lake.runs import RunWriter, open_run
from simulator.vocab import LEVELS

TAIPEI = dt.timezone(dt.timedelta(hours=8))


def resolved_world(scale: str, seed: int) -> dict[str, pl.DataFrame]:
    """The resolved truth of a simulated world (latest export wins), per lake table."""
    from simulator.plan import build_plan
    from simulator.scales import get_scale
    from simulator.truth import world_tables
    from simulator.world import simulate

    world = simulate(get_scale(scale), seed)
    return world_tables(world, build_plan(world, seed, xls=False))


def report_days(world: dict[str, pl.DataFrame]) -> list[dt.date]:
    """Every report date of the world, in order."""
    return sorted(world["channel_stats"]["report_date"].unique().to_list())


def _write_export(
    run: RunWriter, table: str, day: dt.date, rows: pl.DataFrame, version: int
) -> None:
    """One day's export of one table as the ingest would have written it: exported
    the morning after the day (plus `version` days for a re-export)."""
    domain = next(d for d in DOMAINS if d.table == table)
    exported = dt.datetime.combine(day + dt.timedelta(days=1 + version), dt.time(9), TAIPEI)
    sha = hashlib.sha256(f"{table}/{day}/{version}".encode()).hexdigest()
    frame = rows.with_columns(
        pl.lit(f"direct/{table}_{day:%Y%m%d}_v{version}.xlsx").alias("source_file"),
        pl.lit("Sheet1").alias("source_sheet"),
        (pl.int_range(pl.len()) + 2).cast(pl.Int64).alias("source_row"),
        pl.lit(sha).alias("file_sha256"),
        pl.lit(exported.astimezone(dt.UTC))
        .cast(LINEAGE_SCHEMA["exported_at"])
        .alias("exported_at"),
        pl.lit(run.started_at).cast(LINEAGE_SCHEMA["ingested_at"]).alias("ingested_at"),
        pl.lit(None, pl.String).alias("extra_columns"),
        pl.lit(run.run_id, LINEAGE_SCHEMA["run_id"]).alias("run_id"),
    ).select(lake_columns(domain))
    path = run.new_part(table, day)
    frame.write_parquet(path, compression="zstd", statistics=True)
    run.add_part(table, day, path, frame.height)


def _day_of(table: str) -> pl.Expr:
    return pl.col("topup_at").dt.date() if table == "top_up" else pl.col("report_date")


def write_days(lake: Path, world: dict[str, pl.DataFrame], days: list[dt.date]) -> None:
    """The first export of each of `days`, every table."""
    wanted = set(days)
    with open_run(lake, wait=True) as run:
        for domain in DOMAINS:
            frame = world[domain.table].with_columns(_day=_day_of(domain.table))
            for (day,), part in frame.partition_by("_day", as_dict=True).items():
                if day in wanted:
                    _write_export(run, domain.table, day, part.drop("_day"), version=0)


def write_correction(
    lake: Path, world: dict[str, pl.DataFrame], day: dt.date, version: int = 1
) -> None:
    """A later re-export of one old day that changes what the marts show: every 50th
    successful order refunded, every 7th order moved to the next order's user, every
    40th User Activity row one level up and every 30th with no engagement, every
    channel's unique viewers revised."""
    top_up = world["top_up"].filter(pl.col("topup_at").dt.date() == day).sort("order_id")
    row = pl.int_range(pl.len())
    corrected = top_up.with_columns(
        pl.when((pl.col("status") == "success") & (row % 50 == 0))
        .then(pl.lit("refunded"))
        .otherwise(pl.col("status"))
        .alias("status"),
        pl.when(row % 7 == 3)
        .then(pl.col("user_id").shift(-1).fill_null(pl.col("user_id")))
        .otherwise(pl.col("user_id"))
        .alias("user_id"),
    )
    activity = world["user_activity"].filter(pl.col("report_date") == day).sort("user_id")
    next_level = {a: b for a, b in zip(LEVELS, LEVELS[1:], strict=False)}
    row = pl.int_range(pl.len())
    revised_activity = activity.with_columns(
        pl.when(row % 40 == 5)
        .then(pl.col("membership_level").replace(next_level))
        .otherwise(pl.col("membership_level"))
        .alias("membership_level"),
        *(
            pl.when(row % 30 == 7).then(0).otherwise(pl.col(column)).alias(column)
            for column in ("watch_minutes", "messages_sent", "gifts_sent_coins")
        ),
    )
    stats = world["channel_stats"].filter(pl.col("report_date") == day)
    revised_stats = stats.with_columns(pl.col("unique_viewers") + 1)
    with open_run(lake, wait=True) as run:
        _write_export(run, "top_up", day, corrected, version=version)
        _write_export(run, "user_activity", day, revised_activity, version=version)
        _write_export(run, "channel_stats", day, revised_stats, version=version)
