{#
    The channel mart rolled up per category and ISO week (Monday start).
    attributed_paying_users counts distinct payers over the week;
    unique_viewers / live_minutes are sums of the daily values (a viewer watching on
    two days counts twice: the reports give no weekly uniques), and conversion_rate =
    paying user-days / viewer-days, the daily definition summed over the week.
    revenue_share = the category's attributed revenue / the platform's topup revenue
    of the week. Channels without a known category are grouped under null.
#}
with

channel_days as (

    select * from {{ ref('mart_channel_topup_effectiveness') }}

),

topups as (

    select * from {{ ref('fct_topup') }}

),

daily_kpis as (

    select * from {{ ref('mart_daily_kpis') }}

),

weekly_platform as (

    select
        {{ livelake.week_start('date') }} as week_start,
        sum(topup_revenue) as platform_topup_revenue
    from daily_kpis
    group by 1

),

weekly_payers as (

    select
        {{ livelake.week_start('topups.topup_date') }} as week_start,
        channel_days.category,
        count(distinct topups.user_id) as attributed_paying_users
    from topups
    inner join channel_days
        on
            topups.topup_date = channel_days.date
            and topups.channel_id = channel_days.channel_id
    where topups.is_successful
    group by 1, 2

),

weekly as (

    select
        {{ livelake.week_start('date') }} as week_start,
        category,
        count(distinct channel_id) as channels,
        sum(attributed_revenue) as attributed_revenue,
        sum(attributed_orders) as attributed_orders,
        sum(attributed_paying_users) as attributed_paying_user_days,
        sum(unique_viewers) as unique_viewers,
        sum(live_minutes) as live_minutes
    from channel_days
    group by 1, 2

),

final as (

    select
        weekly.week_start,
        weekly.category,
        cast(weekly.channels as {{ dbt.type_bigint() }}) as channels,
        {{ livelake.to_money('weekly.attributed_revenue') }} as attributed_revenue,
        cast(weekly.attributed_orders as {{ dbt.type_bigint() }}) as attributed_orders,
        cast(coalesce(weekly_payers.attributed_paying_users, 0) as {{ dbt.type_bigint() }})
            as attributed_paying_users,
        cast(weekly.attributed_paying_user_days as {{ dbt.type_bigint() }}) as attributed_paying_user_days,
        cast(weekly.unique_viewers as {{ dbt.type_bigint() }}) as unique_viewers,
        cast(weekly.live_minutes as {{ dbt.type_bigint() }}) as live_minutes,
        {{ livelake.safe_ratio('weekly.attributed_paying_user_days', 'weekly.unique_viewers') }}
            as conversion_rate,
        {{ livelake.to_money(livelake.safe_ratio('weekly.attributed_revenue * 60', 'weekly.live_minutes')) }}
            as revenue_per_live_hour,
        {{ livelake.safe_ratio('weekly.attributed_revenue', 'weekly_platform.platform_topup_revenue') }}
            as revenue_share
    from weekly
    left join weekly_payers
        on
            weekly.week_start = weekly_payers.week_start
            and (
                weekly.category = weekly_payers.category
                or (weekly.category is null and weekly_payers.category is null)
            )
    left join weekly_platform
        on weekly.week_start = weekly_platform.week_start

)

select * from final
