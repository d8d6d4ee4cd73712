"""World invariants, the planted anomalies, and world == latest-export resolution of expected."""

from __future__ import annotations

from decimal import Decimal

import polars as pl
import pytest

from simulator.vocab import COLUMNS, LEVELS, TABLES


def _w(truth, name):
    return pl.read_parquet(truth / "world" / f"{name}.parquet")


def _e(truth, name):
    return pl.read_parquet(truth / "expected" / f"{name}.parquet")


def test_world_schemas_are_the_lake_types(small):
    _, truth, _ = small
    tu = _w(truth, "top_up")
    assert tu.schema["amount"] == pl.Decimal(18, 2)
    assert tu.schema["topup_at"] == pl.Datetime("us")
    assert tu["order_id"].is_unique().all()
    for t in TABLES:
        assert _w(truth, t).columns == list(COLUMNS[t])
        assert _e(truth, t).columns[:4] == [
            "source_file",
            "source_sheet",
            "source_row",
            "exported_at",
        ]
        assert _e(truth, t).schema["exported_at"] == pl.Datetime("us", "UTC")
    assert (tu["topup_at"].dt.microsecond() == 0).all()
    assert (tu["amount"] >= 0).all()


def test_top_up_world_is_latest_export_resolution(small):
    _, truth, _ = small
    exp = _e(truth, "top_up")
    # never two rows of one order exported at the same instant: "later" is well defined
    assert exp.select("order_id", "exported_at").is_unique().all()
    resolved = (
        exp.sort("exported_at")
        .group_by("order_id")
        .last()
        .select(COLUMNS["top_up"])
        .sort("order_id")
    )
    world = _w(truth, "top_up").sort("order_id")
    assert resolved.equals(world)
    # the corrections really happened: pending -> success and success -> refunded
    first = exp.sort("exported_at").group_by("order_id").first().select("order_id", "status")
    moves = first.join(world.select("order_id", pl.col("status").alias("final")), on="order_id")
    pairs = set(
        moves.filter(pl.col("status") != pl.col("final"))
        .select("status", "final")
        .unique()
        .iter_rows()
    )
    assert ("pending", "success") in pairs and ("success", "refunded") in pairs
    assert set(world["status"]) == {"success", "failed", "refunded", "pending"}


@pytest.mark.parametrize(
    "table,key",
    [
        ("pre_deduction", ["streamer_id"]),
        ("post_deduction", ["streamer_id"]),
        ("channel_stats", ["channel_id"]),
        ("user_activity", ["user_id"]),
    ],
)
def test_aggregate_world_is_latest_export_per_date(small, table, key):
    _, truth, _ = small
    exp = _e(truth, table)
    latest = (
        exp.group_by("report_date", "source_file", "source_sheet")
        .agg(pl.col("exported_at").first())
        .sort("exported_at")
        .group_by("report_date")
        .last()
    )
    n_exports = (
        exp.select("report_date", "source_file", "source_sheet")
        .unique()
        .group_by("report_date")
        .len()
    )
    assert (n_exports["len"] > 1).any(), "some date must be re-exported"
    resolved = exp.join(
        latest.select("report_date", "source_file", "source_sheet"),
        on=["report_date", "source_file", "source_sheet"],
    )
    resolved = resolved.select(COLUMNS[table]).sort("report_date", *key)
    world = _w(truth, table).sort("report_date", *key)
    assert resolved.equals(world)
    # re-exports changed something: the superseded versions differ from the final ones
    superseded = exp.join(
        latest.select("report_date", "source_file", "source_sheet"),
        on=["report_date", "source_file", "source_sheet"],
        how="anti",
    )
    assert superseded.height > 0
    assert (
        superseded.select(COLUMNS[table])
        .join(world, on=list(COLUMNS[table]), how="anti", nulls_equal=True)
        .height
        > 0
    )


def test_revenue_invariants_hold_except_planted_breaks(small):
    _, truth, _ = small
    pre, post, an = _w(truth, "pre_deduction"), _w(truth, "post_deduction"), _w(truth, "_anomalies")
    one = Decimal("1")
    brk = post.filter(
        (
            pl.col("gross_revenue")
            - pl.col("platform_fee")
            - pl.col("payment_fee")
            - pl.col("tax_withheld")
            - pl.col("net_revenue")
        ).abs()
        > one
    )
    planted = an.filter(pl.col("kind") == "arithmetic_break").select("report_date", "streamer_id")
    assert (
        brk.select("report_date", "streamer_id")
        .sort("report_date", "streamer_id")
        .equals(planted.sort("report_date", "streamer_id"))
    )
    both = pre.join(post, on=["report_date", "streamer_id"], suffix="_post")
    mism = both.filter((pl.col("gross_revenue") - pl.col("gross_revenue_post")).abs() > one)
    planted = an.filter(pl.col("kind") == "gross_mismatch").select("report_date", "streamer_id")
    assert (
        mism.select("report_date", "streamer_id")
        .sort("report_date", "streamer_id")
        .equals(planted.sort("report_date", "streamer_id"))
    )
    pre_only = pre.join(post, on=["report_date", "streamer_id"], how="anti")
    post_only = post.join(pre, on=["report_date", "streamer_id"], how="anti")
    assert sorted(pre_only["streamer_id"]) == sorted(
        an.filter(pl.col("kind") == "pre_only")["streamer_id"]
    )
    assert sorted(post_only["streamer_id"]) == sorted(
        an.filter(pl.col("kind") == "post_only")["streamer_id"]
    )
    assert pre_only.height >= 3 and post_only.height >= 3
    # contracted take rates 30..50%; negative fees (credits) and zero fees exist
    streamers = _w(truth, "streamers")
    assert streamers["agency"].null_count() > 0 and streamers["agency"].n_unique() >= 4
    assert (post["payment_fee"] < 0).any() and (post["payment_fee"] == 0).any()
    assert (post["tax_withheld"] > 0).any()
    assert set(post["settlement_status"]) == {"pending", "settled", "on_hold"}


