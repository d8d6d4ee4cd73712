{#
    Retention by first-top-up cohort (ISO week of the user's first successful
    top-up): for weeks_after in 1, 2, 4, 8, 12, the share of the cohort with a
    successful top-up in the calendar week that many weeks after the cohort week.
    is_complete is false while that week has not fully elapsed in the data.
#}
with

users as (

    select * from {{ ref('dim_users') }}

),

topups as (

    select * from {{ ref('fct_topup') }}

),

dates as (

    select * from {{ ref('dim_date') }}

),

offsets as (

    select 1 as weeks_after
    union all
    select 2 as weeks_after
    union all
    select 4 as weeks_after
    union all
    select 8 as weeks_after
    union all
    select 12 as weeks_after

),

cohort_members as (

    select
        user_id,
        {{ livelake.week_start('first_topup_date') }} as cohort_week
    from users
    where first_topup_date is not null

),

cohort_sizes as (

    select
        cohort_week,
        count(*) as cohort_users
    from cohort_members
    group by 1

),

topup_weeks_raw as (

    select distinct
        cohort_members.cohort_week,
        cohort_members.user_id,
        {{ livelake.week_start('topups.topup_date') }} as topup_week
    from cohort_members
    inner join topups
        on cohort_members.user_id = topups.user_id
    where topups.is_successful

),

topup_weeks as (

    select
        cohort_week,
        user_id,
        cast(
            floor(
                {{ dbt.datediff('cohort_week', 'topup_week', 'day') }}
                / 7
            )
            as {{ dbt.type_int() }}
        ) as weeks_after
    from topup_weeks_raw

),

retained as (

    select
        cohort_week,
        weeks_after,
        count(distinct user_id) as retained_users
    from topup_weeks
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
        <= data_end.data_end_date as is_complete
    from cohort_sizes
    cross join offsets
    cross join data_end
    left join retained
        on
            cohort_sizes.cohort_week = retained.cohort_week
            and offsets.weeks_after = retained.weeks_after

)

select * from final
