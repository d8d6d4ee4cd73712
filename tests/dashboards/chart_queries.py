"""What every dashboard chart should show, as SQL on the serving copy written by hand.

One query per chart of `livelake_dashboards.spec`, keyed by the chart's key, written
from the marts' documentation and the KPI definitions, never from the spec's metrics:
a chart that averages daily ratios where the KPI is a ratio of totals, sums a column
it should not, or reads the wrong rows disagrees with its query here. Each query's
column names are the labels the chart-data API answers with; its column types say how
values compare (dates and times exactly, money to the cent, counts exactly, ratios to
1e-9 relative).

A table cut by a row limit names the column it is ordered by (`order`, descending
unless said) and the limit; a big number names how far back its comparison period
lies (`lag`, a DuckDB interval), and its query is the series the tile's trend line
draws, (period, value).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Independent:
    sql: str
    order: str | None = None  # the label the rows are ordered (and cut) by
    descending: bool = True
    limit: int | None = None
    lag: str | None = None  # big number: the comparison period, this far before the latest


DAY_BEFORE_LAST_WEEK = "7 days"  # a daily tile compares with the same weekday a week before
KPIS = "marts.mart_daily_kpis"
BY_LEVEL = "marts.mart_daily_kpis_by_level"
SUMMARY = "marts.mart_membership_summary"
TRANSITIONS = "marts.mart_membership_transitions"
CHANNELS = "marts.mart_channel_topup_effectiveness"
CATEGORIES = "marts.mart_category_topup_effectiveness_weekly"
DEDUCTIONS = "marts.mart_revenue_deductions"
# a successful top-up is one order of core.fct_topup with is_successful
TOPUPS = "core.fct_topup where is_successful"
HEALTH = "marts.mart_data_health_daily"

# Channel conversion counts payers only on days whose viewers are known (Channel
# Stats), over those days' viewers: a ratio of the period's totals.
CONVERSION = (
    "sum(case when has_channel_stats then attributed_paying_users else 0 end)::double "
    "/ nullif(sum(unique_viewers), 0)"
)

# the share of the users seen in the period who moved up, or down
RATES = (
    'upgraded_users::double / nullif(observed_users, 0) as "Upgrade rate", '
    'downgraded_users::double / nullif(observed_users, 0) as "Downgrade rate"'
)


# a day of the membership marts is whole when it has a User Activity report
REPORT_DAY = f"period_start in (select date from {KPIS} where has_activity_report)"
# a month is whole when every one of its days has a User Activity report
MONTH_COVERAGE = (
    "case when (select count(*) from " + KPIS + " k where k.has_activity_report "
    "and date_trunc('month', k.date) = {month}) "
    "= datediff('day', {month}, {month} + interval 1 month) "
    "then 'whole month' else 'partial month' end"
)


def rank(level: str) -> str:
    """A membership level's rank, lowest first (the KPI definitions' order)."""
    return (
        f"case {level} when 'regular' then 0 when 'silver' then 1 when 'gold' then 2 "
        "when 'platinum' then 3 when 'diamond' then 4 end"
    )


QUERIES: dict[str, Independent] = {
    # ------------------------------------------------------------ daily active users
    "dau_latest": Independent(
        f"select date, dau as DAU from {KPIS} where has_activity_report",
        lag=DAY_BEFORE_LAST_WEEK,
    ),
    "revenue_latest": Independent(
        f"select date, topup_revenue as Revenue from {KPIS}", lag=DAY_BEFORE_LAST_WEEK
    ),
    "paying_latest": Independent(
        f'select date, paying_users as "Paying users" from {KPIS}', lag=DAY_BEFORE_LAST_WEEK
    ),
    "new_users_latest": Independent(
        f'select date, new_users as "New users" from {KPIS}', lag=DAY_BEFORE_LAST_WEEK
    ),
    # WAU and MAU only once every day of their window has an activity report
    "dau_wau_mau": Independent(
        "select date, dau as DAU, "
        "case when activity_days_7 = 7 then wau end as WAU, "
        "case when activity_days_30 = 30 then mau end as MAU "
        f"from {KPIS} where has_activity_report"
    ),
    "stickiness": Independent(
        "select date, case when activity_days_30 = 30 then dau::double / nullif(mau, 0) end "
        f"as Stickiness from {KPIS} where has_activity_report"
    ),
    "new_and_paying": Independent(
        f'select date, new_users as "New users", paying_users as "Paying users" from {KPIS}'
    ),
    "arpu_arppu": Independent(
        f"select date, arpu as ARPU, arppu as ARPPU from {KPIS} where has_activity_report"
    ),
    "engagement_per_dau": Independent(
        'select date, watch_minutes_per_dau as "Watch minutes per DAU", '
        f'messages_per_dau as "Messages per DAU" from {KPIS} where has_activity_report'
    ),
    # DAU only on days with a User Activity report (else it counts payers only)
    "dau_by_level": Independent(
        f"select date, membership_rank, membership_level, dau as DAU from {BY_LEVEL} "
        f"where date in (select date from {KPIS} where has_activity_report)"
    ),
    "arppu_by_level": Independent(
        f"select date, membership_rank, membership_level, arppu as ARPPU from {BY_LEVEL}"
    ),
    # each level's WAU and MAU once every day of their window has an activity report
    "kpis_by_level": Independent(
        'select date as "Date", membership_level as "Level", dau as DAU, '
        f"case when (select activity_days_7 from {KPIS} k where k.date = l.date) = 7 "
        'then wau end as "Weekly active", '
        f"case when (select activity_days_30 from {KPIS} k where k.date = l.date) = 30 "
        'then mau end as "Monthly active", '
        f"case when (select activity_days_30 from {KPIS} k where k.date = l.date) = 30 "
        'then dau::double / nullif(mau, 0) end as "DAU / MAU", '
        'new_users as "New users", paying_users as "Paying users", arpu as ARPU, '
        'arppu as ARPPU, watch_minutes_per_dau as "Watch minutes per DAU", '
        f'messages_per_dau as "Messages per DAU" from {BY_LEVEL} l '
        f"where date in (select date from {KPIS} where has_activity_report)",
        order="Date",
        limit=200,
    ),
    # ------------------------------------------------------------ membership
    # a headline counts one day with a User Activity report, never a month in progress
    "upgrades_latest": Independent(
        f"select period_start, upgraded_users as Upgraded from {SUMMARY} "
        f"where period_grain = 'day' and {REPORT_DAY}",
        lag=DAY_BEFORE_LAST_WEEK,
    ),
    "downgrades_latest": Independent(
        f"select period_start, downgraded_users as Downgraded from {SUMMARY} "
        f"where period_grain = 'day' and {REPORT_DAY}",
        lag=DAY_BEFORE_LAST_WEEK,
    ),
    "dropoffs_latest": Independent(
        f'select period_start, dropoffs as "Drop-offs" from {SUMMARY} '
        f"where period_grain = 'day' and {REPORT_DAY}",
        lag=DAY_BEFORE_LAST_WEEK,
    ),
    # each move's users, added over the levels moved from (never over months), each
    # month named whole or partial by the days of it with an activity report
    "upgrades_by_level": Independent(
        f"select period_start, {rank('to_level')} as to_rank, to_level, "
        f"{MONTH_COVERAGE.format(month='period_start')} as coverage, Users "
        "from (select period_start, to_level, sum(users) as Users "
        f"from {TRANSITIONS} where period_grain = 'month' and transition_type = 'upgrade' "
        "group by all)"
    ),
    "transitions_table": Independent(
        'select period_start as Month, from_level as "From level", to_level as "To level", '
        "transition_type as Move, users as Users, "
        f"(select count(*) from {KPIS} k where k.has_activity_report "
        "and date_trunc('month', k.date) = t.period_start) as \"Days with data\", "
        "datediff('day', period_start, period_start + interval 1 month) as \"Days in the month\" "
        f"from {TRANSITIONS} t where period_grain = 'month'",
        order="Month",
        limit=200,
    ),
    "rates_daily": Independent(
        f"select period_start, {RATES} from {SUMMARY} where period_grain = 'day'"
    ),
    "rates_monthly": Independent(
        f"select period_start, {MONTH_COVERAGE.format(month='period_start')} as coverage, "
        f"{RATES} from {SUMMARY} where period_grain = 'month'"
    ),
    "dropoffs_daily": Independent(
        f"select period_start, dropoffs as \"Drop-offs\" from {SUMMARY} where period_grain = 'day'"
    ),
    "membership_monthly_table": Independent(
        'select period_start as Month, observed_users as "Users seen", upgraded_users as Upgraded, '
        "downgraded_users as Downgraded, "
        f"{RATES}, "
        f'dropoffs as "Drop-offs", '
        # how much of the month the data covers: its days with an activity report
        f"(select count(*) from {KPIS} k where k.has_activity_report "
        "and date_trunc('month', k.date) = s.period_start) as \"Days with data\", "
        "datediff('day', period_start, period_start + interval 1 month) as \"Days in the month\" "
        f"from {SUMMARY} s where period_grain = 'month'",
        order="Month",
    ),
    # ------------------------------------------------------------ channels
    "attributed_revenue_latest": Independent(
        f'select date, sum(attributed_revenue) as "Attributed revenue" from {CHANNELS} group by 1',
        lag=DAY_BEFORE_LAST_WEEK,
    ),
    "top_channel_revenue_latest": Independent(
        f'select date, max(attributed_revenue) as "Top channel" from {CHANNELS} group by 1',
        lag=DAY_BEFORE_LAST_WEEK,
    ),
    "conversion_latest": Independent(
        f"select date, {CONVERSION} as Conversion from {CHANNELS} group by 1",
        lag=DAY_BEFORE_LAST_WEEK,
    ),
    # revenue per live hour: the revenue of days whose air time is known, per hour on air
    "top_channels": Independent(
        'select channel_name, category, sum(attributed_revenue) as "Attributed revenue", '
        f'sum(attributed_orders) as "Top-ups", {CONVERSION} as Conversion, '
        "sum(case when has_channel_stats then attributed_revenue else 0 end)::double * 60 "
        '/ nullif(sum(live_minutes), 0) as "Revenue per live hour", '
        f'sum(live_minutes) as "Live minutes" from {CHANNELS} group by 1, 2',
        order="Attributed revenue",
        limit=10,
    ),
    "category_revenue_daily": Independent(
        f'select date, category, sum(attributed_revenue) as "Attributed revenue" from {CHANNELS} '
        "group by all"
    ),
    # the weekly mart has one row per week and category; only weeks with stats on 7 days
    "category_conversion_weekly": Independent(
        "select week_start, category, "
        "stats_paying_user_days::double / nullif(unique_viewers, 0) as Conversion "
        f"from {CATEGORIES} where stats_days = 7"
    ),
    "category_revenue_per_hour_weekly": Independent(
        'select week_start, category, revenue_per_live_hour as "Revenue per live hour" '
        f"from {CATEGORIES} where stats_days = 7"
    ),
    "category_share_weekly": Independent(
        'select week_start, category, revenue_share as "Revenue share" '
        f"from {CATEGORIES} where stats_days = 7"
    ),
    # ------------------------------------------------------------ operational deviations
    "net_revenue_latest": Independent(
        f'select date, net_revenue as "Net revenue" from {DEDUCTIONS} where agency is null',
        lag=DAY_BEFORE_LAST_WEEK,
    ),
    # take rate = deductions / gross (post) = (gross_post - net) / gross_post
    "take_rate_latest": Independent(
        "select date, (gross_post - net_revenue)::double / nullif(gross_post, 0)::double "
        f'as "Take rate" from {DEDUCTIONS} where agency is null',
        lag=DAY_BEFORE_LAST_WEEK,
    ),
    "gross_pre_post": Independent(
        'select date, gross_pre as "Gross (pre-deduction report)", '
        'gross_post as "Gross (post-deduction report)", net_revenue as "Net revenue" '
        f"from {DEDUCTIONS} where agency is null"
    ),
    "deductions_breakdown": Independent(
        'select date, platform_fee as "Platform fee", payment_fee as "Payment fee", '
        f'tax_withheld as "Tax withheld" from {DEDUCTIONS} where agency is null'
    ),
    # the band (mean ± 3 std of the days before) where a z-score exists; the dot on
    # the days 3 or more standard deviations out
    "take_rate_band": Independent(
        "select date, (gross_post - net_revenue)::double / nullif(gross_post, 0)::double "
        'as "Take rate", '
        "case when take_rate_z is not null "
        "then take_rate_mean_trailing + 3 * take_rate_std_trailing end "
        '"Mean + 3σ", '
        "case when take_rate_z is not null "
        "then take_rate_mean_trailing - 3 * take_rate_std_trailing end "
        '"Mean − 3σ", '
        'case when abs(take_rate_z) >= 3 then take_rate end as "Flagged day" '
        f"from {DEDUCTIONS} where agency is null"
    ),
    "take_rate_z_by_agency": Independent(
        'select date, agency, take_rate_z as "Take rate z-score" '
        f"from {DEDUCTIONS} where agency is not null"
    ),
    "flagged_days": Independent(
        "select date as Date, coalesce(agency, 'Platform') as \"Agency or platform\", "
        'take_rate as "Take rate", take_rate_mean_trailing as "Usual take rate (mean)", '
        'take_rate_std_trailing as "Usual spread (σ)", '
        'take_rate_days_trailing as "Days in the mean", take_rate_z as "Deviation (σ)", '
        'gross_post as Gross, net_revenue as "Net revenue" '
        f"from {DEDUCTIONS} where abs(take_rate_z) >= 3",
        order="Date",
    ),
    "streamer_day_exceptions": Independent(
        "select date as Date, streamer_name as Streamer, agency as Agency, "
        'exception_type as Exception, mismatch_reason as Why, gross_pre as "Gross (pre report)", '
        'gross_post as "Gross (post report)", gross_difference as "Gross difference", '
        'arithmetic_difference as "Arithmetic difference", settlement_status as Settlement '
        "from marts.mart_streamer_day_exceptions",
        order="Date",
    ),
    # ------------------------------------------------------------ funnel and retention
    "topups_latest": Independent(
        f'select topup_date as date, count(*) as "Top-ups" from {TOPUPS} group by 1',
        lag=DAY_BEFORE_LAST_WEEK,
    ),
    "topup_revenue_latest": Independent(
        f"select topup_date as date, sum(amount) as Revenue from {TOPUPS} group by 1",
        lag=DAY_BEFORE_LAST_WEEK,
    ),
    "funnel_conversion_latest": Independent(
        "select cohort_week, first_topup_users::double / nullif(registered_users, 0) "
        "as Conversion from marts.mart_topup_funnel",
        lag="7 days",
    ),
    "topups_daily": Independent(
        f'select topup_date as date, count(*) as "Top-ups" from {TOPUPS} group by 1'
    ),
    "latest_topups": Independent(
        'select topup_at as "Paid at", order_id as "Order", amount as Amount, '
        'payment_method as "Payment method", platform as Platform, source_file as Workbook, '
        f'source_sheet as Sheet, source_row as "Excel row" from {TOPUPS}',
        order="Paid at",
        limit=100,
    ),
    "funnel_by_cohort": Independent(
        "select cohort_week, registered_users as Registered, active_users as Active, "
        'active_users::double / nullif(registered_users, 0) as "Active / registered", '
        'first_topup_users as "First top-up", '
        'first_topup_users::double / nullif(active_users, 0) as "First top-up / active", '
        'repeat_topup_users as "Repeat top-up", '
        'repeat_topup_users::double / nullif(first_topup_users, 0) as "Repeat / first" '
        "from marts.mart_topup_funnel",
        order="cohort_week",
        limit=12,
    ),
    "retention_heatmap": Independent(
        "select weeks_after, cohort_week || ' (' || cohort_users || ' payers)' as cohort, "
        "retained_users::double / nullif(cohort_users, 0) "
        "as Retention from marts.mart_topup_retention "
        "where weeks_after in (1, 2, 4, 8, 12) and is_complete"
    ),
    "revenue_by_day_segment": Independent(
        f"select topup_day_segment, sum(amount) as Revenue from {TOPUPS} group by 1"
    ),
    "orders_by_payment_method": Independent(
        f'select payment_method, count(*) as "Top-ups" from {TOPUPS} group by 1'
    ),
    "orders_by_platform": Independent(
        f'select platform, count(*) as "Top-ups" from {TOPUPS} group by 1'
    ),
    # ------------------------------------------------------------ data health
    "quarantined_latest": Independent(
        f"select day, sum(rows_quarantined) as Quarantined from {HEALTH} group by 1",
        lag=DAY_BEFORE_LAST_WEEK,
    ),
    "rejected_latest": Independent(
        f"select day, sum(rows_rejected) as Rejected from {HEALTH} group by 1",
        lag=DAY_BEFORE_LAST_WEEK,
    ),
    "freshness": Independent(
        "select domain as Domain, freshness_status as Status, "
        'expected_data_date as "Expected day", '
        'latest_data_date as "Latest day held", export_time as "Due by (next day)", '
        'delivered_at_taipei as "Latest day arrived at", files_loaded as Files '
        "from marts.mart_data_health_freshness",
        order="Domain",
        descending=False,
    ),
    # shares of the period's rows: ratios of the totals, never averages of daily shares
    "shares_by_domain": Independent(
        'select domain, sum(rows_read) as "Rows read", '
        'sum(rows_superseded)::double / nullif(sum(rows_loaded), 0) as "Superseded share", '
        'sum(rows_quarantined)::double / nullif(sum(rows_read), 0) as "Quarantined share", '
        f'sum(rows_rejected) as "Rows rejected" from {HEALTH} group by 1',
        order="Rows read",
    ),
    "rows_loaded_daily": Independent(
        f'select day, domain, rows_loaded as "Rows loaded" from {HEALTH}'
    ),
    "rows_quarantined_daily": Independent(
        'select day, reason, sum(rows_quarantined) as "Rows quarantined" '
        "from marts.mart_data_health_quarantine group by all"
    ),
    "rows_by_fate": Independent(
        "select day, domain, files as Files, rows_read as Read, rows_loaded as Loaded, "
        "rows_winning as Current, rows_superseded as Superseded, rows_duplicate as Duplicate, "
        f"rows_quarantined as Quarantined, rows_rejected as Rejected from {HEALTH}",
        order="day",
        limit=500,
    ),
    "rejected_files": Independent(
        'select day, source_file, source_sheet, domain, "column", reason, "rows", '
        "ingested_at_taipei "
        "from marts.mart_data_health_rejections",
        order="day",
    ),
}