def _agency_take_rates(truth) -> pl.DataFrame:
    pre, post = _w(truth, "pre_deduction"), _w(truth, "post_deduction")
    streamers = _w(truth, "streamers")
    sd = post.join(
        pre.select("report_date", "streamer_id", "agency"),
        on=["report_date", "streamer_id"],
        how="left",
    )
    sd = sd.join(
        streamers.select("streamer_id", pl.col("agency").alias("latest")),
        on="streamer_id",
        how="left",
    )
    sd = sd.with_columns(pl.coalesce("agency", "latest").fill_null("(independent)").alias("agency"))
    daily = (
        sd.group_by("agency", "report_date")
        .agg(
            pl.col("gross_revenue").sum().cast(pl.Float64).alias("gross"),
            (pl.col("gross_revenue") - pl.col("net_revenue")).sum().cast(pl.Float64).alias("ded"),
        )
        .with_columns((pl.col("ded") / pl.col("gross")).alias("take"))
        .sort("agency", "report_date")
    )
    rows = []
    for (agency,), g in daily.group_by("agency", maintain_order=True):
        g = g.sort("report_date")
        for r in g.iter_rows(named=True):
            d = r["report_date"]
            prior = g.filter(
                (pl.col("report_date") < d) & (pl.col("report_date") >= d - pl.duration(days=28))
            )
            z = None
            if prior.height >= 7:
                sd_ = prior["take"].std(ddof=0)
                if sd_ and sd_ > 0:
                    z = (r["take"] - prior["take"].mean()) / sd_
            rows.append({"agency": agency, "report_date": d, "take": r["take"], "z": z})
    return pl.DataFrame(rows)


def test_take_rate_spike_is_a_z_outlier(small):
    _, truth, _ = small
    an = _w(truth, "_anomalies").filter(pl.col("kind") == "take_rate_spike").row(0, named=True)
    z = _agency_take_rates(truth)
    spike = z.filter(
        (pl.col("agency") == an["agency"]) & (pl.col("report_date") == an["report_date"])
    ).row(0, named=True)
    assert spike["z"] is not None and abs(spike["z"]) >= 3
    # ordinary days of that agency sit within contracted 30..50% plus fees/tax
    normal = z.filter(
        (pl.col("agency") == an["agency"]) & (pl.col("report_date") != an["report_date"])
    )
    assert normal["take"].is_between(0.3, 0.6).all()
    earlier = normal.filter(pl.col("report_date") < an["report_date"]).height
    assert earlier >= 7


def test_membership_and_activity_shape(small):
    _, truth, report = small
    ua, tu, users = _w(truth, "user_activity"), _w(truth, "top_up"), _w(truth, "users")
    assert set(ua["membership_level"]) == set(LEVELS)
    zero = ua.filter(
        (pl.col("watch_minutes") == 0)
        & (pl.col("messages_sent") == 0)
        & (pl.col("gifts_sent_coins") == 0)
    )
    assert zero.height > 0
    new = users.filter(pl.col("registered_at") >= pl.date(2025, 3, 1))
    old = users.filter(pl.col("registered_at") < pl.date(2025, 2, 1))
    assert new.height > 100 and old.height > 500
    assert report.users == users.height
    # levels move both ways for some users (observations: top-ups and activity rows)
    obs = pl.concat(
        [
            tu.select("user_id", pl.col("topup_at").alias("at"), "membership_level"),
            ua.select(
                "user_id",
                (
                    pl.col("report_date").cast(pl.Datetime("us"))
                    + pl.duration(hours=23, minutes=59, seconds=59)
                ).alias("at"),
                "membership_level",
            ),
        ]
    ).with_columns(
        pl.col("membership_level")
        .replace_strict({lv: i for i, lv in enumerate(LEVELS)}, return_dtype=pl.Int8)
        .alias("rank")
    )
    steps = obs.sort("user_id", "at").with_columns(
        pl.col("rank").diff().over("user_id").alias("step")
    )
    assert (steps["step"] > 0).any() and (steps["step"] < 0).any()
    # weekends are busier
    dau = (
        ua.group_by("report_date")
        .len()
        .with_columns((pl.col("report_date").dt.weekday() >= 6).alias("weekend"))
    )
    means = dau.group_by("weekend").agg(pl.col("len").mean())
    wk = dict(means.iter_rows())
    assert wk[True] > wk[False]
    # top-ups: attributed and unattributed, all methods and platforms, cents
    assert tu["channel_id"].null_count() > 0 and tu["channel_id"].drop_nulls().len() > 0
    assert tu["payment_method"].n_unique() == 7 and tu["platform"].n_unique() == 3
    assert (tu["amount"] != tu["amount"].round(0)).any()
    assert tu["promo_code"].drop_nulls().len() > 0


def test_counts_are_in_scale(small):
    _, truth, report = small
    tu = _w(truth, "top_up").filter(pl.col("topup_at") >= pl.datetime(2025, 3, 1))
    per_day = tu.group_by(pl.col("topup_at").dt.date()).len()["len"]
    assert 150 <= per_day.mean() <= 600
    assert report.days == 14 and 1500 <= report.users <= 2000
