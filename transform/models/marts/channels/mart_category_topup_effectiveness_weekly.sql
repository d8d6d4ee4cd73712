{#
    The channel mart rolled up per category and ISO week (Monday start).
    attributed_paying_users counts distinct payers over the week;
    unique_viewers / live_minutes are sums of the daily values (a viewer watching on
    two days counts twice: the reports give no weekly uniques), and conversion_rate =
    paying user-days / viewer-days, the daily definition summed over the week.
    revenue_share = the category's attributed revenue / the platform's topup revenue
    of the week. Channels without a known category are grouped under null.
    Coverage: stats_days = the week's days (of 7) on which the category has Channel
    Stats. conversion_rate and revenue_per_live_hour divide only the payers and revenue
    of those days (stats_paying_user_days, stats_attributed_revenue) by their viewers
    and air time: a week whose stats cover 2 days and whose top-ups cover 7 is not a
    conversion. is_complete_week: all 7 days have stats (the dashboard shows those).

    A table on both engines: a row per week and category, and a new day can change
    the category of every channel-day without Channel Stats (the channel's latest),
    so maintaining it would rebuild most weeks anyway.
#}
{{
    config(
        cluster_by=livelake.clustered(['week_start'])
    )
}}

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

week_channel_days as (

    select
        channel_days.*,
        {{ livelake.week_start('channel_days.date') }} as week_start
    from channel_days

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
    inner join week_channel_days as channel_days
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
        sum(stats_paying_users) as stats_paying_user_days,
        sum(stats_attributed_revenue) as stats_attributed_revenue,
        count(distinct case when has_channel_stats then date end) as stats_days,
        sum(unique_viewers) as unique_viewers,
        sum(live_minutes) as live_minutes
    from week_channel_days
    group by 1, 2

),

rolled_up as (

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
        {{ livelake.safe_ratio('weekly.stats_paying_user_days', 'weekly.unique_viewers') }}
            as conversion_rate,
        {{ livelake.money_ratio('weekly.stats_attributed_revenue * 60', 'weekly.live_minutes') }}
            as revenue_per_live_hour,
        {{ livelake.safe_ratio('weekly.attributed_revenue', 'weekly_platform.platform_topup_revenue') }}
            as revenue_share,
        cast(weekly.stats_paying_user_days as {{ dbt.type_bigint() }}) as stats_paying_user_days,
        {{ livelake.to_money('weekly.stats_attributed_revenue') }} as stats_attributed_revenue,
        cast(weekly.stats_days as {{ dbt.type_bigint() }}) as stats_days,
        weekly.stats_days = 7 as is_complete_week
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

),

final as (

    select
        *,
        {{ livelake.lake_batch() }} as _batch_run_id
    from rolled_up

)

select * from final
