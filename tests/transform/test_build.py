"""End-to-end: a real `dbt build` of transform/ against the fixture lake, with the
marts checked against values computed by hand from `lake_fixture.py`.

The fixture (see its docstring) in short, after re-exports are resolved:

  orders  o1 u1 03-01 10:00 100 success c1 silver   (morning)
          o2 u2 03-01 20:30  50 refunded c2 regular (re-export turned it refunded)
          o3 u1 03-01 23:10 200 success --  gold    (evening; an exact duplicate row too)
          o4 u3 03-01 03:00 300 success c1 gold     (late_night)
          o5 u1 03-02 09:00 150 success c1 gold
          o6 u4 03-02 14:00  80 success c2 regular
          o7 u2 03-02 15:00  60 failed  c2 silver
          o8 u4 03-02 14:00  80 failed  c2 silver   (same instant as o6, larger id: later)
  activity 03-01 (re-export wins): u1 40 min 2 msg gold, u2 5 min 1 msg regular
           (registered 03-01), u3 10 min gold; 03-02: u1 20 min gold (plus a duplicate),
           u2 all zero silver; 04-05: u2 15 min regular.
"""

from __future__ import annotations

import ast
import json
import re
import shutil
import statistics
from datetime import date
from decimal import Decimal

import pytest

from ingest.contracts import DOMAINS_BY_TABLE
from tests.transform.conftest import query, run_dbt
from tests.transform.keys import ALL_ROWS, KEY_TESTS, key_tests
from tests.transform.lake_fixture import (
    S1_CALM_TAKE_RATES,
    S1_SPIKE_TAKE_RATE,
    append_late_correction,
)

D = date.fromisoformat


def one(rows: list[dict]) -> dict:
    assert len(rows) == 1, rows
    return rows[0]


def by(rows: list[dict], *keys: str) -> dict:
    return {tuple(r[k] for k in keys) if len(keys) > 1 else r[keys[0]]: r for r in rows}


# --------------------------------------------------------------------------- build


def test_build_passes_with_only_the_expected_warnings(built_fixture):
    out = built_fixture["result"].stdout
    assert "ERROR=0" in out
    # the two data-quality monitors find the fixture's planted breaks
    assert "WARN=2" in out
    assert "WARN 3 warn_pre_post_gross_disagree" in out
    assert "WARN 1 warn_post_deduction_arithmetic_breaks" in out


def test_ledger_lake_equals_staging_plus_superseded_plus_duplicates(built_fixture):
    q = built_fixture["query"]
    expected = {
        # table: (lake, loaded, superseded, duplicate)
        "top_up": (13, 8, 4, 1),
        "user_activity": (10, 6, 3, 1),
        "channel_stats": (6, 4, 2, 0),
        "pre_deduction": (13, 13, 0, 0),
        "post_deduction": (15, 13, 2, 0),
    }
    for table, (lake, loaded, superseded, duplicate) in expected.items():
        assert built_fixture["counts"][table] == lake
        rows = by(
            q(f"select row_disposition, count(*) as n from staging.base_lake__{table} group by 1"),
            "row_disposition",
        )
        got = tuple(rows.get(k, {"n": 0})["n"] for k in ("loaded", "superseded", "duplicate"))
        assert got == (loaded, superseded, duplicate), table
        assert one(q(f"select count(*) as n from staging.stg_lake__{table}"))["n"] == loaded


def test_latest_export_wins(built_fixture):
    q = built_fixture["query"]
    assert one(q("select status from core.fct_topup where order_id = 'o2'"))["status"] == "refunded"
    # the whole 03-01 User Activity export was replaced, including u1's level
    u1 = one(
        q(
            "select * from staging.stg_lake__user_activity "
            "where user_id = 'u1' and report_date = '2025-03-01'"
        )
    )
    assert (u1["watch_minutes"], u1["membership_level"]) == (40, "gold")
    assert u1["source_file"] == "2025-03/op_stats_20250301 (2).xlsx"
    # channel name overwritten in place by the re-export
    assert (
        one(q("select channel_name from core.dim_channels where channel_id = 'c1'"))["channel_name"]
        == "Music Room 2"
    )


