{#
    Channel-wise top-up effectiveness per local date (kpis.md). Attributed top-ups
    are successful top-ups whose channel_id is the channel. conversion_rate =
    attributed paying users / unique viewers; revenue_per_live_hour = attributed
    revenue / (live minutes / 60); revenue_share = attributed revenue / the platform's
    topup revenue that day. Channel-days with neither stats nor attributed top-ups do
    not appear. Name and category are the day's (Channel Stats), else the channel's
    latest. Coverage: a channel-day without Channel Stats (has_channel_stats false:
    the report is missing, or the day precedes it) has top-ups but no viewers or air
    time, so a ratio over several days divides stats_paying_users /
    stats_attributed_revenue (the day's payers and revenue where Channel Stats exist,
    else 0) by unique_viewers / live_minutes, never the payers of days whose viewers
    are unknown.
#}
with

channel_days as (

    select * from {{ ref('fct_channel_day') }}

),

channels as (

    select * from {{ ref('dim_channels') }}

),

daily_kpis as (

    select * from {{ ref('mart_daily_kpis') }}

),

final as (

    select
        channel_days.channel_date as date,
        channel_days.channel_id,
        coalesce(channel_days.channel_name, channels.channel_name) as channel_name,
        coalesce(channel_days.category, channels.category) as category,
        channel_days.attributed_revenue,
        channel_days.attributed_paying_users,
        channel_days.unique_viewers,
        channel_days.live_minutes,
        {{ livelake.safe_ratio('channel_days.attributed_paying_users', 'channel_days.unique_viewers') }}
            as conversion_rate,
        {{ livelake.money_ratio('channel_days.attributed_revenue * 60', 'channel_days.live_minutes') }}
            as revenue_per_live_hour,
        {{ livelake.safe_ratio('channel_days.attributed_revenue', 'daily_kpis.topup_revenue') }}
            as revenue_share,
        channel_days.attributed_orders,
        channel_days.has_channel_stats,
        case
            when channel_days.has_channel_stats then channel_days.attributed_paying_users else 0
        end as stats_paying_users,
        {{ livelake.to_money(
            'case when channel_days.has_channel_stats then channel_days.attributed_revenue else 0 end'
        ) }} as stats_attributed_revenue
    from channel_days
    left join channels
        on channel_days.channel_id = channels.channel_id
    left join daily_kpis
        on channel_days.channel_date = daily_kpis.date

)

select * from final
