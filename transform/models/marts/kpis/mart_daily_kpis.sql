{#
    Platform KPIs per local date (kpis.md). DAU = fct_user_activity.is_dau; WAU / MAU
    = distinct users in the DAU sets of the trailing 7 / 30 days ending on d
    (livelake.trailing_active); stickiness = DAU / MAU. Revenue and refunds are the
    user-days' top-ups (fct_topup's latest status). Coverage: a day without a User
    Activity report counts payers only, so has_activity_report says whether d has one,
    activity_days_7 / _30 how many of the 7 / 30 days ending d have one, and
    wau / mau / stickiness_if_complete repeat WAU / MAU / stickiness only where every
    day of their window has one (null otherwise: what the dashboards draw).

    Incremental: changes from date m on (livelake.changed_since) alter the dates from
    m on (WAU / MAU and coverage reach 30 days forward, never back); a corrected
    registration date can move new users to any date, so the rebuild starts at the
    earlier of m and the first date whose new_users differ
    (livelake.kpi_first_rebuilt_date). Merged on date: every date of dim_date has a row.
#}
{{
    config(
        materialized='incremental',
        incremental_strategy='merge',
        unique_key='date',
        cluster_by=livelake.clustered(['date']),
        on_schema_change='fail'
    )
}}

with

dates as (

    select * from {{ ref('dim_date') }}

),

user_days as (

    select * from {{ ref('fct_user_activity') }}

),

{# The mart's dates only: a user registered before the data's first day counts on none. #}
{% set new_users_by_date %}
    select
        registered_at as date,
        count(*) as new_users
    from {{ ref('dim_users') }}
    where registered_at >= (select min(date_day) from {{ ref('dim_date') }})
    group by 1
{% endset %}

{% if is_incremental() %}
    {# The first date to rebuild, a literal: the big tables are read from it on. #}
    {% set rebuild_from = livelake.kpi_first_rebuilt_date(new_users_by_date) %}
{% endif %}

new_users as (

    {{ new_users_by_date }}

),

daily_users as (

    select
        activity_date,
        count(distinct case when is_dau then user_id end) as dau,
        count(distinct case when is_paying then user_id end) as paying_users,
        sum(topup_revenue) as topup_revenue,
        sum(successful_topups) as successful_orders,
        sum(refunded_topups) as refunded_orders,
        sum(case when is_dau then watch_minutes else 0 end) as dau_watch_minutes,
        sum(case when is_dau then messages_sent else 0 end) as dau_messages_sent,
        max(case when has_activity_row then 1 end) as activity_report
    from user_days
    {% if is_incremental() %}
        where activity_date >= {{ livelake.add_days(rebuild_from, -29) }}
    {% endif %}
    group by 1

),

trailing_active as (

    {{ livelake.trailing_active(
        'dates', 'user_days', since=livelake.add_days(rebuild_from, -30) if is_incremental() else none
    ) }}

),

coverage as (

    select
        dates.date_day,
        count(daily_users.activity_report) over (order by dates.date_day rows 6 preceding) as activity_days_7,
        count(daily_users.activity_report) over (order by dates.date_day rows 29 preceding) as activity_days_30
    from dates
    left join daily_users
        on dates.date_day = daily_users.activity_date

),

final as (

    select
        trailing_active.date_day as date,
        coalesce(daily_users.dau, 0) as dau,
        trailing_active.wau,
        trailing_active.mau,
        {{ livelake.safe_ratio('coalesce(daily_users.dau, 0)', 'trailing_active.mau') }} as stickiness,
        coalesce(new_users.new_users, 0) as new_users,
        coalesce(daily_users.paying_users, 0) as paying_users,
        {{ livelake.to_money('coalesce(daily_users.topup_revenue, 0)') }} as topup_revenue,
        {{ livelake.money_ratio('daily_users.topup_revenue', 'daily_users.paying_users') }} as arppu,
        {{ livelake.money_ratio('coalesce(daily_users.topup_revenue, 0)', 'daily_users.dau') }} as arpu,
        {{ livelake.safe_ratio(
            'daily_users.refunded_orders', 'daily_users.successful_orders + daily_users.refunded_orders'
        ) }} as refund_rate,
        {{ livelake.safe_ratio('daily_users.dau_watch_minutes', 'daily_users.dau') }} as watch_minutes_per_dau,
        {{ livelake.safe_ratio('daily_users.dau_messages_sent', 'daily_users.dau') }} as messages_per_dau,
        daily_users.activity_report is not null as has_activity_report,
        coverage.activity_days_7,
        coverage.activity_days_30,
        case when coverage.activity_days_7 = 7 then trailing_active.wau end as wau_if_complete,
        case when coverage.activity_days_30 = 30 then trailing_active.mau end as mau_if_complete,
        {{ livelake.safe_ratio(
            'coalesce(daily_users.dau, 0)', 'case when coverage.activity_days_30 = 30 then trailing_active.mau end'
        ) }} as stickiness_if_complete,
        {{ livelake.lake_batch() }} as _batch_run_id
    from trailing_active
    left join daily_users
        on trailing_active.date_day = daily_users.activity_date
    left join new_users
        on trailing_active.date_day = new_users.date
    left join coverage
        on trailing_active.date_day = coverage.date_day
    {% if is_incremental() %}
        where trailing_active.date_day >= {{ rebuild_from }}
    {% endif %}

)

select * from final