# --------------------------------------------------------------------------- facts


def test_fct_topup_repeat_segments_and_gaps(built_fixture):
    rows = by(built_fixture["query"]("select * from core.fct_topup"), "order_id")
    assert len(rows) == 8
    expect = {
        # order: (segment, is_repeat, days_since_prev, successful_topup_number)
        "o1": ("morning", False, None, 1),
        "o2": ("evening", False, None, None),
        "o3": ("evening", True, 0, 2),
        "o4": ("late_night", False, None, 1),
        "o5": ("morning", True, 1, 3),
        "o6": ("afternoon", False, None, 1),
        "o7": ("afternoon", False, None, None),
        "o8": ("afternoon", True, None, None),  # after o6 (same instant, larger id)
    }
    for order_id, (segment, repeat, days, number) in expect.items():
        r = rows[order_id]
        got = (
            r["topup_day_segment"],
            r["is_repeat_topup"],
            r["days_since_prev_topup"],
            r["successful_topup_number"],
        )
        assert got == (segment, repeat, days, number), order_id


def test_membership_history_scd(built_fixture):
    rows = built_fixture["query"](
        "select user_id, membership_level, from_level, change_type, valid_from, valid_to "
        "from core.dim_user_membership_history order by user_id, version_number"
    )
    got = [(r["user_id"], r["membership_level"], r["change_type"]) for r in rows]
    assert got == [
        ("u1", "silver", "initial"),
        ("u1", "gold", "upgrade"),  # o3 at 23:10; the superseded silver activity row is ignored
        ("u2", "regular", "initial"),
        ("u2", "silver", "upgrade"),
        ("u2", "regular", "downgrade"),
        ("u3", "gold", "initial"),
        ("u4", "regular", "initial"),
        ("u4", "silver", "upgrade"),  # o8 beats o6 at the same instant
    ]
    u2 = [r for r in rows if r["user_id"] == "u2"]
    assert str(u2[1]["valid_to"]) == "2025-04-06 00:00:00"  # end of the 04-05 activity day


def test_dropoffs(built_fixture):
    rows = built_fixture["query"]("select * from core.fct_membership_dropoffs order by user_id")
    got = [
        (r["user_id"], r["last_touch_date"], r["dropoff_date"], r["membership_level"]) for r in rows
    ]
    assert got == [
        ("u1", D("2025-03-02"), D("2025-04-01"), "gold"),
        ("u2", D("2025-03-02"), D("2025-04-01"), "silver"),  # came back 04-05, 34 days later
        ("u3", D("2025-03-01"), D("2025-03-31"), "gold"),
        ("u4", D("2025-03-02"), D("2025-04-01"), "silver"),
    ]


# --------------------------------------------------------------------------- marts


