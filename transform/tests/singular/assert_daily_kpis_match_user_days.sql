-- DAU recomputed from staging (kpis.md): activity rows with any of watch_minutes,
-- messages_sent, gifts_sent_coins > 0, united with the users who paid that day.
-- Checked for the dates of the mart's newest batch: every date after
-- --full-refresh, the rebuilt dates after an incremental run (their first date a
-- literal, so only the partitions from it on are read).
{% set first_date = livelake.query_literal(
    'select min(kpis.date) as value_of_query from ' ~ livelake.newest_batch(ref('mart_daily_kpis')) ~ ' as kpis',
    'date'
) %}

with

mart as (

    select
        kpis.date,
        kpis.dau
    from {{ livelake.newest_batch(ref('mart_daily_kpis')) }} as kpis

),

engaged as (

    select
        report_date as activity_date,
        user_id
    from {{ ref('stg_lake__user_activity') }}
    where
        (watch_minutes > 0 or messages_sent > 0 or gifts_sent_coins > 0)
        and report_date >= {{ first_date }}
        and report_date in (select mart.date from mart)

),

paying as (

    select
        topup_date as activity_date,
        user_id
    from {{ ref('stg_lake__top_up') }}
    where
        status = 'success'
        and topup_date >= {{ first_date }}
        and topup_date in (select mart.date from mart)

),

active as (

    select
        activity_date,
        user_id
    from engaged
    union distinct
    select
        activity_date,
        user_id
    from paying

),

expected as (

    select
        activity_date,
        count(*) as dau
    from active
    group by 1

),

final as (

    select
        mart.date,
        mart.dau,
        expected.dau as expected_dau
    from mart
    left join expected
        on mart.date = expected.activity_date
    where mart.dau != coalesce(expected.dau, 0)

)

select * from final
