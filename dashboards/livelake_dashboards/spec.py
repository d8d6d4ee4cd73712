"""livelake's six dashboards, as code: what each chart shows and from which mart column.

Every number is a mart column (schema `marts`; `core.fct_topup` lists the latest
top-ups with their workbook lineage). A metric is sum / avg / min / max of one
column, or, where a chart spans several mart rows, a ratio of totals
(`ratio`: sum(numerator) / sum(denominator)); a distinct count is never summed
across periods: the mart gives the grain the chart shows. Each dashboard opens with
headline numbers and their change against the week before. Dates are the marts'
Asia/Taipei dates; money is NT$. `bundle.py` turns this file into Superset's YAML
assets.
"""

from __future__ import annotations

from livelake_dashboards.model import (
    Chart,
    Dashboard,
    Dataset,
    Metric,
    SelectFilter,
    level_rank,
    ratio,
)

# ---------------------------------------------------------------- datasets
KPIS = Dataset("mart_daily_kpis", "date", "Platform KPIs per Asia/Taipei date.")
KPIS_BY_LEVEL = Dataset(
    "mart_daily_kpis_by_level", "date", "Platform KPIs per date and membership level."
)
TRANSITIONS = Dataset(
    "mart_membership_transitions",
    "period_start",
    "Users moving from one membership level to another, per day and per month.",
)
MEMBERSHIP = Dataset(
    "mart_membership_summary",
    "period_start",
    "Upgrade and downgrade rates and drop-offs, per day and per month.",
)
CHANNELS = Dataset(
    "mart_channel_topup_effectiveness",
    "date",
    "Top-up revenue attributed to each channel per day, with its audience and air time.",
)
CATEGORIES = Dataset(
    "mart_category_topup_effectiveness_weekly",
    "week_start",
    "Top-up revenue attributed to each channel category per ISO week.",
)
DEDUCTIONS = Dataset(
    "mart_revenue_deductions",
    "date",
    "Gift revenue before and after deductions per day and agency (agency empty = platform).",
)
EXCEPTIONS = Dataset(
    "mart_streamer_day_exceptions",
    "date",
    "Streamer-days whose pre- and post-deduction reports disagree or do not add up.",
)
FUNNEL = Dataset(
    "mart_topup_funnel", "cohort_week", "Registration-week cohorts from sign-up to repeat top-up."
)
RETENTION = Dataset(
    "mart_topup_retention",
    "cohort_week",
    "First-top-up cohorts: the share who top up again N weeks later.",
)
SEGMENTS = Dataset(
    "mart_topup_segments",
    "date",
    "Successful top-ups per day by time of day, payment method and platform.",
)
TOPUPS = Dataset(
    "fct_topup",
    "topup_date",
    "Every top-up order with its workbook lineage (source file, sheet, Excel row).",
    schema="core",
)
HEALTH_DAILY = Dataset(
    "mart_data_health_daily",
    "day",
    "Rows read, loaded, superseded, quarantined and rejected per domain and export day.",
)
HEALTH_QUARANTINE = Dataset(
    "mart_data_health_quarantine", "day", "Quarantined rows per domain, export day and reason."
)
HEALTH_REJECTIONS = Dataset(
    "mart_data_health_rejections", "day", "Files and sheets that could not be read, and why."
)
HEALTH_FRESHNESS = Dataset(
    "mart_data_health_freshness",
    "latest_data_date",
    "How recent each domain's latest export is.",
)


def m(sql: str, label: str, fmt: str = "int") -> Metric:
    return Metric(sql, label, fmt)  # type: ignore[arg-type]


# The take-rate z-score flag's threshold: dbt's var take_rate_z_threshold
# (transform/dbt_project.yml), which tests/transform/test_rules.py holds this to.
TAKE_RATE_Z_THRESHOLD = 3
PLATFORM = "agency is null"
PER_AGENCY = "agency is not null"
GREEN, AMBER, RED = "#5AC189", "#FCC700", "#E04355"
# The membership marts' days with a User Activity report: a headline counts one of
# these (a month the data covers in part is not comparable with a whole one).
WHOLE_DAYS = ("period_grain = 'day'", "is_complete_period")
# A monthly chart's series are split by how much of the month the data covers, so a
# partial month's bars are named (and coloured) apart, never read as a whole month's.
COVERAGE = {"coverage": "case when is_complete_period then 'whole month' else 'partial month' end"}


