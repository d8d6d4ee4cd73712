{#
    Per period (day, month) of dim_date: users with a level observation (a user-day
    of fct_user_activity with a level), users who upgraded / downgraded at least once,
    the rates (kpis.md: over users with an observation in the period) and drop-offs.
    Coverage: days_observed of the period's days_in_period (calendar days) have a
    User Activity report (mart_daily_kpis.has_activity_report); is_complete_period
    when all do, so a partial month is never read as a whole one.

    Incremental: changes from date m on (livelake.changed_since) alter
    observations, level changes and drop-offs from m on only, so the periods from
    the first day of m's month on are rebuilt and merged (every period of dim_date
    has a row).
#}
{{
    config(
        materialized='incremental',
        incremental_strategy='merge',
        unique_key=['period_grain', 'period_start'],
        cluster_by=livelake.clustered(['period_grain', 'period_start']),
        on_schema_change='fail'
    )
}}

with

dates as (

    select * from {{ ref('dim_date') }}

),

user_days as (

    select * from {{ ref('fct_user_activity') }}

),

daily as (

    select * from {{ ref('mart_daily_kpis') }}

),

events as (

    select * from {{ ref('int_membership_events_by_period') }}

),

grains as (

    select 'day' as period_grain
    union all by name
    select 'month' as period_grain

),

rebuild_from as (

    {% if is_incremental() %}
        select {{ livelake.month_start(livelake.changed_since()) }} as rebuild_from_date
    {% else %}
        select min(date_day) as rebuild_from_date from dates
    {% endif %}

),

periods as (

    select
        grains.period_grain,
        case
            when grains.period_grain = 'day' then dates.date_day
            else dates.month_start
        end as period_start,
        sum(case when daily.has_activity_report then 1 else 0 end) as days_observed
    from dates
    cross join grains
    cross join rebuild_from
    left join daily
        on dates.date_day = daily.date
    where dates.date_day >= rebuild_from.rebuild_from_date
    group by 1, 2

),

period_days as (

    select
        *,
        case
            when period_grain = 'day' then 1
            else {{ dbt.datediff('period_start', dbt.dateadd('month', 1, 'period_start'), 'day') }}
        end as days_in_period
    from periods

),

observed as (

    select distinct
        grains.period_grain,
        case
            when grains.period_grain = 'day' then user_days.activity_date
            else {{ livelake.month_start('user_days.activity_date') }}
        end as period_start,
        user_days.user_id
    from user_days
    cross join grains
    cross join rebuild_from
    where
        user_days.membership_level is not null
        and user_days.activity_date >= rebuild_from.rebuild_from_date

),

observed_counts as (

    select
        period_grain,
        period_start,
        count(*) as observed_users
    from observed
    group by 1, 2

),

event_counts as (

    select
        events.period_grain,
        events.period_start,
        count(distinct case when events.transition_type = 'upgrade' then events.user_id end) as upgraded_users,
        count(distinct case when events.transition_type = 'downgrade' then events.user_id end)
            as downgraded_users,
        count(case when events.transition_type = 'drop_off' then events.user_id end) as dropoffs
    from events
    cross join rebuild_from
    where events.event_date >= rebuild_from.rebuild_from_date
    group by 1, 2

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
        cast(coalesce(event_counts.dropoffs, 0) as {{ dbt.type_bigint() }}) as dropoffs,
        cast(periods.days_observed as {{ dbt.type_bigint() }}) as days_observed,
        cast(periods.days_in_period as {{ dbt.type_bigint() }}) as days_in_period,
        periods.days_observed = periods.days_in_period as is_complete_period,
        {{ livelake.lake_batch() }} as _batch_run_id
    from period_days as periods
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
