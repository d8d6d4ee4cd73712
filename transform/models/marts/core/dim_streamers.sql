{#
    One row per streamer seen in pre- or post-deduction. Name, channel and agency are
    the latest reported on pre_deduction (by report date, then export). A blank agency
    means independent (agency null, agency_label 'independent').
#}
with

pre as (

    select * from {{ ref('stg_lake__pre_deduction') }}

),

post as (

    select * from {{ ref('stg_lake__post_deduction') }}

),

latest_pre as (

    select
        streamer_id,
        streamer_name,
        channel_id,
        agency,
        row_number() over (
            partition by streamer_id
            order by report_date desc, exported_at desc, source_row desc
        ) as recency
    from pre

),

appearances as (

    select
        streamer_id,
        report_date,
        channel_id
    from pre
    union all by name
    select
        streamer_id,
        report_date,
        channel_id
    from post

),

spans as (

    select
        streamer_id,
        min(report_date) as first_seen_date,
        max(report_date) as last_seen_date,
        min(channel_id) as any_channel_id
    from appearances
    group by 1

),

final as (

    select
        spans.streamer_id,
        latest_pre.streamer_name,
        coalesce(latest_pre.channel_id, spans.any_channel_id) as channel_id,
        latest_pre.agency,
        coalesce(latest_pre.agency, '{{ var("independent_agency") }}') as agency_label,
        latest_pre.streamer_id is not null as seen_in_pre_deduction,
        spans.first_seen_date,
        spans.last_seen_date
    from spans
    left join latest_pre
        on
            spans.streamer_id = latest_pre.streamer_id
            and latest_pre.recency = 1

)

select * from final