def headline(
    key: str,
    title: str,
    description: str,
    dataset: Dataset,
    metric: Metric,
    x_axis: str,
    width: int = 3,
    where: tuple[str, ...] = (),
    time_grain: str = "P1D",
    ignores_filters: tuple[str, ...] = (),
    **extra: object,
) -> Chart:
    """A big number of the latest period with its trend and its change against the
    period before (compare_lag: 7 days at the daily grain, else the given lag)."""
    return Chart(
        key,
        title,
        description,
        "big_number",
        dataset,
        (metric,),
        x_axis=x_axis,
        time_grain=time_grain,
        where=where,
        ignores_filters=ignores_filters,
        width=width,
        height=35,
        extra=dict(extra),
    )


# ---------------------------------------------------------------- 1. daily active users
DAU = Dashboard(
    slug="daily-active-users",
    title="Daily active users",
    description="How many people use the platform each day, how often they come back, "
    "and what they spend, overall and by membership level.",
    rows=(
        (
            headline(
                "dau_latest",
                "Daily active users",
                "People who watched, chatted or topped up on the latest day with a User "
                "Activity report.",
                KPIS,
                m("sum(dau)", "DAU"),
                "date",
                where=("has_activity_report",),
            ),
            headline(
                "revenue_latest",
                "Top-up revenue",
                "The amount of successful top-ups on the latest day (NT$).",
                KPIS,
                m("sum(topup_revenue)", "Revenue", "money"),
                "date",
            ),
            headline(
                "paying_latest",
                "Paying users",
                "Users with a successful top-up on the latest day.",
                KPIS,
                m("sum(paying_users)", "Paying users"),
                "date",
            ),
            headline(
                "new_users_latest",
                "New users",
                "Users who registered on the latest day.",
                KPIS,
                m("sum(new_users)", "New users"),
                "date",
            ),
        ),
        (
            Chart(
                "dau_wau_mau",
                "Daily, weekly and monthly active users",
                "Active users on each day with a User Activity report, and over the 7 and 30 "
                "days ending that day once every day of the window has one.",
                "line",
                KPIS,
                (
                    m("sum(dau)", "DAU"),
                    m("sum(wau_if_complete)", "WAU"),
                    m("sum(mau_if_complete)", "MAU"),
                ),
                x_axis="date",
                where=("has_activity_report",),
                width=8,
            ),
            Chart(
                "stickiness",
                "Stickiness",
                "DAU divided by MAU: how habitual the platform is (once 30 days of "
                "activity reports exist).",
                "line",
                KPIS,
                (m("avg(stickiness_if_complete)", "Stickiness", "percent"),),
                x_axis="date",
                where=("has_activity_report",),
                width=4,
            ),
        ),
        (
            Chart(
                "new_and_paying",
                "New and paying users",
                "Users who registered, and users with a successful top-up, per day.",
                "bar",
                KPIS,
                (m("sum(new_users)", "New users"), m("sum(paying_users)", "Paying users")),
                x_axis="date",
            ),
            Chart(
                "arpu_arppu",
                "ARPU and ARPPU",
                "Top-up revenue per active user and per paying user, per day with a User "
                "Activity report (NT$).",
                "line",
                KPIS,
                (m("avg(arpu)", "ARPU", "money"), m("avg(arppu)", "ARPPU", "money")),
                x_axis="date",
                where=("has_activity_report",),
            ),
        ),
        (
            Chart(
                "engagement_per_dau",
                "Watch minutes and messages per active user",
                "Average minutes watched and chat messages sent per daily active user.",
                "line",
                KPIS,
                (
                    m("avg(watch_minutes_per_dau)", "Watch minutes per DAU", "decimal"),
                    m("avg(messages_per_dau)", "Messages per DAU", "decimal"),
                ),
                x_axis="date",
                where=("has_activity_report",),
            ),
            Chart(
                "dau_by_level",
                "Daily active users by membership level",
                "Active users per day with a User Activity report, split by their membership "
                "level at the end of the day.",
                "bar",
                KPIS_BY_LEVEL,
                (m("sum(dau)", "DAU"),),
                groupby=("membership_rank", "membership_level"),  # series "0, regular" ...
                x_axis="date",
                where=("has_activity_report",),
                extra={"stack": "Stack"},
            ),
        ),
        (
            Chart(
                "arppu_by_level",
                "ARPPU by membership level",
                "Revenue per paying user per day, for each membership level (NT$).",
                "line",
                KPIS_BY_LEVEL,
                (m("avg(arppu)", "ARPPU", "money"),),
                groupby=("membership_rank", "membership_level"),  # series "0, regular" ...
                x_axis="date",
            ),
            Chart(
                "kpis_by_level",
                "Membership levels on the latest days",
                "Each level's users, payers, revenue and engagement per day with a User "
                "Activity report; weekly and monthly actives once their 7 or 30 days all have one.",
                "table",
                KPIS_BY_LEVEL,
                # one mart row per day and level, shown as it is: newest day first, and
                # within a day the levels in rank order (regular first), not by name
                columns=(
                    "date",
                    "membership_level",
                    "dau",
                    "wau_if_complete",
                    "mau_if_complete",
                    "stickiness_if_complete",
                    "new_users",
                    "paying_users",
                    "arpu",
                    "arppu",
                    "watch_minutes_per_dau",
                    "messages_per_dau",
                ),
                labels={
                    "date": "Date",
                    "membership_level": "Level",
                    "dau": "DAU",
                    # not "WAU" / "MAU" / "Stickiness": a label is never another column's name
                    "wau_if_complete": "Weekly active",
                    "mau_if_complete": "Monthly active",
                    "stickiness_if_complete": "DAU / MAU",
                    "new_users": "New users",
                    "paying_users": "Paying users",
                    "arpu": "ARPU",
                    "arppu": "ARPPU",
                    "watch_minutes_per_dau": "Watch minutes per DAU",
                    "messages_per_dau": "Messages per DAU",
                },
                where=("has_activity_report",),
                order_by=("date", False),
                then_by=(("membership_rank", True),),
                column_formats={
                    "dau": "int",
                    "wau_if_complete": "int",
                    "mau_if_complete": "int",
                    "stickiness_if_complete": "percent",
                    "new_users": "int",
                    "paying_users": "int",
                    "arpu": "money",
                    "arppu": "money",
                    "watch_minutes_per_dau": "decimal",
                    "messages_per_dau": "decimal",
                },
                row_limit=200,
            ),
        ),
    ),
    filters=(
        SelectFilter("Membership level", KPIS_BY_LEVEL, "membership_level", rank="membership_rank"),
    ),
)

