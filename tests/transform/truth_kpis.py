"""The kpis.md KPIs computed independently, in plain Python, from a simulated world's
ground truth (`truth/world/*.parquet`: resolved, one row per order with its final
status, final values per date). Each `expected_<mart>` returns the mart's rows as
dicts with every column of the mart, for `assert_same_rows`.

Written from kpis.md, not from the mart SQL. Where kpis.md is silent the rule
followed is the mart's documented one (its YAML description / transform/README);
each such place says so in a comment.
"""

from __future__ import annotations

import bisect
import calendar
import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import polars as pl

from ingest.vocab import LEVELS

RANK = {level: i for i, level in enumerate(LEVELS)}
CENT = Decimal("0.01")
DROPOFF_DAYS = 30  # kpis.md
TAKE_RATE_WINDOW, TAKE_RATE_MIN_DAYS, TAKE_RATE_Z = 28, 7, 3  # kpis.md
TOLERANCE_TWD = Decimal(1)  # kpis.md: > 1 TWD
RETENTION_WEEKS = (1, 2, 4, 8, 12)  # kpis.md
INDEPENDENT = "independent"  # kpis.md: blank agency = independent (label per the marts' YAML)


# ---------------------------------------------------------------- helpers


def money(value: Decimal | None) -> Decimal | None:
    """TWD to the cent, half away from zero (exact decimal arithmetic)."""
    return None if value is None else Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def money_ratio(num: Decimal | int | None, den: Decimal | int | None) -> Decimal | None:
    if num is None or not den:
        return None
    return money(Decimal(num) / Decimal(den))


def ratio(num, den) -> float | None:
    if num is None or not den:
        return None
    return float(num) / float(den)


def week_start(d: date) -> date:
    """Monday of the ISO week."""
    return d - timedelta(days=d.weekday())


def month_start(d: date) -> date:
    return d.replace(day=1)


