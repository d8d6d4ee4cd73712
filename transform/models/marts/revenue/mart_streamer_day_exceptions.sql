{#
    Every streamer-day that mismatches between pre- and post-deduction, and every
    arithmetic break, with both sides' values: the list analysts work through.
#}
with

streamer_days as (

    select * from {{ ref('fct_streamer_revenue') }}

),

streamers as (

    select * from {{ ref('dim_streamers') }}

),

final as (

    select
        streamer_days.streamer_day_id,
        streamer_days.revenue_date as date,
        streamer_days.streamer_id,
        streamers.streamer_name,
        streamer_days.channel_id,
        streamer_days.agency_label as agency,
        case
            when streamer_days.is_mismatch and streamer_days.is_arithmetic_break then 'mismatch_and_arithmetic_break'
            when streamer_days.is_mismatch then 'mismatch'
            else 'arithmetic_break'
        end as exception_type,
        streamer_days.is_mismatch,
        streamer_days.mismatch_reason,
        streamer_days.is_arithmetic_break,
        streamer_days.in_pre,
        streamer_days.in_post,
        streamer_days.gross_pre,
        streamer_days.gross_post,
        streamer_days.gross_difference,
        streamer_days.platform_fee,
        streamer_days.payment_fee,
        streamer_days.tax_withheld,
        streamer_days.net_revenue,
        streamer_days.arithmetic_difference,
        streamer_days.take_rate,
        streamer_days.settlement_status
    from streamer_days
    left join streamers
        on streamer_days.streamer_id = streamers.streamer_id
    where streamer_days.is_mismatch or streamer_days.is_arithmetic_break

)

select * from final
