{#
    Per period (day, month) and from_level -> to_level: the number of distinct users
    who made that move in the period. Upgrades and downgrades are level changes
    between consecutive observations; drop-offs are rows with to_level
    'dropped_off' (from_level = the level at the drop-off date). Each row repeats its
    period's upgrade / downgrade rates from mart_membership_summary.
#}
with

events as (

    select * from {{ ref('int_membership_events_by_period') }}

),

summary as (

    select * from {{ ref('mart_membership_summary') }}

),

transitions as (

    select
        period_grain,
        period_start,
        from_level,
        to_level,
        transition_type,
        count(distinct user_id) as users
    from events
    group by 1, 2, 3, 4, 5

),

final as (

    select
        transitions.period_grain,
        transitions.period_start,
        transitions.from_level,
        transitions.to_level,
        cast(transitions.users as {{ dbt.type_bigint() }}) as users,
        transitions.transition_type,
        summary.observed_users,
        summary.upgraded_users,
        summary.downgraded_users,
        summary.upgrade_rate,
        summary.downgrade_rate
    from transitions
    left join summary
        on
            transitions.period_grain = summary.period_grain
            and transitions.period_start = summary.period_start

)

select * from final