def test_mart_daily_kpis(built_fixture):
    rows = by(built_fixture["query"]("select * from marts.mart_daily_kpis"), "date")
    assert len(rows) == 36  # 2025-03-01 .. 2025-04-05
    d1 = rows[D("2025-03-01")]
    assert (d1["dau"], d1["wau"], d1["mau"], d1["new_users"], d1["paying_users"]) == (3, 3, 3, 1, 2)
    assert d1["topup_revenue"] == Decimal("600.00")
    assert d1["arppu"] == Decimal("300.00")
    assert d1["arpu"] == Decimal("200.00")
    assert d1["refund_rate"] == pytest.approx(0.25)
    assert d1["stickiness"] == pytest.approx(1.0)
    assert d1["watch_minutes_per_dau"] == pytest.approx(55 / 3)
    assert d1["messages_per_dau"] == pytest.approx(1.0)
    d2 = rows[D("2025-03-02")]
    assert (d2["dau"], d2["wau"], d2["mau"], d2["new_users"], d2["paying_users"]) == (2, 4, 4, 0, 2)
    assert d2["topup_revenue"] == Decimal("230.00")
    assert (d2["arppu"], d2["arpu"]) == (Decimal("115.00"), Decimal("115.00"))
    assert d2["refund_rate"] == pytest.approx(0.0)
    assert d2["stickiness"] == pytest.approx(0.5)
    assert d2["watch_minutes_per_dau"] == pytest.approx(10.0)
    d8 = rows[D("2025-03-08")]
    assert (d8["dau"], d8["wau"], d8["mau"]) == (0, 2, 4)
    assert d8["arppu"] is None and d8["refund_rate"] is None and d8["stickiness"] == 0.0
    d31 = rows[D("2025-03-31")]
    assert (d31["wau"], d31["mau"]) == (0, 2)
    last = rows[D("2025-04-05")]
    assert (last["dau"], last["wau"], last["mau"]) == (1, 1, 1)
    assert last["arpu"] == Decimal("0.00")


def test_mart_daily_kpis_by_level(built_fixture):
    rows = by(
        built_fixture["query"]("select * from marts.mart_daily_kpis_by_level"),
        "date",
        "membership_level",
    )
    assert len(rows) == 36 * 5
    gold = rows[(D("2025-03-01"), "gold")]
    assert (gold["dau"], gold["paying_users"], gold["topup_revenue"]) == (2, 2, Decimal("600.00"))
    assert gold["paying_share_of_dau"] == pytest.approx(1.0)
    regular = rows[(D("2025-03-01"), "regular")]
    assert (regular["dau"], regular["paying_users"], regular["new_users"]) == (1, 0, 1)
    assert regular["refund_rate"] == pytest.approx(1.0)
    assert regular["paying_share_of_dau"] == pytest.approx(0.0)
    silver = rows[(D("2025-03-02"), "silver")]
    assert (silver["dau"], silver["wau"], silver["paying_users"]) == (1, 2, 1)  # u4; wau u2 + u4
    assert rows[(D("2025-03-02"), "gold")]["wau"] == 2  # u1, u3


def test_mart_membership_transitions(built_fixture):
    rows = built_fixture["query"]("select * from marts.mart_membership_transitions")
    got = {
        (r["period_grain"], str(r["period_start"]), r["from_level"], r["to_level"]): r["users"]
        for r in rows
    }
    assert got == {
        ("day", "2025-03-01", "silver", "gold"): 1,
        ("day", "2025-03-02", "regular", "silver"): 2,
        ("day", "2025-03-31", "gold", "dropped_off"): 1,
        ("day", "2025-04-01", "gold", "dropped_off"): 1,
        ("day", "2025-04-01", "silver", "dropped_off"): 2,
        ("day", "2025-04-05", "silver", "regular"): 1,
        ("month", "2025-03-01", "silver", "gold"): 1,
        ("month", "2025-03-01", "regular", "silver"): 2,
        ("month", "2025-03-01", "gold", "dropped_off"): 1,
        ("month", "2025-04-01", "gold", "dropped_off"): 1,
        ("month", "2025-04-01", "silver", "dropped_off"): 2,
        ("month", "2025-04-01", "silver", "regular"): 1,
    }
    rates = {
        (r["period_grain"], str(r["period_start"])): (r["upgrade_rate"], r["downgrade_rate"])
        for r in rows
    }
    assert rates[("day", "2025-03-01")] == pytest.approx((1 / 3, 0.0))
    assert rates[("day", "2025-03-02")] == pytest.approx((2 / 3, 0.0))
    assert rates[("month", "2025-03-01")] == pytest.approx((0.75, 0.0))
    assert rates[("month", "2025-04-01")] == pytest.approx((0.0, 1.0))