# ---------------------------------------------------------------- 2. membership
MEMBERSHIP_DASHBOARD = Dashboard(
    slug="membership",
    title="Membership upgrades and drop-off",
    description="Who moves up or down the membership levels, and who stops coming back.",
    rows=(
        (
            headline(
                "upgrades_latest",
                "Upgrades",
                "Users who moved up a membership level on the latest day with a User "
                "Activity report.",
                MEMBERSHIP,
                m("sum(upgraded_users)", "Upgraded"),
                "period_start",
                width=4,
                where=WHOLE_DAYS,
            ),
            headline(
                "downgrades_latest",
                "Downgrades",
                "Users who moved down a membership level on the latest day with a User "
                "Activity report.",
                MEMBERSHIP,
                m("sum(downgraded_users)", "Downgraded"),
                "period_start",
                width=4,
                where=WHOLE_DAYS,
            ),
            headline(
                "dropoffs_latest",
                "Drop-offs",
                "Silver-or-better members who reached 30 days with no activity and no "
                "top-up on the latest day with a User Activity report.",
                MEMBERSHIP,
                m("sum(dropoffs)", "Drop-offs"),
                "period_start",
                width=4,
                where=WHOLE_DAYS,
            ),
        ),
        (
            Chart(
                "upgrades_by_level",
                "Monthly upgrades, by the level reached",
                "Users who moved up into each level, per month (a user counted once per "
                "move; months are never added together); a month the data covers only in "
                'part is a "partial month" series.',
                "bar",
                TRANSITIONS,
                (m("sum(users)", "Users"),),
                # series "1, silver, whole month" ... in rank order
                groupby=("to_rank", "to_level", "coverage"),
                computed={"to_rank": level_rank("to_level"), **COVERAGE},
                x_axis="period_start",
                time_grain="P1M",
                where=("period_grain = 'month'", "transition_type = 'upgrade'"),
                extra={"stack": "Stack"},
            ),
            Chart(
                "transitions_table",
                "Moves between levels, per month",
                "Users per month who moved from one level to another (up, down or dropped off), "
                "with the days of the month the data covers (a partial month reads as one).",
                "table",
                TRANSITIONS,
                columns=(
                    "period_start",
                    "from_level",
                    "to_level",
                    "transition_type",
                    "users",
                    "days_observed",
                    "days_in_period",
                ),
                labels={
                    "period_start": "Month",
                    "from_level": "From level",
                    "to_level": "To level",
                    "transition_type": "Move",
                    "users": "Users",
                    "days_observed": "Days with data",
                    "days_in_period": "Days in the month",
                },
                where=("period_grain = 'month'",),
                order_by=("period_start", False),
                then_by=(("from_rank", True), ("to_rank", True)),
                computed={"from_rank": level_rank("from_level"), "to_rank": level_rank("to_level")},
                column_formats={"users": "int"},
                row_limit=200,
            ),
        ),
        (
            Chart(
                "rates_daily",
                "Daily upgrade and downgrade rates",
                "Share of users seen that day who moved up, or down, a level.",
                "line",
                MEMBERSHIP,
                (
                    m("avg(upgrade_rate)", "Upgrade rate", "percent"),
                    m("avg(downgrade_rate)", "Downgrade rate", "percent"),
                ),
                x_axis="period_start",
                where=("period_grain = 'day'",),
            ),
            Chart(
                "rates_monthly",
                "Monthly upgrade and downgrade rates",
                "Share of users seen in the month who moved up, or down, a level; a month "
                'the data covers only in part is a "partial month" series.',
                "bar",
                MEMBERSHIP,
                (
                    m("avg(upgrade_rate)", "Upgrade rate", "percent"),
                    m("avg(downgrade_rate)", "Downgrade rate", "percent"),
                ),
                groupby=("coverage",),  # series "Upgrade rate, partial month" ...
                computed=COVERAGE,
                x_axis="period_start",
                time_grain="P1M",
                where=("period_grain = 'month'",),
            ),
        ),
        (
            Chart(
                "dropoffs_daily",
                "Drop-offs per day",
                "Members who stopped coming back (no activity for the drop-off window).",
                "bar",
                MEMBERSHIP,
                (m("sum(dropoffs)", "Drop-offs"),),
                x_axis="period_start",
                where=("period_grain = 'day'",),
                width=4,
            ),
            Chart(
                "membership_monthly_table",
                "Membership movement per month",
                "Users seen, upgraded, downgraded and dropped off in each month, with the "
                "days of it the data covers (a partial month has fewer).",
                "table",
                MEMBERSHIP,
                (
                    m("sum(observed_users)", "Users seen"),
                    m("sum(upgraded_users)", "Upgraded"),
                    m("sum(downgraded_users)", "Downgraded"),
                    m("avg(upgrade_rate)", "Upgrade rate", "percent"),
                    m("avg(downgrade_rate)", "Downgrade rate", "percent"),
                    m("sum(dropoffs)", "Drop-offs"),
                    # one row per month: how much of it the data covers, so a partial
                    # month reads as one
                    m("min(days_observed)", "Days with data"),
                    m("min(days_in_period)", "Days in the month"),
                ),
                groupby=("period_start",),
                labels={"period_start": "Month"},
                where=("period_grain = 'month'",),
                order_by=("period_start", False),
                highlights=(("Days with data", "<", 28, AMBER),),  # a partial month
                width=8,
                height=50,
            ),
        ),
    ),
    filters=(
        SelectFilter(
            "Membership level (from)", TRANSITIONS, "from_level", rank=level_rank("from_level")
        ),
    ),
)

