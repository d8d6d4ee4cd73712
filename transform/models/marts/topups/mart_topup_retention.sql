{#
    Retention by first-top-up cohort (ISO week of the user's first successful top-up):
    for weeks_after in 1, 2, 4, 8, 12, the share of the cohort with a successful top-up
    in the calendar week that many weeks after the cohort week; is_complete is false
    while that week has not fully elapsed in the data.
    Incremental: changes from date m on (livelake.changed_since) can alter the cohorts
    and top-up weeks from m's week on, which cohorts up to 12 weeks older look at, and a
    cell's is_complete flips only while its week is not over: the cohorts from 14 weeks
    before m's week on are rebuilt and merged; a rebuilt cohort's missing cell is deleted.
#}
{# The first rebuilt cohort week: a literal on a daily run, so DuckDB skips fct_user_activity's older row groups. #}
{% set rebuild_from = livelake.add_days(livelake.week_start(livelake.changed_since()), -98) if is_incremental()
    else '(select min(dates.week_start) from dates)' %}
{{
    config(
        materialized='incremental',
        incremental_strategy='merge',
        unique_key=['cohort_week', 'weeks_after'],
        merge_clauses=livelake.delete_missing_rows(livelake.rebuilt_since('cohort_week', start_of='week', days=-98)),
        cluster_by=livelake.clustered(['cohort_week']),
        on_schema_change='fail'
    )
}}

with

users as (

    select * from {{ ref('dim_users') }}

),

user_days as (

    select * from {{ ref('fct_user_activity') }}

),

dates as (

    select * from {{ ref('dim_date') }}

),

offsets as (

    select 1 as weeks_after
    union all by name
    select 2 as weeks_after
    union all by name
    select 4 as weeks_after
    union all by name
    select 8 as weeks_after
    union all by name
    select 12 as weeks_after

),

cohort_members as (

    select
        users.user_id,
        {{ livelake.week_start('users.first_topup_date') }} as cohort_week
    from users
    where users.first_topup_date >= {{ rebuild_from }}

),

cohort_sizes as (

    select
        cohort_week,
        count(*) as cohort_users
    from cohort_members
    group by 1

),

topup_weeks as (

    select distinct
        user_days.user_id,
        {{ livelake.week_start('user_days.activity_date') }} as topup_week
    from user_days
    where user_days.successful_topups > 0 and user_days.activity_date >= {{ rebuild_from }}

),

retained as (

    select
        cohort_members.cohort_week,
        cast(
            floor(
                {{ dbt.datediff('cohort_members.cohort_week', 'topup_weeks.topup_week', 'day') }}
                / 7
            )
            as {{ dbt.type_int() }}
        ) as weeks_after,
        count(distinct cohort_members.user_id) as retained_users
    from cohort_members
    inner join topup_weeks
        on cohort_members.user_id = topup_weeks.user_id and cohort_members.cohort_week <= topup_weeks.topup_week
    group by 1, 2

),

data_end as (

    select max(date_day) as data_end_date
    from dates

),

final as (

    select
        cohort_sizes.cohort_week,
        offsets.weeks_after,
        cast(cohort_sizes.cohort_users as {{ dbt.type_bigint() }}) as cohort_users,
        cast(coalesce(retained.retained_users, 0) as {{ dbt.type_bigint() }}) as retained_users,
        {{ livelake.safe_ratio('coalesce(retained.retained_users, 0)', 'cohort_sizes.cohort_users') }}
            as retention_rate,
        {{ livelake.add_days('cohort_sizes.cohort_week', 'offsets.weeks_after * 7 + 6') }}
        <= data_end.data_end_date as is_complete,
        {{ livelake.lake_batch() }} as _batch_run_id
    from cohort_sizes
    cross join offsets
    cross join data_end
    left join retained
        on
            cohort_sizes.cohort_week = retained.cohort_week
            and offsets.weeks_after = retained.weeks_after

)

select * from final