def test_mart_channel_topup_effectiveness(built_fixture):
    q = built_fixture["query"]
    rows = by(q("select * from marts.mart_channel_topup_effectiveness"), "date", "channel_id")
    assert len(rows) == 4
    c1 = rows[(D("2025-03-01"), "c1")]
    assert (c1["attributed_revenue"], c1["attributed_paying_users"], c1["unique_viewers"]) == (
        Decimal("400.00"),
        2,
        40,
    )
    assert c1["conversion_rate"] == pytest.approx(0.05)
    assert c1["revenue_per_live_hour"] == Decimal("200.00")
    assert c1["revenue_share"] == pytest.approx(400 / 600)
    assert (c1["channel_name"], c1["category"]) == ("Music Room 2", "music")
    c2 = rows[(D("2025-03-01"), "c2")]  # o2 was refunded: nothing attributed
    assert (c2["attributed_revenue"], c2["conversion_rate"]) == (Decimal("0.00"), 0.0)
    c2b = rows[(D("2025-03-02"), "c2")]
    assert c2b["revenue_per_live_hour"] == Decimal("160.00")
    assert c2b["revenue_share"] == pytest.approx(80 / 230)
    weekly = by(q("select * from marts.mart_category_topup_effectiveness_weekly"), "category")
    music = weekly["music"]
    assert music["week_start"] == D("2025-02-24")
    assert (music["attributed_revenue"], music["attributed_paying_users"]) == (Decimal("550.00"), 2)
    assert (music["unique_viewers"], music["live_minutes"]) == (70, 210)
    assert music["conversion_rate"] == pytest.approx(3 / 70)
    assert music["revenue_per_live_hour"] == Decimal("157.14")
    assert music["revenue_share"] == pytest.approx(550 / 830)


def _z(history: list[float], value: float) -> float:
    return (value - statistics.fmean(history)) / statistics.pstdev(history)


def test_mart_revenue_deductions(built_fixture):
    rows = built_fixture["query"]("select * from marts.mart_revenue_deductions")
    keyed = {(r["date"], r["agency"]): r for r in rows}
    p1 = keyed[(D("2025-03-01"), None)]
    assert (p1["gross_pre"], p1["gross_post"], p1["platform_fee"], p1["payment_fee"]) == (
        Decimal("1500.00"),
        Decimal("1500.00"),
        Decimal("450.00"),
        Decimal("75.00"),
    )
    assert (p1["tax_withheld"], p1["net_revenue"]) == (Decimal("50.00"), Decimal("920.00"))
    assert p1["take_rate"] == pytest.approx(580 / 1500)
    assert (p1["mismatches"], p1["arithmetic_breaks"]) == (0, 1)
    assert keyed[(D("2025-03-01"), "independent")]["arithmetic_breaks"] == 1
    p2 = keyed[(D("2025-03-02"), None)]
    assert (p2["gross_pre"], p2["gross_post"], p2["mismatches"]) == (
        Decimal("1300.00"),
        Decimal("1255.00"),
        3,
    )
    assert p2["take_rate"] == pytest.approx(436.5 / 1255)
    assert keyed[(D("2025-03-02"), "Moon Agency")]["take_rate"] is None  # pre only: gross(post) 0
    # z-score: 6 earlier days on 03-07 -> null, 7 on 03-08 -> defined
    assert keyed[(D("2025-03-07"), None)]["take_rate_z"] is None
    platform_history = [580 / 1500, 436.5 / 1255, *S1_CALM_TAKE_RATES]
    assert keyed[(D("2025-03-08"), None)]["take_rate_z"] == pytest.approx(
        _z(platform_history[:7], S1_CALM_TAKE_RATES[5])
    )
    spike = keyed[(D("2025-03-10"), None)]
    assert spike["take_rate_z"] == pytest.approx(_z(platform_history, S1_SPIKE_TAKE_RATE))
    assert spike["is_flagged"] is True
    star_history = [0.4, 281.5 / 805, *S1_CALM_TAKE_RATES]
    star = keyed[(D("2025-03-10"), "Star Agency")]
    assert star["take_rate_z"] == pytest.approx(_z(star_history, S1_SPIKE_TAKE_RATE))
    assert star["is_flagged"] is True
    assert sum(r["is_flagged"] for r in rows) == 2


