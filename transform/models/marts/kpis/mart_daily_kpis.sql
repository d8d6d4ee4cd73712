{#
    Platform KPIs per local date (kpis.md). DAU = fct_user_activity.is_dau; WAU / MAU
    = distinct users in the DAU sets of the trailing 7 / 30 days ending on d, counted
    as a running sum of per-user activity spans (livelake.activity_spans);
    stickiness = DAU / MAU. Revenue and refunds come from fct_topup (latest status).
    Coverage: a day without a User Activity report counts payers only, so
    has_activity_report says whether d has one, activity_days_7 / _30 how many of the
    7 / 30 days ending d have one, and wau_if_complete / mau_if_complete /
    stickiness_if_complete repeat WAU / MAU / stickiness only where every day of
    their window has a report (null otherwise: what the dashboards draw).

    Incremental (DuckDB): changes from date m on (livelake.changed_since)
    can alter the dates from m on (WAU / MAU reach 30 days forward, never back), and
    a corrected registration date can move a user's new_users count to any date:
    new_users is recomputed for every date (from dim_users, small), and the rebuild
    starts at the earlier of m and the first date where it differs from the built
    row. Merged on date (the mart has a row for every date of dim_date).
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

topups as (

    select * from {{ ref('fct_topup') }}

),

{% set new_users_by_date %}
    select
        registered_at,
        count(*) as new_users
    from {{ ref('dim_users') }}
    where registered_at is not null
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
        sum(case when is_dau then watch_minutes else 0 end) as dau_watch_minutes,
        sum(case when is_dau then messages_sent else 0 end) as dau_messages_sent
    from user_days
    {% if is_incremental() %}
        where activity_date >= {{ rebuild_from }}
    {% endif %}
    group by 1

),

active_spans as (

    {% if is_incremental() %}
        {{ livelake.activity_spans('user_days', since=livelake.add_days(rebuild_from, -30)) }}
    {% else %}
        {{ livelake.activity_spans('user_days') }}
    {% endif %}

),

span_edges as (

    select
        span_start as edge_date,
        1 as wau_change,
        1 as mau_change
    from active_spans

    union all by name

    select
        wau_span_end as edge_date,
        -1 as wau_change,
        0 as mau_change
    from active_spans

    union all by name

    select
        mau_span_end as edge_date,
        0 as wau_change,
        -1 as mau_change
    from active_spans

),

daily_changes as (

    select
        edge_date,
        sum(wau_change) as wau_change,
        sum(mau_change) as mau_change
    from span_edges
    group by 1

),

trailing_active as (

    select
        dates.date_day,
        sum(coalesce(daily_changes.wau_change, 0)) over (
            order by dates.date_day rows between unbounded preceding and current row
        ) as wau,
        sum(coalesce(daily_changes.mau_change, 0)) over (
            order by dates.date_day rows between unbounded preceding and current row
        ) as mau
    from dates
    left join daily_changes
        on dates.date_day = daily_changes.edge_date

),

activity_report_dates as (

    select distinct activity_date
    from user_days
    {% if is_incremental() %}
        where has_activity_row and activity_date >= {{ livelake.add_days(rebuild_from, -29) }}
    {% else %}
        where has_activity_row
    {% endif %}

),

coverage as (

    select
        dates.date_day,
        count(distinct case when reports.activity_date = dates.date_day then reports.activity_date end)
            as report_today,
        count(
            distinct case
                when reports.activity_date > {{ livelake.add_days('dates.date_day', -7) }}
                    then reports.activity_date
            end
        ) as activity_days_7,
        count(distinct reports.activity_date) as activity_days_30
    from dates
    inner join activity_report_dates as reports
        on
            dates.date_day >= reports.activity_date
            and {{ livelake.add_days('dates.date_day', -30) }} < reports.activity_date
    {% if is_incremental() %}
        where dates.date_day >= {{ rebuild_from }}
    {% endif %}
    group by 1

),

daily_topups as (

    select
        topup_date,
        sum(case when status = 'success' then amount else 0 end) as topup_revenue,
        sum(case when status = 'success' then 1 else 0 end) as successful_orders,
        sum(case when status = 'refunded' then 1 else 0 end) as refunded_orders
    from topups
    {% if is_incremental() %}
        where topup_date >= {{ rebuild_from }}
    {% endif %}
    group by 1

),

final as (

    select
        dates.date_day as date,
        cast(coalesce(daily_users.dau, 0) as {{ dbt.type_bigint() }}) as dau,
        cast(coalesce(trailing_active.wau, 0) as {{ dbt.type_bigint() }}) as wau,
        cast(coalesce(trailing_active.mau, 0) as {{ dbt.type_bigint() }}) as mau,
        {{ livelake.safe_ratio('coalesce(daily_users.dau, 0)', 'trailing_active.mau') }} as stickiness,
        cast(coalesce(new_users.new_users, 0) as {{ dbt.type_bigint() }}) as new_users,
        cast(coalesce(daily_users.paying_users, 0) as {{ dbt.type_bigint() }}) as paying_users,
        {{ livelake.to_money('coalesce(daily_topups.topup_revenue, 0)') }} as topup_revenue,
        {{ livelake.money_ratio('daily_topups.topup_revenue', 'daily_users.paying_users') }}
            as arppu,
        {{ livelake.money_ratio('coalesce(daily_topups.topup_revenue, 0)', 'daily_users.dau') }}
            as arpu,
        {{ livelake.safe_ratio(
            'daily_topups.refunded_orders',
            'daily_topups.successful_orders + daily_topups.refunded_orders'
        ) }} as refund_rate,
        {{ livelake.safe_ratio('daily_users.dau_watch_minutes', 'daily_users.dau') }} as watch_minutes_per_dau,
        {{ livelake.safe_ratio('daily_users.dau_messages_sent', 'daily_users.dau') }} as messages_per_dau,
        coalesce(coverage.report_today, 0) = 1 as has_activity_report,
        cast(coalesce(coverage.activity_days_7, 0) as {{ dbt.type_bigint() }}) as activity_days_7,
        cast(coalesce(coverage.activity_days_30, 0) as {{ dbt.type_bigint() }}) as activity_days_30,
        cast(
            case when coverage.activity_days_7 = 7 then coalesce(trailing_active.wau, 0) end
            as {{ dbt.type_bigint() }}
        ) as wau_if_complete,
        cast(
            case when coverage.activity_days_30 = 30 then coalesce(trailing_active.mau, 0) end
            as {{ dbt.type_bigint() }}
        ) as mau_if_complete,
        case
            when coverage.activity_days_30 = 30
                then {{ livelake.safe_ratio('coalesce(daily_users.dau, 0)', 'trailing_active.mau') }}
        end as stickiness_if_complete,
        {{ livelake.lake_batch() }} as _batch_run_id
    from dates
    left join daily_users
        on dates.date_day = daily_users.activity_date
    left join trailing_active
        on dates.date_day = trailing_active.date_day
    left join daily_topups
        on dates.date_day = daily_topups.topup_date
    left join new_users
        on dates.date_day = new_users.registered_at
    left join coverage
        on dates.date_day = coverage.date_day
    {% if is_incremental() %}
        where dates.date_day >= {{ rebuild_from }}
    {% endif %}

)

select * from final
