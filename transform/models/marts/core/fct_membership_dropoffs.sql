{#
    kpis.md drop-off: a user at silver or above with no activity and no top-up for
    {{ var('dropoff_days') }} days; the drop-off date is the {{ var('dropoff_days') }}th
    day (last touch + {{ var('dropoff_days') }}). A touch is a day with engaged
    activity or a top-up of any status (fct_user_activity). A gap counts once that
    day is inside the reported data (<= the last date of User Activity / top-ups).
    The level is the user's level on the drop-off date (dim_user_membership_history).
    A user who comes back and goes quiet again drops off again.

    Incremental (DuckDB): a drop-off on day D depends only on the touches of
    [D - {{ var('dropoff_days') }}, D] and the level on D, so changes from date m on
    (livelake.earliest_change_date) can only alter drop-offs from m on. The users
    with a touch since m - {{ var('dropoff_days') }} or a change of their own are
    rewritten whole: their drop-offs before m as built, from m on recomputed
    (delete+insert on user_id). A table on BigQuery.
#}
{{
    config(
        materialized=livelake.per_adapter(duckdb='incremental', bigquery='table'),
        cluster_by=livelake.clustered(['user_id']),
        unique_key='user_id',
        incremental_strategy='delete+insert',
        post_hook="{{ livelake.drop_scope_placeholders() }}",
        on_schema_change='fail'
    )
}}

with

user_days as (

    select * from {{ ref('fct_user_activity') }}

),

levels as (

    select * from {{ ref('dim_user_membership_history') }}

),

data_end as (

    select max(activity_date) as data_end_date
    from user_days

),

{% if is_incremental() %}

    {% set watermark = livelake.model_watermark() %}
    {% set rebuild_from_date = livelake.earliest_change_date(watermark) %}

{% endif %}

touch_days as (

    select
        user_days.user_id,
        user_days.activity_date as touch_date,
        lead(user_days.activity_date) over (
            partition by user_days.user_id order by user_days.activity_date
        ) as next_touch_date
    from user_days
    {% if is_incremental() %}
        {# A literal bound: fct_user_activity is stored in date order. #}
        where
            user_days.activity_date >= {{ livelake.add_days(rebuild_from_date, -var('dropoff_days')) }}
            and (user_days.is_engaged or user_days.topup_orders > 0)
    {% else %}
        where user_days.is_engaged or user_days.topup_orders > 0
    {% endif %}

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

{# The columns of a drop-off, rebuilt and kept alike. #}
{% set dropoff_columns = [
    'user_id', 'last_touch_date', 'next_touch_date', 'dropoff_date', 'membership_level', 'membership_rank'
] %}

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

{% if is_incremental() %}

    rewritten_users as (

        select user_id from ({{ livelake.user_change_cuts(watermark) }}) as cuts
        union distinct
        select user_id from touch_days

    ),

    scopes as (

        {# The scopes this run replaces: a placeholder each, so an emptied scope goes. #}
        select user_id
        from rewritten_users

    ),

    kept as (

        {# A rewritten user's drop-offs before every change are unchanged. #}
        select built.*
        from {{ this }} as built
        inner join rewritten_users
            on built.user_id = rewritten_users.user_id
        where built.dropoff_date < {{ rebuild_from_date }}

    ),

    scoped_rows as (

        select {{ dropoff_columns | join(', ') }}
        from dropoffs
        where dropoff_date >= {{ rebuild_from_date }}

        union all by name

        select {{ dropoff_columns | join(', ') }}
        from kept

    ),

{% endif %}

final as (

    {{ livelake.scoped_rows_select('dropoffs', incremental_rows='scoped_rows') }}

)

select * from final