def test_mart_streamer_day_exceptions(built_fixture):
    rows = built_fixture["query"]("select * from marts.mart_streamer_day_exceptions")
    got = {
        (str(r["date"]), r["streamer_id"]): (
            r["exception_type"],
            r["mismatch_reason"],
            r["gross_pre"],
            r["gross_post"],
        )
        for r in rows
    }
    assert got == {
        ("2025-03-01", "s2"): ("arithmetic_break", None, Decimal("500.00"), Decimal("500.00")),
        ("2025-03-02", "s1"): ("mismatch", "gross_differs", Decimal("800.00"), Decimal("805.00")),
        ("2025-03-02", "s3"): ("mismatch", "pre_only", Decimal("100.00"), None),
        ("2025-03-02", "s4"): ("mismatch", "post_only", None, Decimal("50.00")),
    }
    s4 = next(r for r in rows if r["streamer_id"] == "s4")
    assert s4["agency"] == "independent"  # never seen in pre: no known agency


def test_mart_topup_segments(built_fixture):
    rows = built_fixture["query"]("select * from marts.mart_topup_segments")
    got = {
        (str(r["date"]), r["topup_day_segment"], r["payment_method"], r["platform"]): (
            r["orders"],
            r["paying_users"],
            r["revenue"],
        )
        for r in rows
    }
    assert got == {
        ("2025-03-01", "late_night", "credit_card", "web"): (1, 1, Decimal("300.00")),
        ("2025-03-01", "morning", "credit_card", "ios"): (1, 1, Decimal("100.00")),
        ("2025-03-01", "evening", "apple_iap", "ios"): (1, 1, Decimal("200.00")),
        ("2025-03-02", "morning", "credit_card", "ios"): (1, 1, Decimal("150.00")),
        ("2025-03-02", "afternoon", "jko_pay", "android"): (1, 1, Decimal("80.00")),
    }


def test_mart_topup_funnel_and_retention(built_fixture):
    q = built_fixture["query"]
    funnel = by(q("select * from marts.mart_topup_funnel"), "cohort_week")
    got = {
        str(k): (
            r["registered_users"],
            r["active_users"],
            r["first_topup_users"],
            r["repeat_topup_users"],
        )
        for k, r in funnel.items()
    }
    assert got == {
        "2024-11-25": (1, 1, 1, 0),  # u3
        "2025-01-06": (1, 1, 1, 1),  # u1 (earliest reported registration 01-10, not 01-12)
        "2025-02-24": (1, 1, 0, 0),  # u2
    }
    retention = by(q("select * from marts.mart_topup_retention"), "weeks_after")
    assert set(retention) == {1, 2, 4, 8, 12}
    assert all(
        r["cohort_week"] == D("2025-02-24") and r["cohort_users"] == 3 for r in retention.values()
    )
    assert retention[1]["retention_rate"] == 0.0
    assert (retention[4]["is_complete"], retention[8]["is_complete"]) == (True, False)


def test_snapshots_capture_overwritten_attributes(built_fixture):
    rows = built_fixture["query"](
        "select * from snapshots.snp_channel_attributes order by channel_id"
    )
    assert [(r["channel_id"], r["channel_name"], r["dbt_valid_to"]) for r in rows] == [
        ("c1", "Music Room 2", None),
        ("c2", "Game Den", None),
    ]


# --------------------------------------------------------------------- incremental


