"""The marts against a simulated world's ground truth (`livelake generate` + `ingest`).

Runs on two worlds: the session's ingested `small` world (tests/conftest.py; or the
data dir LIVELAKE_TRUTH_DATA_DIR names, holding `lake/` and `truth/world/`, e.g. an
ingested medium world), and the `long` world (150 days, few users), where drop-offs
happen, retention reaches week 12 and every 28- and 30-day window is complete. Each
lake is linked into a temp LIVELAKE_DATA_DIR (never written to) and built with `dbt
build` (`truth_build`, `long_build`, tests/transform/conftest.py). The expectations are
computed here independently, in Python, from the world tables (resolved: one row per
order with its final status, final values per date). Every comparison also counts
what it compared: two empty sets never pass as equal.
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

# The long world's tests share one xdist group: one worker generates and builds it
# (a mark on the test's own parameter: xdist does not see a fixture parameter's).
LONG = pytest.mark.xdist_group("long_world")
ON_BOTH_WORLDS = pytest.mark.parametrize(
    "built", [pytest.param("small"), pytest.param("long", marks=LONG)], indirect=True
)


@pytest.fixture(scope="module")
def built(request) -> dict:
    """A world's build (`truth_build` or `long_build`), as the test's parameter says."""
    return request.getfixturevalue("truth_build" if request.param == "small" else "long_build")


@pytest.fixture(scope="module")
def world_truth(built) -> truth_kpis.Truth:
    """The world's ground truth with its derived facts (DAU sets, levels, ...), for
    the KPIs computed independently in tests/transform/truth_kpis.py."""
    return truth_kpis.Truth(truth_kpis.World.load(built["source"] / "truth" / "world"))


@ON_BOTH_WORLDS
def test_build_has_no_errors(built):
    assert "ERROR=0" in built["result"].stdout


@ON_BOTH_WORLDS
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
def test_staging_equals_world(built, table, columns):
    got = sorted(
        map(
            lambda r: tuple(r.values()),
            built["query"](f"select {columns} from staging.stg_lake__{table}"),
        ),
        key=repr,
    )
    names = [c.strip() for c in columns.split(",")]
    want = sorted((tuple(r[n] for n in names) for r in built["world"](table)), key=repr)
    assert want, f"the world has no {table} rows: nothing compared"
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


@ON_BOTH_WORLDS
def test_daily_kpis_equal_world(built):
    expected = _world_daily(built["world"])
    got = {r["date"]: r for r in built["query"]("select * from marts.mart_daily_kpis")}
    assert expected, "the world has no days: nothing compared"
    assert set(expected) == set(got)
    for d, want in expected.items():
        row = got[d]
        for key, value in want.items():
            if isinstance(value, float):
                assert row[key] == pytest.approx(value), (d, key)
            else:
                assert row[key] == value, (d, key)


@ON_BOTH_WORLDS
def test_registration_dates_equal_world(built):
    """Every user the reports give a registration date has that date in dim_users (the
    earliest reported), and no other user has one."""
    world_users = {
        r["user_id"]: r["registered_at"]
        for r in built["world"]("users")
        if r["registered_at"] is not None
    }
    dim = {
        r["user_id"]: r["registered_at"]
        for r in built["query"](
            "select user_id, registered_at from core.dim_users where registered_at is not null"
        )
    }
    assert world_users, "the world reports no registration: nothing compared"
    mismatched = {
        u: (dim.get(u), world_users.get(u))
        for u in dim.keys() | world_users.keys()
        if dim.get(u) != world_users.get(u)
    }
    assert not mismatched, f"{len(mismatched)} of {len(world_users)} differ"


@ON_BOTH_WORLDS
def test_streamer_day_anomalies_equal_world(built):
    anomalies = built["world"]("_anomalies")
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
    # every kind is planted (simulator/world.py): none compared empty
    assert {kind for kind, _, _ in want} == set(kind_map.values()), want
    rows = built["query"]("select * from marts.mart_streamer_day_exceptions")
    got = set()
    for r in rows:
        if r["is_arithmetic_break"]:
            got.add(("arithmetic_break", r["date"], r["streamer_id"]))
        if r["is_mismatch"]:
            got.add((r["mismatch_reason"], r["date"], r["streamer_id"]))
    assert got == want


@ON_BOTH_WORLDS
def test_the_take_rate_spike_is_flagged(built):
    """The simulator plants one spike, on an agency, with at least 7 earlier report
    days (simulator/scales.py): its day is flagged, with every earlier day of its
    28-day window counted."""
    spikes = [a for a in built["world"]("_anomalies") if a["kind"] == "take_rate_spike"]
    assert len(spikes) == 1 and spikes[0]["agency"] is not None, spikes
    spike = spikes[0]
    first_day = min(r["report_date"] for r in built["world"]("post_deduction"))
    earlier_days = min(28, (spike["report_date"] - first_day).days)
    assert earlier_days >= 7, spike
    rows = built["query"](
        "select is_flagged, take_rate_z, take_rate_days_trailing "
        "from marts.mart_revenue_deductions "
        f"where date = '{spike['report_date']}' and agency = '{spike['agency']}'"
    )
    assert len(rows) == 1, (spike, rows)
    assert rows[0]["take_rate_days_trailing"] == earlier_days, (spike, rows)
    assert rows[0]["is_flagged"] and rows[0]["take_rate_z"] >= 3, (spike, rows)


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


@ON_BOTH_WORLDS
@pytest.mark.parametrize("mart", sorted(MARTS))
def test_mart_equals_kpis_computed_from_world(built, world_truth, mart):
    expected, key = MARTS[mart]
    # `_batch*` columns are the incremental models' watermarks, not KPIs.
    got = [
        {k: v for k, v in row.items() if not k.startswith("_batch")}
        for row in built["query"](f"select * from marts.{mart}")
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


@LONG
def test_the_long_world_reaches_every_kpi_window(long_build):
    """What the small world is too short for, compared non-empty on the long one (the
    values themselves: test_mart_equals_kpis_computed_from_world): drop-offs (30
    quiet days), retention in weeks 1, 2, 4, 8 and 12, complete 30-day MAU windows
    and 28-day take-rate windows."""
    truth = truth_kpis.Truth(truth_kpis.World.load(long_build["source"] / "truth" / "world"))
    q = long_build["query"]

    dropoffs = truth.dropoffs()
    assert len(dropoffs) >= 10, dropoffs
    by_level = q(
        "select from_level, sum(users) as users from marts.mart_membership_transitions "
        "where period_grain = 'day' and transition_type = 'drop_off' group by 1"
    )
    want_by_level: dict[str, int] = defaultdict(int)
    for _, _, level in dropoffs:
        want_by_level[level] += 1
    assert {r["from_level"]: r["users"] for r in by_level} == want_by_level
    [summary] = q(
        "select sum(dropoffs) as dropoffs from marts.mart_membership_summary "
        "where period_grain = 'day'"
    )
    assert summary["dropoffs"] == len(dropoffs)

    retention = q(
        "select weeks_after, count(*) as cohorts, sum(retained_users) as retained "
        "from marts.mart_topup_retention where is_complete group by 1"
    )
    want_complete = defaultdict(int)
    for row in truth_kpis.expected_topup_retention(truth):
        want_complete[row["weeks_after"]] += row["is_complete"]
    assert {r["weeks_after"]: r["cohorts"] for r in retention} == want_complete
    assert set(want_complete) == set(truth_kpis.RETENTION_WEEKS)
    assert all(r["retained"] > 0 and r["cohorts"] >= 4 for r in retention), retention

    # MAU over 30 days that all lie inside the data, from the 30th day on
    first, last = truth.dates[0], truth.dates[-1]
    [mau] = q(
        "select count(*) as days, min(mau) as least from marts.mart_daily_kpis "
        f"where date >= date '{first + timedelta(days=29)}'"
    )
    assert mau["days"] == (last - first).days + 1 - 29 and mau["days"] >= 100, mau
    assert mau["least"] > 0, mau

    # take-rate z-scores over 28 whole earlier days
    deductions = truth_kpis.expected_revenue_deductions(truth)
    full = [r for r in deductions if r["take_rate_days_trailing"] == 28]
    [z28] = q(
        "select count(*) as rows, count(take_rate_z) as scored "
        "from marts.mart_revenue_deductions where take_rate_days_trailing = 28"
    )
    assert z28["rows"] == len(full) and z28["scored"] >= 100, z28
