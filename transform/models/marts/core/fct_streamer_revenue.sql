{#
    Pre- and post-deduction joined per streamer-day (full outer). Breaks are kept and
    flagged, never fixed (reports.md):
    - mismatch: |gross(pre) - gross(post)| > tolerance, or present on one side only
      (a post row without a gross counts as a mismatch: it cannot be reconciled);
    - arithmetic break: |gross(post) - fees - tax - net| > tolerance.
    The agency is the one on the pre row, else the streamer's latest known agency;
    blank = independent.
#}
{{
    config(
        partition_by=livelake.day_partitioned('revenue_date'),
        cluster_by=livelake.clustered(['streamer_id'])
    )
}}

{% set tolerance = var('revenue_tolerance_twd') %}

with

pre as (

    select * from {{ ref('int_streamer_days__pre') }}

),

post as (

    select * from {{ ref('int_streamer_days__post') }}

),

streamers as (

    select * from {{ ref('dim_streamers') }}

),

joined as (

    select
        coalesce(pre.report_date, post.report_date) as revenue_date,
        coalesce(pre.streamer_id, post.streamer_id) as streamer_id,
        coalesce(pre.channel_id, post.channel_id) as channel_id,
        pre.streamer_id is not null as in_pre,
        post.streamer_id is not null as in_post,
        pre.agency as pre_agency,
        pre.gift_count,
        pre.gift_coins,
        pre.gross_revenue as gross_pre,
        post.gross_revenue as gross_post,
        post.platform_fee,
        post.payment_fee,
        post.tax_withheld,
        post.net_revenue,
        post.settlement_status
    from pre
    full outer join post
        on
            pre.report_date = post.report_date
            and pre.streamer_id = post.streamer_id

),

measured as (

    select
        joined.*,
        case
            when joined.in_pre then joined.pre_agency
            else streamers.agency
        end as agency,
        joined.gross_post - joined.net_revenue as deductions,
        joined.gross_pre - joined.gross_post as gross_difference,
        joined.gross_post
        - joined.platform_fee
        - joined.payment_fee
        - joined.tax_withheld
        - joined.net_revenue as arithmetic_difference
    from joined
    left join streamers
        on joined.streamer_id = streamers.streamer_id

),

final as (

    select
        {{ dbt.concat([dbt.safe_cast('revenue_date', dbt.type_string()), "'-'", 'streamer_id']) }}
            as streamer_day_id,
        revenue_date,
        streamer_id,
        channel_id,
        agency,
        coalesce(agency, '{{ var("independent_agency") }}') as agency_label,
        in_pre,
        in_post,
        gift_count,
        gift_coins,
        gross_pre,
        gross_post,
        platform_fee,
        payment_fee,
        tax_withheld,
        net_revenue,
        deductions,
        {{ livelake.safe_ratio('deductions', 'gross_post') }} as take_rate,
        settlement_status,
        gross_difference,
        arithmetic_difference,
        case
            when not in_pre then 'post_only'
            when not in_post then 'pre_only'
            when gross_post is null then 'post_gross_missing'
            when abs(gross_difference) > {{ tolerance }} then 'gross_differs'
        end as mismatch_reason,
        (
            not in_pre
            or not in_post
            or gross_post is null
            or abs(gross_difference) > {{ tolerance }}
        ) as is_mismatch,
        coalesce(abs(arithmetic_difference) > {{ tolerance }}, false) as is_arithmetic_break
    from measured

)

select * from final
