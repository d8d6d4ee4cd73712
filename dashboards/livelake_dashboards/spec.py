"""livelake's six dashboards, as code: what each chart shows and from which mart column.

Every number is a mart column (schema `marts`; `core.fct_topup` where a chart counts
top-ups, so "drill to detail" reaches the top-up rows and their lineage). A metric
sums or averages a column only where the chart spans several mart rows (days of a
week, agencies of a day). Dates are the marts' Asia/Taipei dates; money is NT$.
`bundle.py` turns this file into Superset's YAML assets.
"""

from __future__ import annotations

from livelake_dashboards.model import Chart, Dashboard, Dataset, Metric, SelectFilter

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
HEALTH_FILES = Dataset(
    "mart_data_health_files", "day", "One row per committed workbook: what became of its rows."
)


def m(sql: str, label: str, fmt: str = "int") -> Metric:
    return Metric(sql, label, fmt)  # type: ignore[arg-type]


PLATFORM = "agency is null"
PER_AGENCY = "agency is not null"

# ---------------------------------------------------------------- 1. daily active users
DAU = Dashboard(
    slug="daily-active-users",
    title="Daily active users",
    description="How many people use the platform each day, how often they come back, "
    "and what they spend, overall and by membership level.",
    rows=(
        (
            Chart(
                "dau_latest",
                "Daily active users",
                "People who watched, chatted or topped up on the latest day, with the trend.",
                "big_number",
                KPIS,
                (m("sum(dau)", "DAU"),),
                x_axis="date",
                width=4,
            ),
            Chart(
                "stickiness_latest",
                "Stickiness (DAU / MAU)",
                "The share of this month's users who were active on the latest day.",
                "big_number",
                KPIS,
                (m("avg(stickiness)", "Stickiness", "percent"),),
                x_axis="date",
                width=4,
            ),
            Chart(
                "arppu_latest",
                "Revenue per paying user (ARPPU)",
                "Top-up revenue divided by the users who paid, on the latest day.",
                "big_number",
                KPIS,
                (m("avg(arppu)", "ARPPU", "money"),),
                x_axis="date",
                width=4,
            ),
        ),
        (
            Chart(
                "dau_wau_mau",
                "Daily, weekly and monthly active users",
                "Active users on each day, and over the 7 and 30 days ending that day.",
                "line",
                KPIS,
                (m("sum(dau)", "DAU"), m("sum(wau)", "WAU"), m("sum(mau)", "MAU")),
                x_axis="date",
                width=8,
            ),
            Chart(
                "stickiness",
                "Stickiness",
                "DAU divided by MAU: how habitual the platform is.",
                "line",
                KPIS,
                (m("avg(stickiness)", "Stickiness", "percent"),),
                x_axis="date",
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
                "Top-up revenue per active user and per paying user, per day (NT$).",
                "line",
                KPIS,
                (m("avg(arpu)", "ARPU", "money"), m("avg(arppu)", "ARPPU", "money")),
                x_axis="date",
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
            ),
            Chart(
                "dau_by_level",
                "Daily active users by membership level",
                "Active users per day, split by their membership level at the end of the day.",
                "bar",
                KPIS_BY_LEVEL,
                (m("sum(dau)", "DAU"),),
                groupby=("membership_level",),
                x_axis="date",
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
                groupby=("membership_level",),
                x_axis="date",
            ),
            Chart(
                "kpis_by_level",
                "Membership levels on the latest days",
                "Each level's users, payers, revenue and engagement per day.",
                "table",
                KPIS_BY_LEVEL,
                (
                    m("sum(dau)", "DAU"),
                    m("sum(wau)", "WAU"),
                    m("sum(mau)", "MAU"),
                    m("avg(stickiness)", "Stickiness", "percent"),
                    m("sum(new_users)", "New users"),
                    m("sum(paying_users)", "Paying users"),
                    m("avg(arpu)", "ARPU", "money"),
                    m("avg(arppu)", "ARPPU", "money"),
                    m("avg(watch_minutes_per_dau)", "Watch minutes per DAU", "decimal"),
                    m("avg(messages_per_dau)", "Messages per DAU", "decimal"),
                ),
                groupby=("date", "membership_level"),
                order_by=("date", False),
                row_limit=200,
            ),
        ),
    ),
    filters=(SelectFilter("Membership level", KPIS_BY_LEVEL, "membership_level"),),
)

