{#
    WAU / MAU as spans: each DAU day a of a user opens a WAU span [a, a + 7) and a MAU
    span [a, a + 30), cut at the user's next DAU day, so one user's spans never
    overlap and the number of spans covering d is the number of distinct users in
    the trailing 7 / 30 days' DAU sets (kpis.md). Shared by mart_daily_kpis and
    mart_daily_kpis_by_level, which count them as running sums over dim_date.
#}
with

user_days as (

    select * from {{ ref('fct_user_activity') }}

),

dau_days as (

    select
        user_id,
        activity_date,
        lead(activity_date) over (partition by user_id order by activity_date) as next_dau_date
    from user_days
    where is_dau

),

final as (

    select
        user_id,
        activity_date as span_start,
        case
            when next_dau_date < {{ livelake.add_days('activity_date', 7) }} then next_dau_date
            else {{ livelake.add_days('activity_date', 7) }}
        end as wau_span_end,
        case
            when next_dau_date < {{ livelake.add_days('activity_date', 30) }} then next_dau_date
            else {{ livelake.add_days('activity_date', 30) }}
        end as mau_span_end
    from dau_days

)

select * from final
