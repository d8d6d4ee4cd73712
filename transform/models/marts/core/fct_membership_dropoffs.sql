{#
    kpis.md drop-off: a user at silver or above with no activity and no top-up for
    {{ var('dropoff_days') }} days; the drop-off date is the {{ var('dropoff_days') }}th
    day (last touch + {{ var('dropoff_days') }}). A touch is a day with engaged
    activity or a top-up of any status (fct_user_activity). A gap counts once that
    day is inside the reported data (<= the last date of User Activity / top-ups).
    The level is the user's level on the drop-off date (dim_user_membership_history).
    A user who comes back and goes quiet again drops off again.

    Incremental: a drop-off on day D depends only on the touches of
    [D - {{ var('dropoff_days') }}, D] and the level on D, so changes from date m on
    (livelake.changed_since) can only alter drop-offs from m on: those are rebuilt
    from the touches since m - {{ var('dropoff_days') }} and merged, and a drop-off
    from m on the new rows lack is deleted. The model reads fct_user_activity only
    from m - {{ var('dropoff_days') }} on (a literal bound, once): the last reported
    date is among those rows whenever any touch is.
#}
{{
    config(
        materialized='incremental',
        incremental_strategy='merge',
        unique_key=['user_id', 'dropoff_date'],
        merge_clauses=livelake.delete_missing_rows(livelake.rebuilt_since('dropoff_date')),
        cluster_by=livelake.clustered(['user_id']),
        on_schema_change='fail'
    )
}}

with

user_days as (

    select
        user_id,
        activity_date,
        is_engaged,
        topup_orders
    from {{ ref('fct_user_activity') }}
    {% if is_incremental() %}
        {# A literal bound (fct_user_activity is stored in date order), read by touch_days and data_end alike. #}
        where activity_date >= {{ livelake.add_days(livelake.changed_since(), -var('dropoff_days')) }}
    {% endif %}

),

levels as (

    select * from {{ ref('dim_user_membership_history') }}

),

data_end as (

    select max(activity_date) as data_end_date
    from user_days

),

touch_days as (

    select
        user_days.user_id,
        user_days.activity_date as touch_date,
        lead(user_days.activity_date) over (
            partition by user_days.user_id order by user_days.activity_date
        ) as next_touch_date
    from user_days
    where user_days.is_engaged or user_days.topup_orders > 0

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

dropoffs as (

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

),

final as (

    select
        *,
        {{ livelake.lake_batch() }} as _batch_run_id
    from dropoffs

)

select * from final