# ---------------------------------------------------------------- 2. membership
MEMBERSHIP_DASHBOARD = Dashboard(
    slug="membership",
    title="Membership upgrades and drop-off",
    description="Who moves up or down the membership levels, and who stops coming back.",
    rows=(
        (
            Chart(
                "upgrades_sankey",
                "Monthly upgrades between levels",
                "Users who moved up a level in the selected months, from level to level.",
                "sankey",
                TRANSITIONS,
                (m("sum(users)", "Users"),),
                groupby=("from_level", "to_level"),
                where=("period_grain = 'month'", "transition_type = 'upgrade'"),
            ),
            Chart(
                "transitions_heatmap",
                "Monthly moves between levels",
                "Users per from-level (rows) and to-level (columns), upgrades and downgrades.",
                "heatmap",
                TRANSITIONS,
                (m("sum(users)", "Users"),),
                groupby=("from_level",),
                x_axis="to_level",
                where=("period_grain = 'month'",),
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
                "Share of users seen in the month who moved up, or down, a level.",
                "bar",
                MEMBERSHIP,
                (
                    m("avg(upgrade_rate)", "Upgrade rate", "percent"),
                    m("avg(downgrade_rate)", "Downgrade rate", "percent"),
                ),
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
            ),
            Chart(
                "dropoffs_by_level",
                "Drop-offs per level, per month",
                "Members who stopped coming back, by the level they held when they left.",
                "bar",
                TRANSITIONS,
                (
                    m(
                        "sum(case when transition_type = 'drop_off' then users else 0 end)",
                        "Drop-offs",
                    ),
                ),
                groupby=("from_level",),
                x_axis="period_start",
                time_grain="P1M",
                where=("period_grain = 'month'",),
                extra={"stack": "Stack"},
            ),
        ),
        (
            Chart(
                "membership_monthly_table",
                "Membership movement per month",
                "Users seen, upgraded, downgraded and dropped off in each month.",
                "table",
                MEMBERSHIP,
                (
                    m("sum(observed_users)", "Users seen"),
                    m("sum(upgraded_users)", "Upgraded"),
                    m("sum(downgraded_users)", "Downgraded"),
                    m("avg(upgrade_rate)", "Upgrade rate", "percent"),
                    m("avg(downgrade_rate)", "Downgrade rate", "percent"),
                    m("sum(dropoffs)", "Drop-offs"),
                ),
                groupby=("period_start",),
                where=("period_grain = 'month'",),
                order_by=("period_start", False),
                width=12,
                height=40,
            ),
        ),
    ),
    filters=(SelectFilter("Membership level (from)", TRANSITIONS, "from_level"),),
)

