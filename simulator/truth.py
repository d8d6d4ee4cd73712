"""Ground truth: what the ingest must load (``expected/``) and what really happened (``world/``).

``expected/<table>.parquet`` lists every data row the ingest must load, with
lineage and the ``exported_at`` it must derive; rows of a byte-identical drop
are listed only under the path that sorts first (the ingest's processing
order). ``world/`` is computed from the simulation and the plan's decisions
(which days were re-exported), independently of ``expected/``, so a test can
check that resolving ``expected/`` by latest export gives the world back.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import polars as pl

from simulator.jobs import FileResult
from simulator.plan import FilePlan, Plan, final_topup_status
from simulator.vocab import COLUMNS, DATE_COLUMNS, INT_COLUMNS, MONEY_COLUMNS, TABLES
from simulator.world import World

MONEY = pl.Decimal(18, 2)
UTC_TS = pl.Datetime("us", "UTC")
LINEAGE = ("source_file", "source_sheet", "source_row", "exported_at")


def lake_schema(table: str) -> dict[str, pl.DataType]:
    out: dict[str, pl.DataType] = {}
    for c in COLUMNS[table]:  # type: ignore[index]
        if c in MONEY_COLUMNS:
            out[c] = MONEY
        elif c in INT_COLUMNS:
            out[c] = pl.Int64()
        elif c in DATE_COLUMNS:
            out[c] = pl.Date()
        elif c == "topup_at":
            out[c] = pl.Datetime("us")
        else:
            out[c] = pl.String()
    return out


def to_lake(table: str, df: pl.DataFrame) -> pl.DataFrame:
    """Cast canonical frames (money in integer cents) to the lake's column types."""
    exprs = []
    for c, t in lake_schema(table).items():
        if c in MONEY_COLUMNS:
            exprs.append((pl.col(c).cast(MONEY) / 100).cast(MONEY).alias(c))
        else:
            exprs.append(pl.col(c).cast(t).alias(c))
    return df.with_columns(exprs)


def _utc(local: datetime) -> datetime:
    return local - timedelta(hours=8)


@dataclass
class FileTruth:
    path: str
    sha256: str
    plan: FilePlan
    result: FileResult
    exported_at_local: datetime  # what the ingest derives for this path


def _all_files(plan: Plan, results: dict[str, FileResult]) -> list[FileTruth]:
    out = []
    for fp in plan.files:
        res = results[fp.path]
        line = fp.bad is None and fp.style.has_exported_line
        out.append(FileTruth(fp.path, res.sha256, fp, res, fp.exported_at if line else fp.mtime))
        for cpath, csha in res.copies:
            mt = dict(fp.copies)[cpath]
            out.append(FileTruth(cpath, csha, fp, res, fp.exported_at if line else mt))
    return sorted(out, key=lambda f: f.path)


