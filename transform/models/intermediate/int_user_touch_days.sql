{#
    The days a user "shows up" for the drop-off rule (kpis.md): a User Activity row
    with any of watch_minutes, messages_sent, gifts_sent_coins > 0, or a top-up order
    of any status (an attempt to pay is a visit too).
#}
{{ config(materialized='table') }}

with

activity as (

    select * from {{ ref('stg_lake__user_activity') }}

),

topups as (

    select * from {{ ref('stg_lake__top_up') }}

),

touches as (

    select
        user_id,
        report_date as touch_date
    from activity
    where is_engaged

    union distinct

    select
        user_id,
        topup_date as touch_date
    from topups

),

final as (

    select
        user_id,
        touch_date,
        lead(touch_date) over (partition by user_id order by touch_date) as next_touch_date
    from touches

)

select * from final