# ---------------------------------------------------------------- 3. channels
CHANNELS_DASHBOARD = Dashboard(
    slug="channel-topups",
    title="Channel-wise top-up effectiveness",
    description="Which channels and categories turn their viewers into paying users, "
    "and how much top-up revenue each brings per hour on air.",
    rows=(
        (
            Chart(
                "top_channels",
                "Top channels by attributed revenue",
                "Top-up revenue of users who topped up from the channel, over the period (NT$).",
                "table",
                CHANNELS,
                (
                    m("sum(attributed_revenue)", "Attributed revenue", "money"),
                    m("sum(attributed_orders)", "Top-ups"),
                    m("avg(conversion_rate)", "Conversion (daily average)", "percent"),
                    m("avg(revenue_per_live_hour)", "Revenue per live hour", "money"),
                    m("avg(revenue_share)", "Revenue share (daily average)", "percent"),
                ),
                groupby=("channel_name", "category"),
                order_by=("Attributed revenue", False),
                row_limit=10,
                width=7,
            ),
            Chart(
                "category_revenue_share",
                "Revenue by category",
                "Attributed top-up revenue per channel category over the period (NT$).",
                "pie",
                CHANNELS,
                (m("sum(attributed_revenue)", "Attributed revenue", "money"),),
                groupby=("category",),
                width=5,
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
                "Paying viewer-days divided by viewer-days, per category and week.",
                "line",
                CATEGORIES,
                (m("avg(conversion_rate)", "Conversion", "percent"),),
                groupby=("category",),
                x_axis="week_start",
                time_grain="P1W",
            ),
        ),
        (
            Chart(
                "category_revenue_per_hour_weekly",
                "Weekly revenue per live hour by category",
                "Attributed revenue divided by hours on air, per category and week (NT$).",
                "line",
                CATEGORIES,
                (m("avg(revenue_per_live_hour)", "Revenue per live hour", "money"),),
                groupby=("category",),
                x_axis="week_start",
                time_grain="P1W",
            ),
            Chart(
                "category_share_weekly",
                "Weekly revenue share by category",
                "Each category's share of the platform's top-up revenue, per week.",
                "bar",
                CATEGORIES,
                (m("avg(revenue_share)", "Revenue share", "percent"),),
                groupby=("category",),
                x_axis="week_start",
                time_grain="P1W",
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
            Chart(
                "gross_pre_post",
                "Gross revenue before and after deductions",
                "Platform-wide gross gift revenue as the pre- and post-deduction reports "
                "state it, per day (NT$).",
                "line",
                DEDUCTIONS,
                (
                    m("sum(gross_pre)", "Gross (pre-deduction report)", "money"),
                    m("sum(gross_post)", "Gross (post-deduction report)", "money"),
                    m("sum(net_revenue)", "Net revenue", "money"),
                ),
                x_axis="date",
                where=(PLATFORM,),
            ),
            Chart(
                "deductions_breakdown",
                "Deductions per day",
                "Platform fees, payment fees and tax withheld, platform-wide (NT$).",
                "bar",
                DEDUCTIONS,
                (
                    m("sum(platform_fee)", "Platform fee", "money"),
                    m("sum(payment_fee)", "Payment fee", "money"),
                    m("sum(tax_withheld)", "Tax withheld", "money"),
                ),
                x_axis="date",
                where=(PLATFORM,),
                extra={"stack": "Stack"},
            ),
        ),
        (
            Chart(
                "take_rate_band",
                "Take rate against its 28-day average",
                "Deductions over gross each day, beside the average of the 28 days before.",
                "line",
                DEDUCTIONS,
                (
                    m("avg(take_rate)", "Take rate", "percent"),
                    m("avg(take_rate_mean_28)", "28-day average", "percent"),
                ),
                x_axis="date",
                where=(PLATFORM,),
            ),
            Chart(
                "take_rate_z_by_agency",
                "Take rate deviation by agency",
                "How many 28-day standard deviations each agency's take rate is from its "
                "average; beyond ±3 the day is flagged.",
                "line",
                DEDUCTIONS,
                (m("avg(take_rate_z28)", "Take rate z-score", "decimal"),),
                groupby=("agency",),
                x_axis="date",
                where=(PER_AGENCY,),
                extra={"zscore_band": 3},
            ),
        ),
        (
            Chart(
                "flagged_days",
                "Flagged days",
                "Days whose take rate is 3 or more standard deviations from its 28-day band "
                "(agency empty = the whole platform).",
                "table",
                DEDUCTIONS,
                columns=(
                    "date",
                    "agency",
                    "take_rate",
                    "take_rate_mean_28",
                    "take_rate_std_28",
                    "take_rate_z28",
                    "gross_post",
                    "net_revenue",
                ),
                where=("is_flagged",),
                order_by=("date", False),
                column_formats={
                    "take_rate": "percent",
                    "take_rate_mean_28": "percent",
                    "take_rate_std_28": "percent",
                    "take_rate_z28": "decimal",
                    "gross_post": "money",
                    "net_revenue": "money",
                },
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
            Chart(
                "topups_daily",
                "Successful top-ups per day",
                "Top-up orders that succeeded, per day; drill to detail lists each order "
                "with the workbook, sheet and Excel row it came from.",
                "bar",
                TOPUPS,
                (m("count(*)", "Top-ups"),),
                x_axis="topup_date",
                where=("is_successful",),
                width=12,
                height=40,
            ),
        ),
        (
            Chart(
                "funnel_by_cohort",
                "Registration-cohort funnel",
                "Users registered each month, how many became active, paid once, and paid again.",
                "bar",
                FUNNEL,
                (
                    m("sum(registered_users)", "Registered"),
                    m("sum(active_users)", "Active"),
                    m("sum(first_topup_users)", "First top-up"),
                    m("sum(repeat_topup_users)", "Repeat top-up"),
                ),
                x_axis="cohort_week",
                time_grain="P1M",  # weekly cohorts summed per registration month
            ),
            Chart(
                "retention_heatmap",
                "First-top-up retention",
                "Share of each week's first-time payers who top up again 1, 2, 4, 8 and 12 "
                "weeks later.",
                "heatmap",
                RETENTION,
                (m("avg(retention_rate)", "Retention", "percent"),),
                groupby=("cohort_week",),
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
            Chart(
                "freshness",
                "Freshness per domain",
                "The latest export of each domain and how many hours before the last "
                "build it arrived (Asia/Taipei).",
                "table",
                HEALTH_FRESHNESS,
                columns=(
                    "domain",
                    "latest_exported_at_taipei",
                    "latest_data_date",
                    "files_loaded",
                    "hours_since_export",
                    "built_at_taipei",
                ),
                order_by=("domain", True),
                column_formats={"hours_since_export": "hours", "files_loaded": "int"},
                width=12,
                height=30,
                extra={"no_time_filter": True},
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