def write_expected(plan: Plan, results: dict[str, FileResult], out: Path) -> tuple[int, int]:
    """Write expected/*.parquet; return (files, loaded data rows)."""
    out.mkdir(parents=True, exist_ok=True)
    files = _all_files(plan, results)
    first_of_sha: dict[str, str] = {}
    frames: dict[str, list[pl.DataFrame]] = {t: [] for t in TABLES}
    quarantine: list[dict] = []
    file_rows: list[dict] = []
    for f in files:  # sorted: the first path of a sha is the one the ingest loads
        dup_of = first_of_sha.get(f.sha256)
        res = f.result
        loaded = sum(x.height for fs in res.rows.values() for x in fs)
        n_quar = len(res.quarantine)
        if dup_of is None:
            first_of_sha[f.sha256] = f.path
            for table, fs in res.rows.items():
                for x in fs:
                    frames[table].append(
                        x.with_columns(
                            pl.lit(f.path).alias("source_file"),
                            pl.lit(_utc(f.exported_at_local)).cast(UTC_TS).alias("exported_at"),
                        )
                    )
            quarantine += [{"source_file": f.path, **q} for q in res.quarantine]
        rejected = res.rejected_sheets
        if dup_of is not None:
            expect = "duplicate"
        elif rejected and loaded + n_quar == 0:
            expect = "rejected"
        elif rejected:
            expect = "partial"
        else:
            expect = "loaded"
        file_rows.append(
            {
                "source_file": f.path,
                "sha256": f.sha256,
                "expect": expect,
                "duplicate_of": dup_of,
                "rejected_sheets": json.dumps(rejected, ensure_ascii=False),
                "exported_at": _utc(f.exported_at_local),
                "data_rows": loaded + n_quar,
                "loaded_rows": loaded if dup_of is None else 0,
                "quarantined_rows": n_quar,
                "rejected_rows": res.rejected_rows,
                # the footer rows the ingest skips, per sheet (a duplicate is not read)
                "footer_rows": json.dumps(
                    {} if dup_of is not None else res.footer_rows, ensure_ascii=False
                ),
            }
        )
    total = 0
    for table in TABLES:
        schema = {**lake_schema(table)}
        if frames[table]:
            df = to_lake(table, pl.concat(frames[table], how="vertical_relaxed"))
        else:
            df = pl.DataFrame(schema=schema).with_columns(
                pl.lit(None, pl.String).alias("source_file"),
                pl.lit(None, pl.String).alias("source_sheet"),
                pl.lit(None, pl.Int64).alias("source_row"),
                pl.lit(None, UTC_TS).alias("exported_at"),
            )
        df = df.select(*LINEAGE, *schema).sort("source_file", "source_sheet", "source_row")
        total += df.height
        df.write_parquet(out / f"{table}.parquet")
    pl.DataFrame(
        quarantine,
        schema={
            "source_file": pl.String,
            "source_sheet": pl.String,
            "source_row": pl.Int64,
            "table": pl.String,
            "column": pl.String,
            "reason": pl.String,
        },
    ).sort("source_file", "source_sheet", "source_row").write_parquet(out / "_quarantine.parquet")
    pl.DataFrame(
        file_rows,
        schema={
            "source_file": pl.String,
            "sha256": pl.String,
            "expect": pl.String,
            "duplicate_of": pl.String,
            "rejected_sheets": pl.String,
            "exported_at": UTC_TS,
            "data_rows": pl.Int64,
            "loaded_rows": pl.Int64,
            "quarantined_rows": pl.Int64,
            "rejected_rows": pl.Int64,
            "footer_rows": pl.String,
        },
    ).write_parquet(out / "_files.parquet")
    return len(files), total


def world_tables(world: World, plan: Plan) -> dict[str, pl.DataFrame]:
    """The resolved truth, from the simulation plus the plan's re-export decisions."""
    tu = world.top_up.with_columns(final_topup_status(world, plan))
    post_later = pl.col("report_date").is_in(sorted(plan.post_reexported))
    post = world.post_deduction.with_columns(
        pl.when(post_later)
        .then(pl.col("settlement_later"))
        .otherwise(pl.col("settlement_v0"))
        .alias("settlement_status")
    )
    out = {
        "top_up": to_lake("top_up", tu.select(COLUMNS["top_up"])).sort("order_id"),
        "pre_deduction": to_lake(
            "pre_deduction", world.pre_deduction.select(COLUMNS["pre_deduction"])
        ).sort("report_date", "streamer_id"),
        "post_deduction": to_lake("post_deduction", post.select(COLUMNS["post_deduction"])).sort(
            "report_date", "streamer_id"
        ),
        "channel_stats": to_lake(
            "channel_stats", world.channel_stats.select(COLUMNS["channel_stats"])
        ).sort("report_date", "channel_id"),
        "user_activity": to_lake(
            "user_activity", world.user_activity.select(COLUMNS["user_activity"])
        ).sort("report_date", "user_id"),
    }
    ua = out["user_activity"]
    ids = pl.concat([out["top_up"].select("user_id"), ua.select("user_id")]).unique()
    reg = ua.group_by("user_id").agg(pl.col("registered_at").min())
    out["users"] = ids.join(reg, on="user_id", how="left").sort("user_id")
    ch_ids = pl.concat(
        [
            out["channel_stats"].select("channel_id"),
            out["pre_deduction"].select("channel_id"),
            out["post_deduction"].select("channel_id"),
            out["top_up"].select("channel_id").drop_nulls(),
        ]
    ).unique()
    out["channels"] = (
        world.channels.select("channel_id", "channel_name", "category")
        .join(ch_ids, on="channel_id", how="semi")
        .sort("channel_id")
    )
    s_ids = pl.concat(
        [out["pre_deduction"].select("streamer_id"), out["post_deduction"].select("streamer_id")]
    ).unique()
    out["streamers"] = (
        world.streamers.select("streamer_id", "streamer_name", "agency")
        .join(s_ids, on="streamer_id", how="semi")
        .sort("streamer_id")
    )
    out["_anomalies"] = world.anomalies
    return out


def write_world(world: World, plan: Plan, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name, df in world_tables(world, plan).items():
        df.write_parquet(out / f"{name}.parquet")
