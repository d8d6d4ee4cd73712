{#
    mart_daily_kpis per date and membership level, a user counted at their level on d
    (kpis.md): the day's activity and top-ups at fct_user_activity.membership_level (the
    end of d: refunds by the payer's level that day); WAU / MAU / new users at the level
    on d (dim_user_membership_history, cutting livelake.trailing_active's spans). A user
    with no observation yet is left out. Coverage is the platform's (mart_daily_kpis).
    Incremental like mart_daily_kpis (levels change from a user's change date on, never
    before): merged on (date, membership_level), every date has a row per level.
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

coverage as (

    select * from {{ ref('mart_daily_kpis') }}

),

{% set new_users_by_level %}
    select
        users.registered_at as date,
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
    {% set rebuild_from = livelake.kpi_first_rebuilt_date(new_users_by_level, ['date', 'membership_level']) %}
{% endif %}

new_by_level as (

    {{ new_users_by_level }}

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
    from user_days
    where membership_level is not null {% if is_incremental() %}and activity_date >= {{ rebuild_from }}{% endif %}
    group by 1, 2

),

levels as (

    {{ livelake.membership_levels_relation() }}

),

date_levels as (

    select
        dates.date_day,
        levels.membership_level,
        levels.membership_rank
    from dates
    cross join levels

),

trailing_by_level as (

    {{ livelake.trailing_active(
        'date_levels', 'user_days', since=livelake.add_days(rebuild_from, -30) if is_incremental() else none,
        versions=ref('dim_user_membership_history')
    ) }}

),

final as (

    select
        active.date_day as date,
        active.membership_level,
        coalesce(daily.dau, 0) as dau,
        active.wau,
        active.mau,
        {{ livelake.safe_ratio('coalesce(daily.dau, 0)', 'active.mau') }} as stickiness,
        coalesce(new_by_level.new_users, 0) as new_users,
        coalesce(daily.paying_users, 0) as paying_users,
        {{ livelake.to_money('coalesce(daily.topup_revenue, 0)') }} as topup_revenue,
        {{ livelake.money_ratio('daily.topup_revenue', 'daily.paying_users') }} as arppu,
        {{ livelake.money_ratio('coalesce(daily.topup_revenue, 0)', 'daily.dau') }} as arpu,
        {{ livelake.safe_ratio('daily.refunded_orders', 'daily.successful_orders + daily.refunded_orders') }}
            as refund_rate,
        {{ livelake.safe_ratio('daily.dau_watch_minutes', 'daily.dau') }} as watch_minutes_per_dau,
        {{ livelake.safe_ratio('daily.dau_messages_sent', 'daily.dau') }} as messages_per_dau,
        {{ livelake.safe_ratio('coalesce(daily.paying_users, 0)', 'daily.dau') }} as paying_share_of_dau,
        coverage.has_activity_report,
        coverage.activity_days_7,
        coverage.activity_days_30,
        case when coverage.activity_days_7 = 7 then active.wau end as wau_if_complete,
        case when coverage.activity_days_30 = 30 then active.mau end as mau_if_complete,
        {{ livelake.safe_ratio(
            'coalesce(daily.dau, 0)', 'case when coverage.activity_days_30 = 30 then active.mau end'
        ) }} as stickiness_if_complete,
        active.membership_rank,
        {{ livelake.lake_batch() }} as _batch_run_id
    from trailing_by_level as active
    left join daily_by_level as daily
        on active.date_day = daily.activity_date and active.membership_level = daily.membership_level
    left join new_by_level
        on active.date_day = new_by_level.date and active.membership_level = new_by_level.membership_level
    left join coverage
        on active.date_day = coverage.date
    {% if is_incremental() %}
        where active.date_day >= {{ rebuild_from }}
    {% endif %}

)

select * from final