# ---------------------------------------------------------------- 3. channels
CHANNELS_DASHBOARD = Dashboard(
    slug="channel-topups",
    title="Channel-wise top-up effectiveness",
    description="Which channels and categories turn their viewers into paying users, "
    "and how much top-up revenue each brings per hour on air.",
    rows=(
        (
            headline(
                "attributed_revenue_latest",
                "Attributed revenue",
                "Top-up revenue of users who topped up from a live channel, latest day (NT$).",
                CHANNELS,
                m("sum(attributed_revenue)", "Attributed revenue", "money"),
                "date",
                width=4,
            ),
            headline(
                "top_channel_revenue_latest",
                "Top channel's revenue",
                "The attributed revenue of the day's best channel, latest day (NT$).",
                CHANNELS,
                m("max(attributed_revenue)", "Top channel", "money"),
                "date",
                width=4,
            ),
            headline(
                "conversion_latest",
                "Viewer conversion",
                "Paying viewers over unique viewers, all channels, latest day.",
                CHANNELS,
                ratio("stats_paying_users", "unique_viewers", "Conversion"),
                "date",
                width=4,
            ),
        ),
        (
            Chart(
                "top_channels",
                "Top channels by attributed revenue",
                "Top-up revenue of users who topped up from the channel over the period, "
                "with conversion and revenue per live hour computed from the period's "
                "totals (NT$).",
                "table",
                CHANNELS,
                (
                    m("sum(attributed_revenue)", "Attributed revenue", "money"),
                    m("sum(attributed_orders)", "Top-ups"),
                    ratio("stats_paying_users", "unique_viewers", "Conversion"),
                    ratio(
                        "stats_attributed_revenue",
                        "live_minutes",
                        "Revenue per live hour",
                        "money",
                        scale=60,
                    ),
                    m("sum(live_minutes)", "Live minutes"),
                ),
                groupby=("channel_name", "category"),
                order_by=("Attributed revenue", False),
                row_limit=10,
                width=12,
            ),
        ),
        (
            Chart(
                "category_revenue_daily",
                "Daily attributed revenue by category",
                "Top-up revenue attributed to each category's channels, per day (NT$).",
                "bar",
                CHANNELS,
                (m("sum(attributed_revenue)", "Attributed revenue", "money"),),
                groupby=("category",),
                x_axis="date",
                extra={"stack": "Stack"},
            ),
            Chart(
                "category_conversion_weekly",
                "Weekly conversion by category",
                "Paying viewer-days divided by viewer-days, per category and complete week "
                "(Channel Stats on all 7 days).",
                "line",
                CATEGORIES,
                (m("avg(conversion_rate)", "Conversion", "percent"),),
                groupby=("category",),
                x_axis="week_start",
                time_grain="P1W",
                where=("is_complete_week",),
            ),
        ),
        (
            Chart(
                "category_revenue_per_hour_weekly",
                "Weekly revenue per live hour by category",
                "Attributed revenue divided by hours on air, per category and complete week (NT$).",
                "line",
                CATEGORIES,
                (m("avg(revenue_per_live_hour)", "Revenue per live hour", "money"),),
                groupby=("category",),
                x_axis="week_start",
                time_grain="P1W",
                where=("is_complete_week",),
            ),
            Chart(
                "category_share_weekly",
                "Weekly revenue share by category",
                "Each category's share of the platform's top-up revenue, per complete week.",
                "bar",
                CATEGORIES,
                (m("avg(revenue_share)", "Revenue share", "percent"),),
                groupby=("category",),
                x_axis="week_start",
                time_grain="P1W",
                where=("is_complete_week",),
                extra={"stack": "Stack"},
            ),
        ),
    ),
    filters=(
        SelectFilter("Category", CHANNELS, "category", also=(CATEGORIES,)),
        SelectFilter("Channel", CHANNELS, "channel_name"),
    ),
)

