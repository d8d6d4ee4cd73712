{#
    Per period (day, month) and from_level -> to_level: the number of distinct users
    who made that move in the period. Upgrades and downgrades are level changes
    between consecutive observations; drop-offs are rows with to_level
    'dropped_off' (from_level = the level at the drop-off date). Each row repeats its
    period's upgrade / downgrade rates from mart_membership_summary.

    Incremental (DuckDB) like mart_membership_summary: the periods from the first day
    of the earliest change's month on are replaced (delete+insert on grain and
    period, so a period left with no move is emptied). A table on BigQuery.
#}
{{
    config(
        materialized=livelake.per_adapter(duckdb='incremental', bigquery='table'),
        cluster_by=livelake.clustered(['period_grain', 'period_start']),
        unique_key=['period_grain', 'period_start'],
        incremental_strategy='delete+insert',
        post_hook="{{ livelake.drop_scope_placeholders() }}",
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
        {% set earliest_change = livelake.earliest_change_date(livelake.model_watermark()) %}
        select {{ livelake.month_start(earliest_change) }} as rebuild_from_date
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
        summary.downgrade_rate
    from transitions
    left join summary
        on
            transitions.period_grain = summary.period_grain
            and transitions.period_start = summary.period_start

),

{% if is_incremental() %}

    scopes as (

        {# The scopes this run replaces: a placeholder each, so an emptied scope goes. #}
        select
            summary.period_grain,
            summary.period_start
        from summary
        cross join rebuild_from
        where summary.period_start >= rebuild_from.rebuild_from_date

    ),

{% endif %}

final as (

    {{ livelake.scoped_rows_select('moves') }}

)

select * from final
