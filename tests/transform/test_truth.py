"""The marts against a simulated world's ground truth (`livelake generate` + `ingest`).

Runs on the session's ingested `small` world (tests/conftest.py), or on the data
dir LIVELAKE_TRUTH_DATA_DIR names (holding `lake/` and `truth/world/`, e.g. an
ingested medium world); the lake is linked into a temp LIVELAKE_DATA_DIR (the given dir is
never written to) and built with `dbt build` (`truth_build`, tests/transform/conftest.py).
The expectations are computed here independently, in Python, from the world tables
(resolved: one row per order with its final status, final values per date).
"""

from __future__ import annotations

import random
import shutil
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.transform import truth_kpis
from tests.transform.conftest import run_dbt
from tests.transform.test_build import assert_same_tables, snapshot_tables
from tests.transform.test_health import HEALTH_MARTS

pytestmark = [pytest.mark.slow]


@pytest.fixture(scope="module")
def world_truth(truth_source) -> truth_kpis.Truth:
    """The world's ground truth with its derived facts (DAU sets, levels, ...), for
    the KPIs computed independently in tests/transform/truth_kpis.py."""
    return truth_kpis.Truth(truth_kpis.World.load(truth_source / "truth" / "world"))


def test_build_has_no_errors(truth_build):
    assert "ERROR=0" in truth_build["result"].stdout


@pytest.mark.parametrize(
    ("table", "columns"),
    [
        (
            "top_up",
            "order_id, user_id, topup_at, amount, coins, bonus_coins, payment_method, platform, "
            "status, channel_id, membership_level, promo_code",
        ),
        (
            "user_activity",
            "report_date, user_id, registered_at, membership_level, watch_minutes, "
            "channels_watched, messages_sent, gifts_sent_coins",
        ),
        (
            "channel_stats",
            "report_date, channel_id, channel_name, category, live_minutes, unique_viewers, "
            "peak_concurrent_viewers, new_followers, chat_messages, gift_senders",
        ),
        (
            "pre_deduction",
            "report_date, streamer_id, streamer_name, channel_id, channel_name, agency, "
            "gift_count, gift_coins, gross_revenue",
        ),
        (
            "post_deduction",
            "report_date, streamer_id, channel_id, gross_revenue, platform_fee, payment_fee, "
            "tax_withheld, net_revenue, settlement_status",
        ),
    ],
)
def test_staging_equals_world(truth_build, table, columns):
    got = sorted(
        map(
            lambda r: tuple(r.values()),
            truth_build["query"](f"select {columns} from staging.stg_lake__{table}"),
        ),
        key=repr,
    )
    names = [c.strip() for c in columns.split(",")]
    want = sorted((tuple(r[n] for n in names) for r in truth_build["world"](table)), key=repr)
    assert got == want


def _world_daily(world) -> dict:
    activity = world("user_activity")
    topups = world("top_up")
    users = world("users")
    dates = sorted({r["report_date"] for r in activity} | {r["topup_at"].date() for r in topups})
    dau = defaultdict(set)
    for r in activity:
        if (
            (r["watch_minutes"] or 0) > 0
            or (r["messages_sent"] or 0) > 0
            or (r["gifts_sent_coins"] or 0) > 0
        ):
            dau[r["report_date"]].add(r["user_id"])
    revenue = defaultdict(Decimal)
    paying = defaultdict(set)
    success = defaultdict(int)
    refunded = defaultdict(int)
    for r in topups:
        d = r["topup_at"].date()
        if r["status"] == "success":
            revenue[d] += r["amount"]
            paying[d].add(r["user_id"])
            dau[d].add(r["user_id"])
            success[d] += 1
        elif r["status"] == "refunded":
            refunded[d] += 1
    new_users = defaultdict(int)
    for r in users:
        new_users[r["registered_at"]] += 1
    out = {}
    for d in dates:
        week = set().union(*(dau[d - timedelta(days=i)] for i in range(7)))
        month = set().union(*(dau[d - timedelta(days=i)] for i in range(30)))
        out[d] = {
            "dau": len(dau[d]),
            "wau": len(week),
            "mau": len(month),
            "paying_users": len(paying[d]),
            "topup_revenue": revenue[d].quantize(Decimal("0.01")),
            "refund_rate": refunded[d] / (success[d] + refunded[d])
            if success[d] + refunded[d]
            else None,
            "new_users": new_users[d],
        }
    return out


def test_daily_kpis_equal_world(truth_build):
    expected = _world_daily(truth_build["world"])
    got = {r["date"]: r for r in truth_build["query"]("select * from marts.mart_daily_kpis")}
    assert set(expected) <= set(got)
    for d, want in expected.items():
        row = got[d]
        for key, value in want.items():
            if isinstance(value, float):
                assert row[key] == pytest.approx(value), (d, key)
            else:
                assert row[key] == value, (d, key)


def test_new_users_equal_world_for_reported_users(truth_build):
    q = truth_build["query"]
    world_users = {r["user_id"]: r["registered_at"] for r in truth_build["world"]("users")}
    dim = {
        r["user_id"]: r["registered_at"]
        for r in q("select user_id, registered_at from core.dim_users")
    }
    # every user with a reported registration agrees with the world's
    mismatched = {
        u: (reg, world_users.get(u))
        for u, reg in dim.items()
        if reg is not None and reg != world_users.get(u)
    }
    assert not mismatched


