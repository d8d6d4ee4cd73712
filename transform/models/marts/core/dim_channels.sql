{#
    One row per channel seen anywhere (channel stats, pre/post deduction, top-ups).
    Name and category are the latest reported (channel stats first, then
    pre-deduction for the name); the reports overwrite them in place, so their
    history lives in the snapshot snp_channel_attributes.
#}
with

channel_stats as (

    select * from {{ ref('stg_lake__channel_stats') }}

),

pre as (

    select * from {{ ref('stg_lake__pre_deduction') }}

),

post as (

    select * from {{ ref('stg_lake__post_deduction') }}

),

topups as (

    select * from {{ ref('stg_lake__top_up') }}

),

latest_stats as (

    select
        channel_id,
        channel_name,
        category,
        row_number() over (
            partition by channel_id
            order by report_date desc, exported_at desc, source_row desc
        ) as recency
    from channel_stats

),

latest_pre_name as (

    select
        channel_id,
        channel_name,
        row_number() over (
            partition by channel_id
            order by report_date desc, exported_at desc, source_row desc
        ) as recency
    from pre
    where channel_name is not null

),

appearances as (

    select
        channel_id,
        report_date as seen_on
    from channel_stats
    union all by name
    select
        channel_id,
        report_date as seen_on
    from pre
    union all by name
    select
        channel_id,
        report_date as seen_on
    from post
    union all by name
    select
        channel_id,
        topup_date as seen_on
    from topups
    where channel_id is not null

),

spans as (

    select
        channel_id,
        min(seen_on) as first_seen_date,
        max(seen_on) as last_seen_date
    from appearances
    group by 1

),

final as (

    select
        spans.channel_id,
        coalesce(latest_stats.channel_name, latest_pre_name.channel_name) as channel_name,
        latest_stats.category,
        latest_stats.channel_id is not null as seen_in_channel_stats,
        spans.first_seen_date,
        spans.last_seen_date
    from spans
    left join latest_stats
        on
            spans.channel_id = latest_stats.channel_id
            and latest_stats.recency = 1
    left join latest_pre_name
        on
            spans.channel_id = latest_pre_name.channel_id
            and latest_pre_name.recency = 1

)

select * from final