# ---------------------------------------------------------------- 4. operational deviations
OPERATIONS = Dashboard(
    slug="operational-deviations",
    title="Operational trend deviations",
    description="Gift revenue before and after deductions, and the days and streamers "
    "whose numbers fall outside their usual pattern.",
    rows=(
        (
            headline(
                "net_revenue_latest",
                "Net gift revenue",
                "Platform-wide gift revenue after deductions on the latest day (NT$).",
                DEDUCTIONS,
                m("sum(net_revenue)", "Net revenue", "money"),
                "date",
                width=6,
                where=(PLATFORM,),
                ignores_filters=("agency",),
            ),
            headline(
                "take_rate_latest",
                "Take rate",
                "Platform-wide deductions over gross on the latest day.",
                DEDUCTIONS,
                m("avg(take_rate)", "Take rate", "percent"),
                "date",
                width=6,
                where=(PLATFORM,),
                ignores_filters=("agency",),
            ),
        ),
        (
            Chart(
                "gross_pre_post",
                "Gross revenue before and after deductions",
                "Platform-wide gross gift revenue as the pre- and post-deduction reports "
                "state it, per day (NT$); the agency filter does not apply.",
                "line",
                DEDUCTIONS,
                (
                    m("sum(gross_pre)", "Gross (pre-deduction report)", "money"),
                    m("sum(gross_post)", "Gross (post-deduction report)", "money"),
                    m("sum(net_revenue)", "Net revenue", "money"),
                ),
                x_axis="date",
                where=(PLATFORM,),
                ignores_filters=("agency",),
            ),
            Chart(
                "deductions_breakdown",
                "Deductions per day",
                "Platform fees, payment fees and tax withheld, platform-wide (NT$); the "
                "agency filter does not apply.",
                "bar",
                DEDUCTIONS,
                (
                    m("sum(platform_fee)", "Platform fee", "money"),
                    m("sum(payment_fee)", "Payment fee", "money"),
                    m("sum(tax_withheld)", "Tax withheld", "money"),
                ),
                x_axis="date",
                where=(PLATFORM,),
                ignores_filters=("agency",),
                extra={"stack": "Stack"},
            ),
        ),
        (
            Chart(
                "take_rate_band",
                "Take rate against its band",
                "Platform-wide deductions over gross each day, between the mean ± 3 standard "
                "deviations of the up to 28 days before (drawn once 7 earlier days exist); "
                "a dot marks each flagged day.",
                "line",
                DEDUCTIONS,
                (
                    m("avg(take_rate)", "Take rate", "percent"),
                    m("avg(take_rate_band_high)", "Mean + 3σ", "percent"),
                    m("avg(take_rate_band_low)", "Mean − 3σ", "percent"),
                    m("avg(flagged_take_rate)", "Flagged day", "percent"),
                ),
                x_axis="date",
                where=(PLATFORM,),
                ignores_filters=("agency",),
            ),
            Chart(
                "take_rate_z_by_agency",
                "Take rate deviation by agency",
                "How many standard deviations of its 28 days before each agency's take rate "
                "is from their mean; beyond ±3 the day is flagged (axis cut at ±6).",
                "line",
                DEDUCTIONS,
                (m("avg(take_rate_z)", "Take rate z-score", "decimal"),),
                groupby=("agency",),
                x_axis="date",
                where=(PER_AGENCY,),
                extra={"zscore_band": TAKE_RATE_Z_THRESHOLD, "y_bounds": (-6, 6)},
            ),
        ),
        (
            Chart(
                "flagged_days",
                "Flagged days",
                "Days whose take rate is 3 or more standard deviations from the mean of the "
                "up to 28 days before (the days that mean is over are shown), platform-wide "
                "and per agency; all agencies, whatever the filter.",
                "table",
                DEDUCTIONS,
                columns=(
                    "date",
                    "agency_label",
                    "take_rate",
                    "take_rate_mean_trailing",
                    "take_rate_std_trailing",
                    "take_rate_days_trailing",
                    "take_rate_z",
                    "gross_post",
                    "net_revenue",
                ),
                labels={
                    "date": "Date",
                    # not "Agency": a label equal to another column of the mart (agency)
                    # is read as that column where Superset groups by the labels
                    "agency_label": "Agency or platform",
                    "take_rate": "Take rate",
                    "take_rate_mean_trailing": "Usual take rate (mean)",
                    "take_rate_std_trailing": "Usual spread (σ)",
                    "take_rate_days_trailing": "Days in the mean",
                    "take_rate_z": "Deviation (σ)",
                    "gross_post": "Gross",
                    "net_revenue": "Net revenue",
                },
                where=("is_flagged",),
                order_by=("date", False),
                column_formats={
                    "take_rate": "percent",
                    "take_rate_mean_trailing": "percent",
                    "take_rate_std_trailing": "percent",
                    "take_rate_days_trailing": "int",
                    "take_rate_z": "decimal",
                    "gross_post": "money",
                    "net_revenue": "money",
                },
                highlights=(
                    ("take_rate_z", ">", TAKE_RATE_Z_THRESHOLD - 0.001, RED),
                    ("take_rate_z", "<", 0.001 - TAKE_RATE_Z_THRESHOLD, RED),
                ),
                ignores_filters=("agency",),
                width=12,
                height=35,
            ),
        ),
        (
            Chart(
                "streamer_day_exceptions",
                "Streamer-day exceptions",
                "Streamer-days missing from one report, disagreeing between the two, "
                "or whose deductions do not add up (NT$).",
                "table",
                EXCEPTIONS,
                columns=(
                    "date",
                    "streamer_name",
                    "agency",
                    "exception_type",
                    "mismatch_reason",
                    "gross_pre",
                    "gross_post",
                    "gross_difference",
                    "arithmetic_difference",
                    "settlement_status",
                ),
                labels={
                    "date": "Date",
                    "streamer_name": "Streamer",
                    "agency": "Agency",
                    "exception_type": "Exception",
                    "mismatch_reason": "Why",
                    "gross_pre": "Gross (pre report)",
                    "gross_post": "Gross (post report)",
                    "gross_difference": "Gross difference",
                    "arithmetic_difference": "Arithmetic difference",
                    "settlement_status": "Settlement",
                },
                order_by=("date", False),
                column_formats={
                    "gross_pre": "cents",
                    "gross_post": "cents",
                    "gross_difference": "cents",
                    "arithmetic_difference": "cents",
                },
                width=12,
            ),
        ),
    ),
    filters=(SelectFilter("Agency", DEDUCTIONS, "agency", also=(EXCEPTIONS,)),),
)