TABLES_TO_COMPARE = {
    "core.fct_topup": "order_id",
    "core.fct_user_activity": "activity_date, user_id",
    "core.dim_users": "user_id",
    "core.dim_user_membership_history": "user_id, version_number",
    "core.fct_streamer_revenue": "streamer_day_id",
    "marts.mart_daily_kpis": "date",
    "marts.mart_daily_kpis_by_level": "date, membership_level",
    "marts.mart_membership_transitions": "period_grain, period_start, from_level, to_level",
    "marts.mart_channel_topup_effectiveness": "date, channel_id",
    "marts.mart_category_topup_effectiveness_weekly": "week_start, category",
    "marts.mart_revenue_deductions": "date, agency nulls first",
    "marts.mart_topup_segments": "date, topup_day_segment, payment_method, platform",
    "marts.mart_topup_funnel": "cohort_week",
    "marts.mart_topup_retention": "cohort_week, weeks_after",
}


def snapshot_tables(data_dir) -> dict[str, list[dict]]:
    q = query(data_dir)
    out = {}
    for table, order in TABLES_TO_COMPARE.items():
        rows = q(f"select * from {table} order by {order}")
        out[table] = [{k: v for k, v in r.items() if not k.startswith("_batch")} for r in rows]
    return out


@pytest.mark.slow
def test_late_reexport_is_applied_incrementally(fresh_lake, tmp_path_factory):
    data_dir = fresh_lake
    run_dbt(data_dir, "build")
    q = query(data_dir)
    before = by(q("select order_id, _batch_run_id from core.fct_topup"), "order_id")
    before_days = by(
        q("select activity_date, user_id, _batch_run_id from core.fct_user_activity"),
        "activity_date",
        "user_id",
    )
    before_channel_days = by(
        q("select channel_date, channel_id, _batch_run_id from core.fct_channel_day"),
        "channel_date",
        "channel_id",
    )
    s1 = (
        "select gross_pre, is_mismatch from core.fct_streamer_revenue "
        "where streamer_id = 's1' and revenue_date = '2025-03-02'"
    )
    assert tuple(one(q(s1)).values()) == (Decimal("800.00"), True)

    append_late_correction(data_dir)  # o1 refunded (03-01); s1 pre gross 805 (03-02)
    result = run_dbt(data_dir, "build")
    assert "ERROR=0" in result.stdout
    # every key of the facts, dimensions and marts unique over all rows, not only in
    # the batch the run wrote (the daily build's scope): test_keys.py
    keys = run_dbt(data_dir, "test", "--select", *KEY_TESTS, *ALL_ROWS).stdout
    assert len(re.findall(r"\bPASS (unique\w*) ", keys)) == sum(map(len, key_tests().values()))

    # facts: o1 refunded; o3 becomes u1's first success, o5 stays a repeat
    orders = by(q("select * from core.fct_topup"), "order_id")
    assert orders["o1"]["status"] == "refunded"
    assert (orders["o3"]["is_repeat_topup"], orders["o3"]["days_since_prev_topup"]) == (False, None)
    assert (orders["o5"]["is_repeat_topup"], orders["o5"]["days_since_prev_topup"]) == (True, 1)
    # only the touched users' orders were rebuilt (u4's were not)
    for order_id in ("o6", "o8"):
        assert orders[order_id]["_batch_run_id"] == before[order_id]["_batch_run_id"]
    assert orders["o1"]["_batch_run_id"] > before["o1"]["_batch_run_id"]
    # only 03-01's user-days were rebuilt (the refund): the 03-02 pre-deduction
    # correction is of a lake table fct_user_activity does not read, so neither its
    # filter nor its merge's delete scope holds 03-02
    days = by(q("select * from core.fct_user_activity"), "activity_date", "user_id")
    for key, row in days.items():
        rebuilt = row["_batch_run_id"] != before_days[key]["_batch_run_id"]
        assert rebuilt == (key[0] == D("2025-03-01")), key
    assert {k[0] for k in days} > {D("2025-03-01"), D("2025-03-02")}  # other days kept
    # fct_channel_day (channel_stats, top_up) likewise: 03-01's rows, c1 without o1
    channel_days = by(q("select * from core.fct_channel_day"), "channel_date", "channel_id")
    for key, row in channel_days.items():
        rebuilt = row["_batch_run_id"] != before_channel_days[key]["_batch_run_id"]
        assert rebuilt == (key[0] == D("2025-03-01")), key
    c1 = channel_days[(D("2025-03-01"), "c1")]
    assert (c1["attributed_orders"], c1["attributed_revenue"]) == (1, Decimal("300.00"))
    # while the revenue facts take the pre-deduction correction: s1 reconciles on 03-02
    assert tuple(one(q(s1)).values()) == (Decimal("805.00"), False)

    # marts: that day's numbers change
    kpis = by(q("select * from marts.mart_daily_kpis"), "date")
    d1 = kpis[D("2025-03-01")]
    assert (d1["topup_revenue"], d1["paying_users"], d1["dau"]) == (Decimal("500.00"), 2, 3)
    assert d1["refund_rate"] == pytest.approx(0.5)
    assert d1["arppu"] == Decimal("250.00")
    assert kpis[D("2025-03-02")]["topup_revenue"] == Decimal("230.00")
    p2 = one(
        q(
            "select * from marts.mart_revenue_deductions "
            "where date = '2025-03-02' and agency is null"
        )
    )
    assert (p2["gross_pre"], p2["mismatches"]) == (Decimal("1305.00"), 2)

    # and everything equals a from-scratch build of the same lake
    incremental = snapshot_tables(data_dir)
    scratch = tmp_path_factory.mktemp("scratch") / "data"
    shutil.copytree(data_dir / "lake", scratch / "lake")
    run_dbt(scratch, "build")
    full = snapshot_tables(scratch)
    assert_same_tables(incremental, full)


