{#
    mart_daily_kpis per date and membership level. A user counts at their level on d
    (kpis.md: the level of their latest observation on or before d); for the day's
    own activity and top-ups that is the level at the end of d
    (fct_user_activity.membership_level). WAU / MAU / new users group users by their
    level on d from dim_user_membership_history; WAU / MAU are running sums of
    per-user activity spans (livelake.activity_spans) cut at the user's membership
    versions (no date x user-day join); a new user with no observation yet on d has
    no level and is left out of this mart (not of mart_daily_kpis).
    Refund rate per level uses the payer's level on the order's date. Coverage
    (has_activity_report, activity_days_7 / _30) is the platform's, from
    mart_daily_kpis; wau / mau / stickiness_if_complete are null where it is short.

    Incremental like mart_daily_kpis: the dates from the earliest change on (levels
    change from a user's change date on, never before), or from the first date whose
    new users by level differ from the built rows, if earlier, are rebuilt and
    merged (every date has a row per level).
#}
{{
    config(
        materialized='incremental',
        incremental_strategy='merge',
        unique_key=['date', 'membership_level'],
        cluster_by=livelake.clustered(['date', 'membership_level']),
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

membership as (

    select * from {{ ref('dim_user_membership_history') }}

),

coverage as (

    select * from {{ ref('mart_daily_kpis') }}

),

levels as (

    {{ livelake.membership_levels_relation() }}

),

{% set new_users_by_level %}
    select
        users.registered_at,
        membership.membership_level,
        count(*) as new_users
    from {{ ref('dim_users') }} as users
    inner join {{ ref('dim_user_membership_history') }} as membership
        on
            users.user_id = membership.user_id
            and users.registered_at >= membership.valid_from_date
            and (membership.valid_to_date is null or users.registered_at < membership.valid_to_date)
    group by 1, 2
{% endset %}

{% if is_incremental() %}
    {% set rebuild_from = livelake.kpi_first_rebuilt_date(new_users_by_level, by_level=true) %}
{% endif %}

new_by_level as (

    {{ new_users_by_level }}

),

active_spans as (

    {% if is_incremental() %}
        {{ livelake.activity_spans('user_days', since=livelake.add_days(rebuild_from, -30)) }}
    {% else %}
        {{ livelake.activity_spans('user_days') }}
    {% endif %}

),

rebuilt_user_days as (

    select * from user_days
    {% if is_incremental() %}
        where activity_date >= {{ rebuild_from }}
    {% endif %}

),

daily_by_level as (

    select
        activity_date,
        membership_level,
        count(distinct case when is_dau then user_id end) as dau,
        count(distinct case when is_paying then user_id end) as paying_users,
        sum(topup_revenue) as topup_revenue,
        sum(successful_topups) as successful_orders,
        sum(refunded_topups) as refunded_orders,
        sum(case when is_dau then watch_minutes else 0 end) as dau_watch_minutes,
        sum(case when is_dau then messages_sent else 0 end) as dau_messages_sent
    from rebuilt_user_days
    where membership_level is not null
    group by 1, 2

),


level_spans as (

    {# Each span cut by the user's membership versions: [start, end) at one level. #}
    select
        membership.membership_level,
        greatest(active_spans.span_start, membership.valid_from_date) as span_start,
        case
            when membership.valid_to_date < active_spans.wau_span_end then membership.valid_to_date
            else active_spans.wau_span_end
        end as wau_span_end,
        case
            when membership.valid_to_date < active_spans.mau_span_end then membership.valid_to_date
            else active_spans.mau_span_end
        end as mau_span_end
    from active_spans
    inner join membership
        on
            active_spans.user_id = membership.user_id
            and active_spans.mau_span_end > membership.valid_from_date
            and (membership.valid_to_date is null or active_spans.span_start < membership.valid_to_date)

),

span_edges as (

    select
        membership_level,
        span_start as edge_date,
        case when span_start < wau_span_end then 1 else 0 end as wau_change,
        1 as mau_change
    from level_spans
    where span_start < mau_span_end

    union all by name

    select
        membership_level,
        wau_span_end as edge_date,
        -1 as wau_change,
        0 as mau_change
    from level_spans
    where span_start < wau_span_end

    union all by name

    select
        membership_level,
        mau_span_end as edge_date,
        0 as wau_change,
        -1 as mau_change
    from level_spans
    where span_start < mau_span_end

),

daily_changes as (

    select
        edge_date,
        membership_level,
        sum(wau_change) as wau_change,
        sum(mau_change) as mau_change
    from span_edges
    group by 1, 2

),

trailing_by_level as (

    select
        dates.date_day,
        levels.membership_level,
        sum(coalesce(daily_changes.wau_change, 0)) over (
            partition by levels.membership_level
            order by dates.date_day rows between unbounded preceding and current row
        ) as wau,
        sum(coalesce(daily_changes.mau_change, 0)) over (
            partition by levels.membership_level
            order by dates.date_day rows between unbounded preceding and current row
        ) as mau
    from dates
    cross join levels
    left join daily_changes
        on
            dates.date_day = daily_changes.edge_date
            and levels.membership_level = daily_changes.membership_level

),

final as (

    select
        dates.date_day as date,
        levels.membership_level,
        cast(coalesce(daily_by_level.dau, 0) as {{ dbt.type_bigint() }}) as dau,
        cast(coalesce(trailing_by_level.wau, 0) as {{ dbt.type_bigint() }}) as wau,
        cast(coalesce(trailing_by_level.mau, 0) as {{ dbt.type_bigint() }}) as mau,
        {{ livelake.safe_ratio('coalesce(daily_by_level.dau, 0)', 'trailing_by_level.mau') }} as stickiness,
        cast(coalesce(new_by_level.new_users, 0) as {{ dbt.type_bigint() }}) as new_users,
        cast(coalesce(daily_by_level.paying_users, 0) as {{ dbt.type_bigint() }}) as paying_users,
        {{ livelake.to_money('coalesce(daily_by_level.topup_revenue, 0)') }} as topup_revenue,
        {{ livelake.money_ratio('daily_by_level.topup_revenue', 'daily_by_level.paying_users') }}
            as arppu,
        {{ livelake.money_ratio('coalesce(daily_by_level.topup_revenue, 0)', 'daily_by_level.dau') }}
            as arpu,
        {{ livelake.safe_ratio(
            'daily_by_level.refunded_orders',
            'daily_by_level.successful_orders + daily_by_level.refunded_orders'
        ) }} as refund_rate,
        {{ livelake.safe_ratio('daily_by_level.dau_watch_minutes', 'daily_by_level.dau') }}
            as watch_minutes_per_dau,
        {{ livelake.safe_ratio('daily_by_level.dau_messages_sent', 'daily_by_level.dau') }}
            as messages_per_dau,
        {{ livelake.safe_ratio('coalesce(daily_by_level.paying_users, 0)', 'daily_by_level.dau') }}
            as paying_share_of_dau,
        coverage.has_activity_report,
        coverage.activity_days_7,
        coverage.activity_days_30,
        cast(
            case when coverage.activity_days_7 = 7 then coalesce(trailing_by_level.wau, 0) end
            as {{ dbt.type_bigint() }}
        ) as wau_if_complete,
        cast(
            case when coverage.activity_days_30 = 30 then coalesce(trailing_by_level.mau, 0) end
            as {{ dbt.type_bigint() }}
        ) as mau_if_complete,
        case
            when coverage.activity_days_30 = 30
                then {{ livelake.safe_ratio('coalesce(daily_by_level.dau, 0)', 'trailing_by_level.mau') }}
        end as stickiness_if_complete,
        levels.membership_rank,
        {{ livelake.lake_batch() }} as _batch_run_id
    from dates
    cross join levels
    left join daily_by_level
        on
            dates.date_day = daily_by_level.activity_date
            and levels.membership_level = daily_by_level.membership_level
    left join trailing_by_level
        on
            dates.date_day = trailing_by_level.date_day
            and levels.membership_level = trailing_by_level.membership_level
    left join new_by_level
        on
            dates.date_day = new_by_level.registered_at
            and levels.membership_level = new_by_level.membership_level
    left join coverage
        on dates.date_day = coverage.date
    {% if is_incremental() %}
        where dates.date_day >= {{ rebuild_from }}
    {% endif %}

)

select * from final