# ---------------------------------------------------------------- 5. funnel and retention
FUNNEL_DASHBOARD = Dashboard(
    slug="topup-funnel",
    title="Top-up funnel and retention",
    description="How registration cohorts become payers, how first-time payers come back, "
    "and when, how and where people top up.",
    rows=(
        (
            headline(
                "topups_latest",
                "Successful top-ups",
                "Top-up orders that succeeded on the latest day.",
                SEGMENTS,
                m("sum(orders)", "Top-ups"),
                "date",
                width=4,
            ),
            headline(
                "topup_revenue_latest",
                "Amount topped up",
                "The amount of successful top-ups on the latest day (NT$).",
                SEGMENTS,
                m("sum(revenue)", "Revenue", "money"),
                "date",
                width=4,
            ),
            headline(
                "funnel_conversion_latest",
                "Cohort conversion",
                "Of the latest weekly registration cohort, the share who topped up at least once.",
                FUNNEL,
                ratio("first_topup_users", "registered_users", "Conversion"),
                "cohort_week",
                width=4,
                time_grain="P1W",
                compare_lag=1,
                compare_suffix="vs the cohort before",
            ),
        ),
        (
            Chart(
                "topups_daily",
                "Successful top-ups per day",
                "Top-up orders that succeeded, per day (the same orders the latest top-ups "
                "table lists with their workbook lineage).",
                "bar",
                SEGMENTS,
                (m("sum(orders)", "Top-ups"),),
                x_axis="date",
                width=6,
                height=40,
            ),
            Chart(
                "latest_topups",
                "Latest successful top-ups, with their source",
                "Each order with the workbook, sheet and Excel row it came from.",
                "table",
                TOPUPS,
                columns=(
                    "topup_at",
                    "order_id",
                    "amount",
                    "payment_method",
                    "platform",
                    "source_file",
                    "source_sheet",
                    "source_row",
                ),
                labels={
                    "topup_at": "Paid at",
                    "order_id": "Order",
                    "amount": "Amount",
                    "payment_method": "Payment method",
                    "platform": "Platform",
                    "source_file": "Workbook",
                    "source_sheet": "Sheet",
                    "source_row": "Excel row",
                },
                where=("is_successful",),
                order_by=("topup_at", False),
                column_formats={"amount": "money"},
                row_limit=100,
                width=6,
                height=40,
            ),
        ),
        (
            Chart(
                "funnel_by_cohort",
                "Registration-cohort funnel",
                "Each week's new users: how many became active, paid once and paid again, "
                "with each step's rate (latest cohorts first).",
                "table",
                FUNNEL,
                (
                    m("sum(registered_users)", "Registered"),
                    m("sum(active_users)", "Active"),
                    m("avg(activation_rate)", "Active / registered", "percent"),
                    m("sum(first_topup_users)", "First top-up"),
                    m("avg(first_topup_rate)", "First top-up / active", "percent"),
                    m("sum(repeat_topup_users)", "Repeat top-up"),
                    m("avg(repeat_topup_rate)", "Repeat / first", "percent"),
                ),
                groupby=("cohort_week",),
                order_by=("cohort_week", False),
                row_limit=12,
            ),
            Chart(
                "retention_heatmap",
                "First-top-up retention",
                "Share of each week's first-time payers (the cohort's size beside its week) "
                "who top up again 1, 2, 4, 8 and 12 weeks later; a blank cell is a week "
                "not yet reached, never 0%.",
                "heatmap",
                RETENTION,
                (m("avg(retention_rate)", "Retention", "percent"),),
                groupby=("cohort",),
                computed={
                    "cohort": "concat(cast(cohort_week as string), ' (', "
                    "cast(cohort_users as string), ' payers)')"
                },
                x_axis="weeks_after",
                where=("weeks_after in (1, 2, 4, 8, 12)", "is_complete"),
            ),
        ),
        (
            Chart(
                "revenue_by_day_segment",
                "Revenue by time of day",
                "Successful top-up revenue by the part of the day it was paid (NT$).",
                "pie",
                SEGMENTS,
                (m("sum(revenue)", "Revenue", "money"),),
                groupby=("topup_day_segment",),
                width=4,
            ),
            Chart(
                "orders_by_payment_method",
                "Top-ups by payment method",
                "Successful top-ups per payment method over the period.",
                "pie",
                SEGMENTS,
                (m("sum(orders)", "Top-ups"),),
                groupby=("payment_method",),
                width=4,
            ),
            Chart(
                "orders_by_platform",
                "Top-ups by platform",
                "Successful top-ups per app platform over the period.",
                "pie",
                SEGMENTS,
                (m("sum(orders)", "Top-ups"),),
                groupby=("platform",),
                width=4,
            ),
        ),
    ),
    filters=(
        SelectFilter("Payment method", SEGMENTS, "payment_method", also=(TOPUPS,)),
        SelectFilter("Platform", SEGMENTS, "platform", also=(TOPUPS,)),
    ),
)

