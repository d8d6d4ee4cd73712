{#
    Per period (day, month): users with an observation, users who upgraded /
    downgraded at least once, the rates (kpis.md: over users with an observation in
    the period) and drop-offs.
#}
with

observed as (

    select * from {{ ref('int_membership_observed_by_period') }}

),

events as (

    select * from {{ ref('int_membership_events_by_period') }}

),

observed_counts as (

    select
        period_grain,
        period_start,
        count(distinct user_id) as observed_users
    from observed
    group by 1, 2

),

event_counts as (

    select
        period_grain,
        period_start,
        count(distinct case when transition_type = 'upgrade' then user_id end) as upgraded_users,
        count(distinct case when transition_type = 'downgrade' then user_id end) as downgraded_users,
        count(case when transition_type = 'drop_off' then user_id end) as dropoffs
    from events
    group by 1, 2

),

periods as (

    select
        period_grain,
        period_start
    from observed_counts
    union distinct
    select
        period_grain,
        period_start
    from event_counts

),

final as (

    select
        periods.period_grain,
        periods.period_start,
        cast(coalesce(observed_counts.observed_users, 0) as {{ dbt.type_bigint() }}) as observed_users,
        cast(coalesce(event_counts.upgraded_users, 0) as {{ dbt.type_bigint() }}) as upgraded_users,
        cast(coalesce(event_counts.downgraded_users, 0) as {{ dbt.type_bigint() }}) as downgraded_users,
        {{ livelake.safe_ratio('coalesce(event_counts.upgraded_users, 0)', 'observed_counts.observed_users') }}
            as upgrade_rate,
        {{ livelake.safe_ratio('coalesce(event_counts.downgraded_users, 0)', 'observed_counts.observed_users') }}
            as downgrade_rate,
        cast(coalesce(event_counts.dropoffs, 0) as {{ dbt.type_bigint() }}) as dropoffs
    from periods
    left join observed_counts
        on
            periods.period_grain = observed_counts.period_grain
            and periods.period_start = observed_counts.period_start
    left join event_counts
        on
            periods.period_grain = event_counts.period_grain
            and periods.period_start = event_counts.period_start

)

select * from final