def test_named_lake_tables_cover_the_models_lineage(built_fixture):
    """A model that names the lake tables it rebuilds for (`{% set lake_tables = [...] %}`,
    passed to changed_dates and rebuilt_dates) reads no other lake table: a change of one
    it did not name would be missed, its date neither rebuilt nor deleted from."""
    manifest = built_fixture["data_dir"].parent / "target" / "manifest.json"
    nodes = json.loads(manifest.read_text())["nodes"]

    def lake_tables_upstream(unique_id: str) -> set[str]:
        tables, todo, seen = set(), [unique_id], set()
        while todo:
            node = nodes.get(todo.pop())
            if node is None or node["unique_id"] in seen or node["name"] == "int_lake_changes":
                continue  # a source, seen, or the change log (every incremental model reads it)
            seen.add(node["unique_id"])
            table = node["name"].removeprefix("base_lake__")
            tables |= {table} & DOMAINS_BY_TABLE.keys()
            todo += node["depends_on"]["nodes"]
        return tables

    named = {}
    for node in nodes.values():
        found = re.search(r"{%-?\s*set lake_tables = (\[[^\]]*\])", node.get("raw_code", ""))
        if node["resource_type"] == "model" and found:
            named[node["name"]] = set(ast.literal_eval(found[1]))
            assert lake_tables_upstream(node["unique_id"]) <= named[node["name"]], node["name"]
    assert named == {
        "fct_user_activity": {"top_up", "user_activity"},
        "fct_channel_day": {"top_up", "channel_stats"},
    }


def assert_same_tables(left: dict[str, list[dict]], right: dict[str, list[dict]]) -> None:
    """Equal row for row; doubles within 1e-9 (parallel float sums are not bit-stable)."""
    for table in TABLES_TO_COMPARE:
        assert len(left[table]) == len(right[table]), table
        for a, b in zip(left[table], right[table], strict=True):
            assert a.keys() == b.keys(), table
            for key in a:
                if isinstance(a[key], float) and isinstance(b[key], float):
                    assert a[key] == pytest.approx(b[key], rel=1e-9, abs=1e-12), (table, key, a)
                else:
                    assert a[key] == b[key], (table, key, a, b)


