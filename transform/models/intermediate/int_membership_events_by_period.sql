{#
    Level changes (upgrade / downgrade, from dim_user_membership_history) and
    drop-offs (fct_membership_dropoffs, to_level 'dropped_off') as events, each
    repeated for the 'day' and the 'month' grain with its period_start.
#}
with

membership as (

    select * from {{ ref('dim_user_membership_history') }}

),

dropoffs as (

    select * from {{ ref('fct_membership_dropoffs') }}

),

grains as (

    select 'day' as period_grain
    union all by name
    select 'month' as period_grain

),

events as (

    select
        user_id,
        valid_from_date as event_date,
        from_level,
        membership_level as to_level,
        change_type as transition_type
    from membership
    where change_type in ('upgrade', 'downgrade')

    union all by name

    select
        user_id,
        dropoff_date as event_date,
        membership_level as from_level,
        'dropped_off' as to_level,
        'drop_off' as transition_type
    from dropoffs

),

final as (

    select
        grains.period_grain,
        case
            when grains.period_grain = 'day' then events.event_date
            else {{ livelake.month_start('events.event_date') }}
        end as period_start,
        events.user_id,
        events.event_date,
        events.from_level,
        events.to_level,
        events.transition_type
    from events
    cross join grains

)

select * from final