def day_segment(hour: int) -> str:
    """kpis.md: late_night [0,6), morning [6,12), afternoon [12,18), evening [18,24)."""
    return ("late_night", "morning", "afternoon", "evening")[hour // 6]


def is_engaged(row: dict) -> bool:
    return any((row[c] or 0) > 0 for c in ("watch_minutes", "messages_sent", "gifts_sent_coins"))


# ---------------------------------------------------------------- the world


@dataclass
class World:
    top_up: list[dict]
    user_activity: list[dict]
    channel_stats: list[dict]
    pre_deduction: list[dict]
    post_deduction: list[dict]
    users: list[dict]

    @classmethod
    def load(cls, world_dir: Path) -> World:
        def read(table: str) -> list[dict]:
            return pl.read_parquet(world_dir / f"{table}.parquet").to_dicts()

        return cls(
            top_up=read("top_up"),
            user_activity=read("user_activity"),
            channel_stats=read("channel_stats"),
            pre_deduction=read("pre_deduction"),
            post_deduction=read("post_deduction"),
            users=read("users"),
        )


class Truth:
    """Derived facts of a world, computed once and shared by the expectations."""

    def __init__(self, world: World):
        self.world = world
        topups = sorted(world.top_up, key=lambda r: (r["topup_at"], r["order_id"]))
        self.topups = topups
        self.successful = [r for r in topups if r["status"] == "success"]

        # dates: every date any report covers, first to last (no gaps)
        seen = (
            [r["topup_at"].date() for r in topups]
            + [r["report_date"] for r in world.user_activity]
            + [r["report_date"] for r in world.channel_stats]
            + [r["report_date"] for r in world.pre_deduction]
            + [r["report_date"] for r in world.post_deduction]
        )
        first, last = min(seen), max(seen)
        self.dates = [first + timedelta(days=i) for i in range((last - first).days + 1)]

        # DAU sets: engaged activity united with the paying users of the day
        self.dau: dict[date, set[str]] = defaultdict(set)
        self.activity_by_day: dict[date, dict[str, dict]] = defaultdict(dict)
        for r in world.user_activity:
            self.activity_by_day[r["report_date"]][r["user_id"]] = r
            if is_engaged(r):
                self.dau[r["report_date"]].add(r["user_id"])
        self.paying: dict[date, set[str]] = defaultdict(set)
        self.topups_by_day: dict[date, list[dict]] = defaultdict(list)
        for r in topups:
            self.topups_by_day[r["topup_at"].date()].append(r)
            if r["status"] == "success":
                self.paying[r["topup_at"].date()].add(r["user_id"])
                self.dau[r["topup_at"].date()].add(r["user_id"])

        # kpis.md: registered_at is the earliest one *reported* (User Activity); users
        # that never appear in a report have none.
        self.registered_at: dict[str, date] = {}
        for r in world.user_activity:
            if r["registered_at"] is not None:
                u = r["user_id"]
                self.registered_at[u] = min(r["registered_at"], self.registered_at.get(u, date.max))

        # repeat top-ups: an earlier successful top-up by (topup_at, order_id)
        self.repeat: dict[str, bool] = {}
        seen_users: set[str] = set()
        self.successful_dates: dict[str, list[date]] = defaultdict(list)
        for r in self.successful:
            self.repeat[r["order_id"]] = r["user_id"] in seen_users
            seen_users.add(r["user_id"])
            self.successful_dates[r["user_id"]].append(r["topup_at"].date())

        self._observations()

    # ------------------------------------------------------------ membership

    def _observations(self) -> None:
        """kpis.md: top-up rows of any status at topup_at, User Activity rows at the end
        of their day; at equal instants the larger order_id is later. The end of d is
        the midnight starting d+1; the mart's documented tie rule (the intermediate's
        YAML) puts that activity row before a top-up made at the same midnight, which
        belongs to d+1. Rows without a level are no observation."""
        obs: dict[str, list[tuple]] = defaultdict(list)
        for r in self.world.top_up:
            if r["membership_level"] is not None:
                obs[r["user_id"]].append(
                    (r["topup_at"], 1, r["order_id"], r["topup_at"].date(), r["membership_level"])
                )
        for r in self.world.user_activity:
            if r["membership_level"] is not None:
                end = datetime.combine(r["report_date"] + timedelta(days=1), datetime.min.time())
                obs[r["user_id"]].append((end, 0, "", r["report_date"], r["membership_level"]))
        self.observations = {u: sorted(v) for u, v in obs.items()}
        self._obs_dates = {u: [o[3] for o in v] for u, v in self.observations.items()}

    def level_on(self, user: str, d: date) -> str | None:
        """The level of the user's latest observation on or before d (None before any)."""
        dates = self._obs_dates.get(user)
        if not dates:
            return None
        i = bisect.bisect_right(dates, d)
        return self.observations[user][i - 1][4] if i else None

    def level_changes(self) -> list[tuple[str, date, str, str]]:
        """(user, date, from, to) for every rank change between consecutive observations."""
        out = []
        for user, obs in self.observations.items():
            for prev, cur in zip(obs, obs[1:], strict=False):
                if prev[4] != cur[4]:
                    out.append((user, cur[3], prev[4], cur[4]))
        return out

    def dropoffs(self) -> list[tuple[str, date, str]]:
        """(user, drop-off date, level). kpis.md: a silver+ user with no activity and no
        top-up for 30 days; the drop-off date is the 30th day after the last one. Where
        kpis.md is silent, the marts' documented rules (fct_membership_dropoffs):
        "activity" = a User Activity row with any activity above
        0, a top-up of any status counts; the drop-off date must lie inside the data
        (<= the last User Activity / top-up date); the level is the one on the drop-off
        date; a user who comes back and goes quiet again drops off again."""
        touches: dict[str, set[date]] = defaultdict(set)
        for r in self.world.user_activity:
            if is_engaged(r):
                touches[r["user_id"]].add(r["report_date"])
        for r in self.world.top_up:
            touches[r["user_id"]].add(r["topup_at"].date())
        data_end = max(
            [r["report_date"] for r in self.world.user_activity]
            + [r["topup_at"].date() for r in self.world.top_up]
        )
        out = []
        for user, days in touches.items():
            days = sorted(days)
            for i, last in enumerate(days):
                drop = last + timedelta(days=DROPOFF_DAYS)
                nxt = days[i + 1] if i + 1 < len(days) else None
                if drop <= data_end and (nxt is None or nxt > drop):
                    level = self.level_on(user, drop)
                    if level is not None and RANK[level] >= RANK["silver"]:
                        out.append((user, drop, level))
        return out


# ---------------------------------------------------------------- daily KPIs


def _trailing(truth: Truth, d: date, days: int) -> set[str]:
    return set().union(*(truth.dau.get(d - timedelta(days=i), set()) for i in range(days)))


def _kpi_block(
    dau: set[str],
    mau: int,
    paying: set[str],
    revenue: Decimal,
    success: int,
    refunded: int,
    activity: dict[str, dict],
) -> dict:
    watch = sum((activity[u]["watch_minutes"] or 0) for u in dau if u in activity)
    messages = sum((activity[u]["messages_sent"] or 0) for u in dau if u in activity)
    return {
        "dau": len(dau),
        "stickiness": ratio(len(dau), mau),
        "paying_users": len(paying),
        "topup_revenue": money(revenue),
        "arppu": money_ratio(revenue, len(paying)),
        "arpu": money_ratio(revenue, len(dau)),
        "refund_rate": ratio(refunded, success + refunded),
        "watch_minutes_per_dau": ratio(watch, len(dau)),
        "messages_per_dau": ratio(messages, len(dau)),
    }


def _reported(truth: Truth) -> set[date]:
    """The days with a User Activity report: the world holds activity rows for them."""
    return {d for d, rows in truth.activity_by_day.items() if rows}


def _coverage(d: date, reported: set[date], wau: int, mau: int, stickiness) -> dict:
    """A day's coverage columns (the KPI marts' YAML): the report days among the 7 / 30
    ending d, and WAU / MAU / stickiness repeated only where their window is complete."""
    days_7 = sum(d - timedelta(days=i) in reported for i in range(7))
    days_30 = sum(d - timedelta(days=i) in reported for i in range(30))
    return {
        "has_activity_report": d in reported,
        "activity_days_7": days_7,
        "activity_days_30": days_30,
        "wau_if_complete": wau if days_7 == 7 else None,
        "mau_if_complete": mau if days_30 == 30 else None,
        "stickiness_if_complete": stickiness if days_30 == 30 else None,
    }


def expected_daily_kpis(truth: Truth) -> list[dict]:
    new_users = defaultdict(int)
    for reg in truth.registered_at.values():
        new_users[reg] += 1
    reported = _reported(truth)
    rows = []
    for d in truth.dates:
        topups = truth.topups_by_day.get(d, [])
        success = [r for r in topups if r["status"] == "success"]
        wau, mau = len(_trailing(truth, d, 7)), len(_trailing(truth, d, 30))
        block = _kpi_block(
            truth.dau.get(d, set()),
            mau,
            truth.paying.get(d, set()),
            sum((r["amount"] for r in success), Decimal(0)),
            len(success),
            sum(r["status"] == "refunded" for r in topups),
            truth.activity_by_day.get(d, {}),
        )
        rows.append(
            {
                "date": d,
                "wau": wau,
                "mau": mau,
                "new_users": new_users[d],
                **block,
                **_coverage(d, reported, wau, mau, block["stickiness"]),
            }
        )
    return rows


def expected_daily_kpis_by_level(truth: Truth) -> list[dict]:
    """A user counts at their level on d (kpis.md). The day's activity and top-ups go
    by the level at the end of d; WAU / MAU / new users group users by their level on
    d; users with no observation yet are left out (the mart's YAML)."""
    by_level_reg: dict[tuple[date, str], int] = defaultdict(int)
    for user, reg in truth.registered_at.items():
        level = truth.level_on(user, reg)
        if level is not None:
            by_level_reg[(reg, level)] += 1
    reported = _reported(truth)  # coverage is the platform's (the mart's YAML)
    rows = []
    for d in truth.dates:
        week, month = _trailing(truth, d, 7), _trailing(truth, d, 30)
        level_of = {u: truth.level_on(u, d) for u in week | month}
        day_users = set(truth.activity_by_day.get(d, {})) | {
            r["user_id"] for r in truth.topups_by_day.get(d, [])
        }
        level_of.update({u: truth.level_on(u, d) for u in day_users})
        for level in LEVELS:
            dau = {u for u in truth.dau.get(d, set()) if level_of[u] == level}
            topups = [r for r in truth.topups_by_day.get(d, []) if level_of[r["user_id"]] == level]
            success = [r for r in topups if r["status"] == "success"]
            wau = sum(level_of[u] == level for u in week)
            mau = sum(level_of[u] == level for u in month)
            block = _kpi_block(
                dau,
                mau,
                {r["user_id"] for r in success},
                sum((r["amount"] for r in success), Decimal(0)),
                len(success),
                sum(r["status"] == "refunded" for r in topups),
                truth.activity_by_day.get(d, {}),
            )
            rows.append(
                {
                    "date": d,
                    "membership_level": level,
                    "membership_rank": RANK[level],
                    "wau": wau,
                    "mau": mau,
                    "new_users": by_level_reg[(d, level)],
                    **block,
                    "paying_share_of_dau": ratio(len({r["user_id"] for r in success}), len(dau)),
                    **_coverage(d, reported, wau, mau, block["stickiness"]),
                }
            )
    return rows


# ---------------------------------------------------------------- membership


def _period(grain: str, d: date) -> date:
    return d if grain == "day" else month_start(d)


def _membership_events(truth: Truth) -> list[tuple[str, date, str, str, str]]:
    """(user, date, from, to, type): upgrades / downgrades and drop-offs."""
    events = [
        (u, d, f, t, "upgrade" if RANK[t] > RANK[f] else "downgrade")
        for u, d, f, t in truth.level_changes()
    ]
    events += [(u, d, level, "dropped_off", "drop_off") for u, d, level in truth.dropoffs()]
    return events


def _days_in_period(grain: str, p: date) -> int:
    """Calendar days: a month the data covers in part still has all its days."""
    return 1 if grain == "day" else calendar.monthrange(p.year, p.month)[1]


def expected_membership_summary(truth: Truth) -> list[dict]:
    events = _membership_events(truth)
    reported = _reported(truth)
    rows = []
    for grain in ("day", "month"):
        observed: dict[date, set[str]] = defaultdict(set)
        for user, obs in truth.observations.items():
            for o in obs:
                observed[_period(grain, o[3])].add(user)
        up, down, drops = defaultdict(set), defaultdict(set), defaultdict(int)
        for u, d, _f, _t, kind in events:
            p = _period(grain, d)
            if kind == "upgrade":
                up[p].add(u)
            elif kind == "downgrade":
                down[p].add(u)
            else:
                drops[p] += 1  # drop-offs are counted, not distinct users (the mart's YAML)
        for p in sorted(set(observed) | {_period(grain, e[1]) for e in events}):
            n = len(observed.get(p, ()))
            days_observed = sum(_period(grain, d) == p for d in reported)
            rows.append(
                {
                    "period_grain": grain,
                    "period_start": p,
                    "observed_users": n,
                    "upgraded_users": len(up[p]),
                    "downgraded_users": len(down[p]),
                    "upgrade_rate": ratio(len(up[p]), n),
                    "downgrade_rate": ratio(len(down[p]), n),
                    "dropoffs": drops[p],
                    "days_observed": days_observed,
                    "days_in_period": _days_in_period(grain, p),
                    "is_complete_period": days_observed == _days_in_period(grain, p),
                }
            )
    return rows


def expected_membership_transitions(truth: Truth) -> list[dict]:
    summary = {
        (r["period_grain"], r["period_start"]): r for r in expected_membership_summary(truth)
    }
    moves: dict[tuple, set[str]] = defaultdict(set)
    for u, d, f, t, kind in _membership_events(truth):
        for grain in ("day", "month"):
            moves[(grain, _period(grain, d), f, t, kind)].add(u)
    rows = []
    for (grain, p, f, t, kind), users in moves.items():
        s = summary[(grain, p)]
        rows.append(
            {
                "period_grain": grain,
                "period_start": p,
                "from_level": f,
                "to_level": t,
                "users": len(users),
                "transition_type": kind,
                **{
                    k: s[k]
                    for k in (
                        "observed_users",
                        "upgraded_users",
                        "downgraded_users",
                        "upgrade_rate",
                        "downgrade_rate",
                        "days_observed",
                        "days_in_period",
                        "is_complete_period",
                    )
                },
            }
        )
    return rows


# ---------------------------------------------------------------- channels


def _latest_channel_attributes(truth: Truth) -> dict[str, tuple[str | None, str | None]]:
    """A channel's latest known name and category: the latest Channel Stats row, else
    the latest pre-deduction name (the mart's YAML: 'else the latest known')."""
    out: dict[str, tuple] = {}
    for r in sorted(truth.world.pre_deduction, key=lambda r: r["report_date"]):
        if r["channel_name"] is not None:
            out[r["channel_id"]] = (r["channel_name"], None)
    for r in sorted(truth.world.channel_stats, key=lambda r: r["report_date"]):
        out[r["channel_id"]] = (r["channel_name"], r["category"])
    return out


def _channel_days(truth: Truth) -> dict[tuple[date, str], dict]:
    latest = _latest_channel_attributes(truth)
    stats = {(r["report_date"], r["channel_id"]): r for r in truth.world.channel_stats}
    attributed: dict[tuple, list[dict]] = defaultdict(list)
    for r in truth.successful:
        if r["channel_id"] is not None:
            attributed[(r["topup_at"].date(), r["channel_id"])].append(r)
    out = {}
    for key in set(stats) | set(attributed):
        s, a = stats.get(key), attributed.get(key, [])
        name, category = latest.get(key[1], (None, None))
        out[key] = {
            "date": key[0],
            "channel_id": key[1],
            "channel_name": s["channel_name"] if s and s["channel_name"] is not None else name,
            "category": s["category"] if s and s["category"] is not None else category,
            "revenue": sum((r["amount"] for r in a), Decimal(0)),
            "payers": {r["user_id"] for r in a},
            "orders": len(a),
            "unique_viewers": s["unique_viewers"] if s else None,
            "live_minutes": s["live_minutes"] if s else None,
            "has_stats": s is not None,
        }
    return out


def _platform_revenue(truth: Truth) -> dict[date, Decimal]:
    out: dict[date, Decimal] = defaultdict(Decimal)
    for r in truth.successful:
        out[r["topup_at"].date()] += r["amount"]
    return out


def expected_channel_topup_effectiveness(truth: Truth) -> list[dict]:
    platform = _platform_revenue(truth)
    rows = []
    for c in _channel_days(truth).values():
        rows.append(
            {
                "date": c["date"],
                "channel_id": c["channel_id"],
                "channel_name": c["channel_name"],
                "category": c["category"],
                "attributed_revenue": money(c["revenue"]),
                "attributed_paying_users": len(c["payers"]),
                "unique_viewers": c["unique_viewers"],
                "live_minutes": c["live_minutes"],
                "conversion_rate": ratio(len(c["payers"]), c["unique_viewers"]),
                "revenue_per_live_hour": money_ratio(c["revenue"] * 60, c["live_minutes"]),
                "revenue_share": ratio(c["revenue"], platform.get(c["date"], 0)),
                "attributed_orders": c["orders"],
                # coverage: the payers and revenue of days whose viewers are known
                "has_channel_stats": c["has_stats"],
                "stats_paying_users": len(c["payers"]) if c["has_stats"] else 0,
                "stats_attributed_revenue": money(c["revenue"] if c["has_stats"] else 0),
            }
        )
    return rows


def _sum_known(values) -> int | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def expected_category_topup_effectiveness_weekly(truth: Truth) -> list[dict]:
    """kpis.md "the same per category and per week"; the weekly rules are the mart's
    YAML: ISO weeks; viewers / live minutes are sums of the daily values; paying users
    distinct over the week; conversion = paying user-days / viewer-days and revenue per
    live hour, both over the days with Channel Stats only (stats_days of the week's 7);
    null category = unknown."""
    weekly_platform: dict[date, Decimal] = defaultdict(Decimal)
    for d, rev in _platform_revenue(truth).items():
        weekly_platform[week_start(d)] += rev
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for c in _channel_days(truth).values():
        groups[(week_start(c["date"]), c["category"])].append(c)
    rows = []
    for (week, category), days in groups.items():
        revenue = sum((c["revenue"] for c in days), Decimal(0))
        user_days = sum(len(c["payers"]) for c in days)
        viewers = _sum_known(c["unique_viewers"] for c in days)
        live = _sum_known(c["live_minutes"] for c in days)
        stats = [c for c in days if c["has_stats"]]
        stats_user_days = sum(len(c["payers"]) for c in stats)
        stats_revenue = sum((c["revenue"] for c in stats), Decimal(0))
        stats_days = len({c["date"] for c in stats})
        rows.append(
            {
                "week_start": week,
                "category": category,
                "channels": len({c["channel_id"] for c in days}),
                "attributed_revenue": money(revenue),
                "attributed_orders": sum(c["orders"] for c in days),
                "attributed_paying_users": len(set().union(*(c["payers"] for c in days))),
                "attributed_paying_user_days": user_days,
                "unique_viewers": viewers,
                "live_minutes": live,
                "conversion_rate": ratio(stats_user_days, viewers),
                "revenue_per_live_hour": money_ratio(stats_revenue * 60, live),
                "revenue_share": ratio(revenue, weekly_platform.get(week, 0)),
                "stats_paying_user_days": stats_user_days,
                "stats_attributed_revenue": money(stats_revenue),
                "stats_days": stats_days,
                "is_complete_week": stats_days == 7,
            }
        )
    return rows


# ---------------------------------------------------------------- revenue


def _streamer_days(truth: Truth) -> list[dict]:
    """Pre and post per streamer-day (summed if several channels), their agency,
    mismatches and arithmetic breaks (kpis.md)."""
    pre: dict[tuple, list[dict]] = defaultdict(list)
    post: dict[tuple, list[dict]] = defaultdict(list)
    for r in truth.world.pre_deduction:
        pre[(r["report_date"], r["streamer_id"])].append(r)
    for r in truth.world.post_deduction:
        post[(r["report_date"], r["streamer_id"])].append(r)
    # "the streamer's latest known agency" / name: the latest pre-deduction row's
    latest: dict[str, dict] = {}
    for r in sorted(truth.world.pre_deduction, key=lambda r: r["report_date"]):
        latest[r["streamer_id"]] = r

    def total(rows, col):
        values = [r[col] for r in rows if r[col] is not None]
        return sum(values, Decimal(0)) if values else None

    out = []
    for key in sorted(set(pre) | set(post)):
        p, q = pre.get(key, []), post.get(key, [])
        if p:
            agencies = {r["agency"] for r in p if r["agency"] is not None}
            agency = max(agencies) if agencies else None
        else:
            agency = latest[key[1]]["agency"] if key[1] in latest else None
        gross_pre = total(p, "gross_revenue")
        gross_post = total(q, "gross_revenue")
        fees = {c: total(q, c) for c in ("platform_fee", "payment_fee", "tax_withheld")}
        net = total(q, "net_revenue")
        deductions = gross_post - net if q else None
        arithmetic = (
            gross_post - fees["platform_fee"] - fees["payment_fee"] - fees["tax_withheld"] - net
            if q
            else None
        )
        difference = gross_pre - gross_post if p and q else None
        if not p:
            reason = "post_only"
        elif not q:
            reason = "pre_only"
        elif gross_post is None:
            reason = "post_gross_missing"
        elif abs(difference) > TOLERANCE_TWD:
            reason = "gross_differs"
        else:
            reason = None
        out.append(
            {
                "date": key[0],
                "streamer_id": key[1],
                "streamer_name": latest[key[1]]["streamer_name"] if key[1] in latest else None,
                "channel_id": min(r["channel_id"] for r in (p or q)),
                "agency": agency or INDEPENDENT,
                "in_pre": bool(p),
                "in_post": bool(q),
                "gross_pre": gross_pre,
                "gross_post": gross_post,
                **fees,
                "net_revenue": net,
                "deductions": deductions,
                "gross_difference": difference,
                "arithmetic_difference": arithmetic,
                "take_rate": ratio(deductions, gross_post),
                "settlement_status": max((r["settlement_status"] for r in q), default=None),
                "mismatch_reason": reason,
                "is_mismatch": reason is not None,
                "is_arithmetic_break": arithmetic is not None and abs(arithmetic) > TOLERANCE_TWD,
            }
        )
    return out


def expected_streamer_day_exceptions(truth: Truth) -> list[dict]:
    rows = []
    for s in _streamer_days(truth):
        if not (s["is_mismatch"] or s["is_arithmetic_break"]):
            continue
        row = {k: v for k, v in s.items() if k != "deductions"}
        row["streamer_day_id"] = f"{s['date'].isoformat()}-{s['streamer_id']}"
        row["exception_type"] = (
            "mismatch_and_arithmetic_break"
            if s["is_mismatch"] and s["is_arithmetic_break"]
            else "mismatch"
            if s["is_mismatch"]
            else "arithmetic_break"
        )
        rows.append(row)
    return rows


def _pstdev(values: list[float]) -> float:
    mean = math.fsum(values) / len(values)
    return math.sqrt(math.fsum((v - mean) ** 2 for v in values) / len(values))


def expected_revenue_deductions(truth: Truth) -> list[dict]:
    """Per day, platform-wide (agency None) and per agency (kpis.md)."""
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for s in _streamer_days(truth):
        groups[(s["date"], None)].append(s)
        groups[(s["date"], s["agency"])].append(s)
    rows = {}
    for (d, agency), days in groups.items():

        def total(col, days=days):
            return money(sum((s[col] for s in days if s[col] is not None), Decimal(0)))

        row = {
            "date": d,
            "agency": agency,
            "streamer_days": len(days),
            **{
                c: total(c)
                for c in (
                    "gross_pre",
                    "gross_post",
                    "platform_fee",
                    "payment_fee",
                    "tax_withheld",
                    "net_revenue",
                    "deductions",
                )
            },
            "mismatches": sum(s["is_mismatch"] for s in days),
            "arithmetic_breaks": sum(s["is_arithmetic_break"] for s in days),
        }
        row["take_rate"] = ratio(row["deductions"], row["gross_post"])
        rows[(d, agency)] = row
    # z against the 28 days before d (d excluded), population std, over the days
    # with a take rate; null with < 7 such days or a zero deviation.
    for (d, agency), row in rows.items():
        earlier = [
            rows[(d - timedelta(days=i), agency)]["take_rate"]
            for i in range(1, TAKE_RATE_WINDOW + 1)
            if (d - timedelta(days=i), agency) in rows
        ]
        earlier = [t for t in earlier if t is not None]
        mean = math.fsum(earlier) / len(earlier) if earlier else None
        std = _pstdev(earlier) if earlier else None
        z = None
        # the mart treats a deviation below 1e-12 as zero (float noise)
        if len(earlier) >= TAKE_RATE_MIN_DAYS and std > 1e-12 and row["take_rate"] is not None:
            z = (row["take_rate"] - mean) / std
        row.update(
            take_rate_mean_trailing=mean,
            take_rate_std_trailing=std,
            take_rate_days_trailing=len(earlier),
            take_rate_z=z,
            is_flagged=z is not None and abs(z) >= TAKE_RATE_Z,
            agency_label="Platform" if agency is None else agency,
            # the band the dashboard draws, where z exists; the take rate on flagged days
            take_rate_band_low=None if z is None else mean - TAKE_RATE_Z * std,
            take_rate_band_high=None if z is None else mean + TAKE_RATE_Z * std,
            flagged_take_rate=row["take_rate"] if z is not None and abs(z) >= TAKE_RATE_Z else None,
        )
    return list(rows.values())


# ---------------------------------------------------------------- top-ups


def expected_topup_segments(truth: Truth) -> list[dict]:
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for r in truth.successful:
        key = (
            r["topup_at"].date(),
            day_segment(r["topup_at"].hour),
            r["payment_method"],
            r["platform"],
        )
        groups[key].append(r)
    return [
        {
            "date": d,
            "topup_day_segment": seg,
            "payment_method": method,
            "platform": platform,
            "orders": len(rs),
            "paying_users": len({r["user_id"] for r in rs}),
            "revenue": money(sum((r["amount"] for r in rs), Decimal(0))),
            "repeat_orders": sum(truth.repeat[r["order_id"]] for r in rs),
        }
        for (d, seg, method, platform), rs in groups.items()
    ]


def expected_topup_funnel(truth: Truth) -> list[dict]:
    """kpis.md: registered -> active -> first top-up -> repeat top-up by registration
    week. The steps are the mart's YAML: active = in a DAU set on or after
    registering; first / repeat = at least one / two successful top-ups."""
    active_days: dict[str, list[date]] = defaultdict(list)
    for d, users in truth.dau.items():
        for u in users:
            active_days[u].append(d)
    cohorts: dict[date, list[str]] = defaultdict(list)
    for user, reg in truth.registered_at.items():
        cohorts[week_start(reg)].append(user)
    rows = []
    for week, users in cohorts.items():
        registered = len(users)
        active = sum(
            any(d >= truth.registered_at[u] for d in active_days.get(u, ())) for u in users
        )
        first = sum(len(truth.successful_dates.get(u, ())) >= 1 for u in users)
        repeat = sum(len(truth.successful_dates.get(u, ())) >= 2 for u in users)
        rows.append(
            {
                "cohort_week": week,
                "registered_users": registered,
                "active_users": active,
                "first_topup_users": first,
                "repeat_topup_users": repeat,
                "activation_rate": ratio(active, registered),
                "first_topup_rate": ratio(first, active),
                "repeat_topup_rate": ratio(repeat, first),
                "overall_conversion_rate": ratio(first, registered),
            }
        )
    return rows


def expected_topup_retention(truth: Truth) -> list[dict]:
    """kpis.md: share of the first-top-up cohort (week) with a successful top-up in
    week 1, 2, 4, 8, 12 after the first; per the mart's YAML the calendar (ISO) week k
    weeks after the cohort week, complete once that week lies inside the data."""
    cohorts: dict[date, list[str]] = defaultdict(list)
    weeks: dict[str, set[date]] = {}
    for user, dates in truth.successful_dates.items():
        cohorts[week_start(min(dates))].append(user)
        weeks[user] = {week_start(d) for d in dates}
    data_end = truth.dates[-1]
    rows = []
    for week, users in cohorts.items():
        for k in RETENTION_WEEKS:
            target = week + timedelta(weeks=k)
            retained = sum(target in weeks[u] for u in users)
            rows.append(
                {
                    "cohort_week": week,
                    "weeks_after": k,
                    "cohort_users": len(users),
                    "retained_users": retained,
                    "retention_rate": ratio(retained, len(users)),
                    "is_complete": target + timedelta(days=6) <= data_end,
                }
            )
    return rows


# ---------------------------------------------------------------- comparison


def diff_rows(got: list[dict], want: list[dict], key: tuple[str, ...], tol: float = 1e-9) -> list:
    """Every difference between two tables keyed by `key`: missing / extra keys, column
    sets, and values (Decimal exact, floats within tol, the rest equal). [] = same."""

    def index(rows, side):
        out = {}
        for r in rows:
            k = tuple(r[c] for c in key)
            if k in out:
                problems.append((side, "duplicate key", k))
            out[k] = r
        return out

    problems: list = []
    g, w = index(got, "mart"), index(want, "expected")
    for k in sorted(set(w) - set(g), key=repr):
        problems.append(("missing in mart", k))
    for k in sorted(set(g) - set(w), key=repr):
        problems.append(("extra in mart", k, g[k]))
    for k in sorted(set(g) & set(w), key=repr):
        gr, wr = g[k], w[k]
        if set(gr) != set(wr):
            problems.append(("columns", k, sorted(set(gr) ^ set(wr))))
            continue
        for col, want_value in wr.items():
            got_value = gr[col]
            if isinstance(want_value, float) or isinstance(got_value, float):
                same = (
                    isinstance(got_value, float)
                    and isinstance(want_value, float)
                    and math.isclose(got_value, want_value, rel_tol=0, abs_tol=tol)
                )
            elif isinstance(want_value, Decimal) or isinstance(got_value, Decimal):
                same = (
                    isinstance(got_value, Decimal)
                    and isinstance(want_value, Decimal)
                    and got_value == want_value
                )
            else:
                same = got_value == want_value and type(got_value) is type(want_value)
            if not same:
                problems.append((k, col, "mart", got_value, "expected", want_value))
    return problems
