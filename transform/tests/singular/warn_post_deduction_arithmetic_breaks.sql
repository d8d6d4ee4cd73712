-- Data-quality monitor (warn): post-deduction rows where
-- gross - platform_fee - payment_fee - tax_withheld != net by more than 1 TWD.
{{ config(severity='warn') }}

select
    revenue_date,
    streamer_id,
    gross_post,
    platform_fee,
    payment_fee,
    tax_withheld,
    net_revenue,
    arithmetic_difference
from {{ ref('fct_streamer_revenue') }}
where is_arithmetic_break
