-- Data-quality monitor (warn): streamer-days whose gross revenue differs between
-- pre- and post-deduction by more than 1 TWD, or that are on one side only.
-- These are real findings to work through in mart_streamer_day_exceptions, not
-- pipeline errors, so the test warns instead of failing the build.
{{ config(severity='warn') }}

select
    revenue_date,
    streamer_id,
    mismatch_reason,
    gross_pre,
    gross_post
from {{ ref('fct_streamer_revenue') }}
where is_mismatch