# ------------------------------------------------------------------ the contract

MART_COLUMNS = {
    "mart_daily_kpis": [
        "date",
        "dau",
        "wau",
        "mau",
        "stickiness",
        "new_users",
        "paying_users",
        "topup_revenue",
        "arppu",
        "arpu",
        "refund_rate",
        "watch_minutes_per_dau",
        "messages_per_dau",
    ],
    "mart_daily_kpis_by_level": [
        "date",
        "membership_level",
        "dau",
        "wau",
        "mau",
        "stickiness",
        "new_users",
        "paying_users",
        "topup_revenue",
        "arppu",
        "arpu",
        "refund_rate",
        "watch_minutes_per_dau",
        "messages_per_dau",
        "paying_share_of_dau",
    ],
    "mart_membership_transitions": [
        "period_grain",
        "period_start",
        "from_level",
        "to_level",
        "users",
    ],
    "mart_channel_topup_effectiveness": [
        "date",
        "channel_id",
        "channel_name",
        "category",
        "attributed_revenue",
        "attributed_paying_users",
        "unique_viewers",
        "live_minutes",
        "conversion_rate",
        "revenue_per_live_hour",
        "revenue_share",
    ],
    "mart_revenue_deductions": [
        "date",
        "agency",
        "gross_pre",
        "gross_post",
        "platform_fee",
        "payment_fee",
        "tax_withheld",
        "net_revenue",
        "take_rate",
        "take_rate_z",
        "is_flagged",
        "mismatches",
        "arithmetic_breaks",
    ],
    "mart_topup_segments": [
        "date",
        "topup_day_segment",
        "payment_method",
        "platform",
        "orders",
        "paying_users",
        "revenue",
    ],
}


@pytest.mark.parametrize("mart", sorted(MART_COLUMNS))
def test_mart_columns_follow_the_contract(built_fixture, mart):
    """The contract's columns come first, in the contract's order (extras may follow)."""
    rows = built_fixture["query"](
        "select column_name, data_type from information_schema.columns "
        f"where table_schema = 'marts' and table_name = '{mart}' order by ordinal_position"
    )
    names = [r["column_name"] for r in rows]
    assert names[: len(MART_COLUMNS[mart])] == MART_COLUMNS[mart]
    types = {r["column_name"]: r["data_type"] for r in rows}
    for name, dtype in types.items():
        if name.endswith(("_rate", "stickiness", "_per_dau", "_share", "share_of_dau", "_z")):
            assert dtype == "DOUBLE", (name, dtype)
        if name in (
            "topup_revenue",
            "arppu",
            "arpu",
            "revenue",
            "attributed_revenue",
            "gross_pre",
            "net_revenue",
        ):
            assert dtype == "DECIMAL(18,2)", (name, dtype)


def test_opted_in_tests_read_the_newest_batch(built_fixture):
    """A test with `meta: {newest_batch: true}` reads its model's newest batch, bounded
    by a literal; every other test (whole-table reconciliations, models without a
    batch) reads every row, as dbt does."""
    compiled = built_fixture["data_dir"].parent / "target" / "compiled" / "livelake" / "models"

    def sql(yml: str, prefix: str) -> str:
        (path,) = (compiled / yml).glob(f"{prefix}*.sql")
        return path.read_text()

    newest = "_batch_run_id = cast('"
    assert newest in sql("marts/core/_core__models.yml", "unique_fct_topup_order_id")
    assert newest in sql("staging/lake/_lake__models.yml", "unique_stg_lake__top_up_order_id")
    assert newest in sql("marts/core/_core__models.yml", "relationships_fct_topup_user_id")
    assert newest not in sql("marts/core/_core__models.yml", "row_count_matches_fct_topup")
    assert newest not in sql("marts/core/_core__models.yml", "unique_dim_channels_channel_id")
