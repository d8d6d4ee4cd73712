-- Cross-table check of pre- against post-deduction, recomputed from staging
-- independently of fct_streamer_revenue: every streamer-day of either side is in
-- the fact exactly with the mismatch / arithmetic-break flags derived here.
with

pre as (

    select
        report_date,
        streamer_id,
        sum(gross_revenue) as gross_pre
    from {{ ref('stg_lake__pre_deduction') }}
    group by 1, 2

),

post as (

    select
        report_date,
        streamer_id,
        sum(gross_revenue) as gross_post,
        sum(gross_revenue - platform_fee - payment_fee - tax_withheld - net_revenue) as arithmetic_gap
    from {{ ref('stg_lake__post_deduction') }}
    group by 1, 2

),

expected as (

    select
        coalesce(pre.report_date, post.report_date) as revenue_date,
        coalesce(pre.streamer_id, post.streamer_id) as streamer_id,
        (
            pre.streamer_id is null
            or post.streamer_id is null
            or post.gross_post is null
            or abs(pre.gross_pre - post.gross_post) > {{ var('revenue_tolerance_twd') }}
        ) as expect_mismatch,
        coalesce(abs(post.arithmetic_gap) > {{ var('revenue_tolerance_twd') }}, false) as expect_break
    from pre
    full outer join post
        on
            pre.report_date = post.report_date
            and pre.streamer_id = post.streamer_id

),

fact as (

    select * from {{ ref('fct_streamer_revenue') }}

),

final as (

    select
        coalesce(expected.revenue_date, fact.revenue_date) as revenue_date,
        coalesce(expected.streamer_id, fact.streamer_id) as streamer_id,
        expected.expect_mismatch,
        fact.is_mismatch,
        expected.expect_break,
        fact.is_arithmetic_break
    from expected
    full outer join fact
        on
            expected.revenue_date = fact.revenue_date
            and expected.streamer_id = fact.streamer_id
    where
        expected.streamer_id is null
        or fact.streamer_id is null
        or expected.expect_mismatch != fact.is_mismatch
        or expected.expect_break != fact.is_arithmetic_break

)

select * from final
