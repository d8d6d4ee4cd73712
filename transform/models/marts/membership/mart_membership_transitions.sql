{#
    Per period (day, month) and from_level -> to_level: the number of distinct users
    who made that move in the period. Upgrades and downgrades are level changes
    between consecutive observations; drop-offs are rows with to_level
    'dropped_off' (from_level = the level at the drop-off date). Each row repeats its
    period's upgrade / downgrade rates and coverage (days_observed of days_in_period,
    is_complete_period) from mart_membership_summary.

    Incremental like mart_membership_summary: the periods from the first day of the
    earliest change's month on are rebuilt and merged; a rebuilt period's move the
    new rows lack is deleted.
#}
{{
    config(
        materialized='incremental',
        incremental_strategy='merge',
        unique_key=['period_grain', 'period_start', 'from_level', 'to_level'],
        merge_clauses=livelake.delete_missing_rows(livelake.rebuilt_since('period_start', start_of='month')),
        cluster_by=livelake.clustered(['period_grain', 'period_start']),
        on_schema_change='fail'
    )
}}

with

events as (

    select * from {{ ref('int_membership_events_by_period') }}

),

summary as (

    select * from {{ ref('mart_membership_summary') }}

),

rebuild_from as (

    {% if is_incremental() %}
        select {{ livelake.month_start(livelake.changed_since()) }} as rebuild_from_date
    {% else %}
        select min(event_date) as rebuild_from_date from events
    {% endif %}

),

transitions as (

    select
        events.period_grain,
        events.period_start,
        events.from_level,
        events.to_level,
        events.transition_type,
        count(distinct events.user_id) as users
    from events
    cross join rebuild_from
    where events.event_date >= rebuild_from.rebuild_from_date
    group by 1, 2, 3, 4, 5

),

moves as (

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
        summary.downgrade_rate,
        summary.days_observed,
        summary.days_in_period,
        summary.is_complete_period
    from transitions
    left join summary
        on
            transitions.period_grain = summary.period_grain
            and transitions.period_start = summary.period_start

),

final as (

    select
        *,
        {{ livelake.lake_batch() }} as _batch_run_id
    from moves

)

select * from final
