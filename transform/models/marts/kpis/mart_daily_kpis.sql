{#
    Platform KPIs per local date (kpis.md). DAU = fct_user_activity.is_dau; WAU / MAU
    = distinct users in the DAU sets of the trailing 7 / 30 days ending on d;
    stickiness = DAU / MAU. Revenue and refunds come from fct_topup (latest status).
#}
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

users as (

    select * from {{ ref('dim_users') }}

),

daily_users as (

    select
        activity_date,
        count(distinct case when is_dau then user_id end) as dau,
        count(distinct case when is_paying then user_id end) as paying_users,
        sum(case when is_dau then watch_minutes else 0 end) as dau_watch_minutes,
        sum(case when is_dau then messages_sent else 0 end) as dau_messages_sent
    from user_days
    group by 1

),

trailing_active as (

    select
        dates.date_day,
        count(distinct case
            when user_days.activity_date > {{ livelake.add_days('dates.date_day', -7) }}
                then user_days.user_id
        end) as wau,
        count(distinct user_days.user_id) as mau
    from dates
    inner join user_days
        on
            dates.date_day >= user_days.activity_date
            and user_days.activity_date > {{ livelake.add_days('dates.date_day', -30) }}
            and user_days.is_dau
    group by 1

),

daily_topups as (

    select
        topup_date,
        sum(case when status = 'success' then amount else 0 end) as topup_revenue,
        sum(case when status = 'success' then 1 else 0 end) as successful_orders,
        sum(case when status = 'refunded' then 1 else 0 end) as refunded_orders
    from topups
    group by 1

),

new_users as (

    select
        registered_at,
        count(*) as new_users
    from users
    where registered_at is not null
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
        {{ livelake.to_money(livelake.safe_ratio('daily_topups.topup_revenue', 'daily_users.paying_users')) }}
            as arppu,
        {{ livelake.to_money(livelake.safe_ratio('coalesce(daily_topups.topup_revenue, 0)', 'daily_users.dau')) }}
            as arpu,
        {{ livelake.safe_ratio(
            'daily_topups.refunded_orders',
            'daily_topups.successful_orders + daily_topups.refunded_orders'
        ) }} as refund_rate,
        {{ livelake.safe_ratio('daily_users.dau_watch_minutes', 'daily_users.dau') }} as watch_minutes_per_dau,
        {{ livelake.safe_ratio('daily_users.dau_messages_sent', 'daily_users.dau') }} as messages_per_dau
    from dates
    left join daily_users
        on dates.date_day = daily_users.activity_date
    left join trailing_active
        on dates.date_day = trailing_active.date_day
    left join daily_topups
        on dates.date_day = daily_topups.topup_date
    left join new_users
        on dates.date_day = new_users.registered_at

)

select * from final
