{#
    kpis.md drop-off: a user at silver or above with no activity and no top-up for
    {{ var('dropoff_days') }} days; the drop-off date is the {{ var('dropoff_days') }}th
    day (last touch + {{ var('dropoff_days') }}). A gap counts once that day is inside
    the reported data (<= the last report date of User Activity / top-ups). The level
    is the user's level on the drop-off date (dim_user_membership_history). A user who
    comes back and goes quiet again drops off again.
#}
with

touch_days as (

    select * from {{ ref('int_user_touch_days') }}

),

levels as (

    select * from {{ ref('dim_user_membership_history') }}

),

activity as (

    select * from {{ ref('stg_lake__user_activity') }}

),

topups as (

    select * from {{ ref('stg_lake__top_up') }}

),

data_end as (

    select max(last_date) as data_end_date
    from (
        select max(report_date) as last_date from activity
        union all
        select max(topup_date) as last_date from topups
    ) as ends

),

gaps as (

    select
        touch_days.user_id,
        touch_days.touch_date as last_touch_date,
        touch_days.next_touch_date,
        {{ livelake.add_days('touch_days.touch_date', var('dropoff_days')) }} as dropoff_date
    from touch_days
    cross join data_end
    where
        {{ livelake.add_days('touch_days.touch_date', var('dropoff_days')) }} <= data_end.data_end_date
        and (
            touch_days.next_touch_date is null
            or touch_days.next_touch_date
            > {{ livelake.add_days('touch_days.touch_date', var('dropoff_days')) }}
        )

),

final as (

    select
        gaps.user_id,
        gaps.last_touch_date,
        gaps.next_touch_date,
        gaps.dropoff_date,
        levels.membership_level,
        levels.membership_rank
    from gaps
    inner join levels
        on
            gaps.user_id = levels.user_id
            and gaps.dropoff_date >= levels.valid_from_date
            and (levels.valid_to_date is null or gaps.dropoff_date < levels.valid_to_date)
    where levels.membership_rank >= 1

)

select * from final