def test_streamer_day_anomalies_equal_world(truth_build):
    anomalies = truth_build["world"]("_anomalies")
    kind_map = {
        "arithmetic_break": "arithmetic_break",
        "gross_mismatch": "gross_differs",
        "post_only": "post_only",
        "pre_only": "pre_only",
    }
    want = {
        (kind_map[a["kind"]], a["report_date"], a["streamer_id"])
        for a in anomalies
        if a["kind"] in kind_map
    }
    rows = truth_build["query"]("select * from marts.mart_streamer_day_exceptions")
    got = set()
    for r in rows:
        if r["is_arithmetic_break"]:
            got.add(("arithmetic_break", r["date"], r["streamer_id"]))
        if r["is_mismatch"]:
            got.add((r["mismatch_reason"], r["date"], r["streamer_id"]))
    assert got == want


def test_take_rate_spikes_are_flagged(truth_build):
    spikes = [a for a in truth_build["world"]("_anomalies") if a["kind"] == "take_rate_spike"]
    q = truth_build["query"]
    for spike in spikes:
        if spike["agency"] is None:
            continue
        row = q(
            "select is_flagged, take_rate_z28, take_rate_days_28 "
            "from marts.mart_revenue_deductions "
            f"where date = '{spike['report_date']}' and agency = '{spike['agency']}'"
        )
        assert row, spike
        if row[0]["take_rate_days_28"] >= 7:
            assert row[0]["is_flagged"], (spike, row)


def test_incremental_with_late_exports_equals_full_build(tmp_path, truth_source):
    """Hold back a random eighth of the lake's part files, build, then let them arrive
    later (ingested_at bumped, as a later ingest run would stamp them), build
    incrementally, and compare with a from-scratch build of the whole lake."""
    source = truth_source / "lake"
    inc = tmp_path / "inc" / "data"
    shutil.copytree(source, inc / "lake", ignore=shutil.ignore_patterns("_*"))
    parts = sorted((inc / "lake").rglob("*.parquet"))
    held = random.Random(7).sample(parts, k=max(1, len(parts) // 8))
    hold = tmp_path / "held"
    for part in held:
        dest = hold / part.relative_to(inc / "lake")
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(part, dest)
    for folder in sorted((inc / "lake").rglob("*"), reverse=True):
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
    run_dbt(inc, "build")

    later = datetime(2030, 1, 1, tzinfo=UTC)
    for part in sorted(hold.rglob("*.parquet")):
        table = pq.read_table(part)
        i = table.schema.get_field_index("ingested_at")
        field = table.schema.field(i)
        table = table.set_column(i, field, pa.array([later] * table.num_rows, type=field.type))
        dest = inc / "lake" / part.relative_to(hold)
        dest.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, dest, compression="zstd")
    result = run_dbt(inc, "build")
    assert "ERROR=0" in result.stdout

    full = tmp_path / "full" / "data"
    shutil.copytree(inc / "lake", full / "lake")
    run_dbt(full, "build")
    assert_same_tables(snapshot_tables(inc), snapshot_tables(full))


# Every mart, every row and column, against kpis.md computed in Python from the
# world (truth_kpis.py): money exact to the cent, rates within 1e-9.
MARTS = {
    "mart_daily_kpis": (truth_kpis.expected_daily_kpis, ("date",)),
    "mart_daily_kpis_by_level": (
        truth_kpis.expected_daily_kpis_by_level,
        ("date", "membership_level"),
    ),
    "mart_membership_summary": (
        truth_kpis.expected_membership_summary,
        ("period_grain", "period_start"),
    ),
    "mart_membership_transitions": (
        truth_kpis.expected_membership_transitions,
        ("period_grain", "period_start", "from_level", "to_level"),
    ),
    "mart_channel_topup_effectiveness": (
        truth_kpis.expected_channel_topup_effectiveness,
        ("date", "channel_id"),
    ),
    "mart_category_topup_effectiveness_weekly": (
        truth_kpis.expected_category_topup_effectiveness_weekly,
        ("week_start", "category"),
    ),
    "mart_revenue_deductions": (truth_kpis.expected_revenue_deductions, ("date", "agency")),
    "mart_streamer_day_exceptions": (
        truth_kpis.expected_streamer_day_exceptions,
        ("streamer_day_id",),
    ),
    "mart_topup_segments": (
        truth_kpis.expected_topup_segments,
        ("date", "topup_day_segment", "payment_method", "platform"),
    ),
    "mart_topup_funnel": (truth_kpis.expected_topup_funnel, ("cohort_week",)),
    "mart_topup_retention": (truth_kpis.expected_topup_retention, ("cohort_week", "weeks_after")),
}


@pytest.mark.parametrize("mart", sorted(MARTS))
def test_mart_equals_kpis_computed_from_world(truth_build, world_truth, mart):
    expected, key = MARTS[mart]
    # `_batch*` columns are the incremental models' watermarks, not KPIs.
    got = [
        {k: v for k, v in row.items() if not k.startswith("_batch")}
        for row in truth_build["query"](f"select * from marts.{mart}")
    ]
    want = expected(world_truth)
    assert want, f"the world gives {mart} no rows: nothing compared"
    problems = truth_kpis.diff_rows(got, want, key)
    assert not problems, f"{mart}: {len(problems)} differences, first: {problems[:10]}"


def test_every_mart_is_compared_with_the_world(truth_build):
    marts = {
        r["table_name"]
        for r in truth_build["query"](
            "select table_name from information_schema.tables where table_schema = 'marts'"
        )
    }
    # The data-health marts count the lake itself, not the world: test_health.py
    # checks them against the ingest's manifest and the planted quarantine.
    assert marts == set(MARTS) | set(HEALTH_MARTS)