# ---------------------------------------------------------------- 6. data health
HEALTH = Dashboard(
    slug="data-health",
    title="Data health",
    description="What became of every row the back office sent: loaded, replaced by a "
    "later export, quarantined or rejected, and how fresh each domain is.",
    rows=(
        (
            headline(
                "quarantined_latest",
                "Rows quarantined",
                "Rows set aside on the latest export day (a value missing or unreadable).",
                HEALTH_DAILY,
                m("sum(rows_quarantined)", "Quarantined"),
                "day",
                width=6,
            ),
            headline(
                "rejected_latest",
                "Rows rejected",
                "Rows of files or sheets that could not be read, on the latest export day.",
                HEALTH_DAILY,
                m("sum(rows_rejected)", "Rejected"),
                "day",
                width=6,
            ),
        ),
        (
            Chart(
                "freshness",
                "Freshness per domain",
                "Every domain's report of day D is due on D + 1 by its export time "
                "(Asia/Taipei). Judged at the lake's newest delivery: fresh (the expected "
                "day arrived on time), late (it arrived after its export time), missing "
                "(another domain's report of that day arrived, this one did not).",
                "table",
                HEALTH_FRESHNESS,
                columns=(
                    "domain",
                    "freshness_status",
                    "expected_data_date",
                    "latest_data_date",
                    "export_time",
                    "delivered_at_taipei",
                    "files_loaded",
                ),
                labels={
                    "domain": "Domain",
                    "freshness_status": "Status",
                    "expected_data_date": "Expected day",
                    "latest_data_date": "Latest day held",
                    "export_time": "Due by (next day)",
                    "delivered_at_taipei": "Latest day arrived at",
                    "files_loaded": "Files",
                },
                order_by=("domain", True),
                column_formats={"files_loaded": "int"},
                highlights=(
                    ("freshness_status", "=", "fresh", GREEN),
                    ("freshness_status", "=", "late", AMBER),
                    ("freshness_status", "=", "missing", RED),
                ),
                width=12,
                height=40,
                extra={"no_time_filter": True, "timestamp_format": "%Y-%m-%d %H:%M"},
            ),
        ),
        (
            Chart(
                "shares_by_domain",
                "Superseded and quarantined shares per domain",
                "Of the rows each domain's files delivered over the period: the share a "
                "later export replaced, and the share quarantined.",
                "table",
                HEALTH_DAILY,
                (
                    m("sum(rows_read)", "Rows read"),
                    ratio("rows_superseded", "rows_loaded", "Superseded share"),
                    ratio("rows_quarantined", "rows_read", "Quarantined share"),
                    m("sum(rows_rejected)", "Rows rejected"),
                ),
                groupby=("domain",),
                order_by=("Rows read", False),
                highlights=(("Quarantined share", ">", 0.01, AMBER),),
                width=12,
                height=30,
            ),
        ),
        (
            Chart(
                "rows_loaded_daily",
                "Rows loaded per export day",
                "Rows each domain's files delivered and the lake kept, by the day they "
                "were exported.",
                "bar",
                HEALTH_DAILY,
                (m("sum(rows_loaded)", "Rows loaded"),),
                groupby=("domain",),
                x_axis="day",
                extra={"stack": "Stack"},
            ),
            Chart(
                "rows_quarantined_daily",
                "Quarantined rows by reason",
                "Rows set aside because a value was missing, unreadable or impossible.",
                "bar",
                HEALTH_QUARANTINE,
                (m("sum(rows_quarantined)", "Rows quarantined"),),
                groupby=("reason",),
                x_axis="day",
                extra={"stack": "Stack"},
            ),
        ),
        (
            Chart(
                "rows_by_fate",
                "What became of the rows, per domain and day",
                "Rows read, kept as the current export, replaced by a later export, "
                "repeated, quarantined or rejected.",
                "table",
                HEALTH_DAILY,
                (
                    m("sum(files)", "Files"),
                    m("sum(rows_read)", "Read"),
                    m("sum(rows_loaded)", "Loaded"),
                    m("sum(rows_winning)", "Current"),
                    m("sum(rows_superseded)", "Superseded"),
                    m("sum(rows_duplicate)", "Duplicate"),
                    m("sum(rows_quarantined)", "Quarantined"),
                    m("sum(rows_rejected)", "Rejected"),
                ),
                groupby=("day", "domain"),
                order_by=("day", False),
                row_limit=500,
                width=12,
            ),
        ),
        (
            Chart(
                "rejected_files",
                "Rejected files and sheets",
                "Workbooks or sheets that could not be read at all, with the reason.",
                "table",
                HEALTH_REJECTIONS,
                columns=(
                    "day",
                    "source_file",
                    "source_sheet",
                    "domain",
                    "column",
                    "reason",
                    "rows",
                    "ingested_at_taipei",
                ),
                order_by=("day", False),
                width=12,
            ),
        ),
    ),
    filters=(
        SelectFilter(
            "Domain",
            HEALTH_DAILY,
            "domain",
            also=(HEALTH_QUARANTINE, HEALTH_REJECTIONS, HEALTH_FRESHNESS),
        ),
    ),
)

DASHBOARDS: tuple[Dashboard, ...] = (
    DAU,
    MEMBERSHIP_DASHBOARD,
    CHANNELS_DASHBOARD,
    OPERATIONS,
    FUNNEL_DASHBOARD,
    HEALTH,
)
