{# One row per local date from the first to the last date in the resolved reports. #}
with

data_dates as (

    select
        min(topup_date) as first_date,
        max(topup_date) as last_date
    from {{ ref('stg_lake__top_up') }}
    union all by name
    select
        min(report_date) as first_date,
        max(report_date) as last_date
    from {{ ref('stg_lake__user_activity') }}
    union all by name
    select
        min(report_date) as first_date,
        max(report_date) as last_date
    from {{ ref('stg_lake__channel_stats') }}
    union all by name
    select
        min(report_date) as first_date,
        max(report_date) as last_date
    from {{ ref('stg_lake__pre_deduction') }}
    union all by name
    select
        min(report_date) as first_date,
        max(report_date) as last_date
    from {{ ref('stg_lake__post_deduction') }}

),

bounds as (

    select
        min(first_date) as first_date,
        max(last_date) as last_date
    from data_dates

),

numbers as (

    {{ dbt.generate_series(var('date_spine_max_days')) }}

),

spine as (

    select {{ livelake.add_days('bounds.first_date', 'numbers.generated_number - 1') }} as date_day
    from numbers
    cross join bounds
    where numbers.generated_number - 1 <= {{ dbt.datediff('bounds.first_date', 'bounds.last_date', 'day') }}

),

with_week as (

    select
        date_day,
        {{ livelake.week_start('date_day') }} as week_start
    from spine

),

with_weekday as (

    select
        date_day,
        week_start,
        {{ dbt.datediff('week_start', 'date_day', 'day') }}
            as days_since_monday
    from with_week

),

final as (

    select
        date_day,
        week_start,
        {{ livelake.month_start('date_day') }} as month_start,
        cast(extract(year from date_day) as {{ dbt.type_int() }}) as year_number,
        cast(extract(month from date_day) as {{ dbt.type_int() }}) as month_number,
        cast(extract(day from date_day) as {{ dbt.type_int() }}) as day_of_month,
        days_since_monday + 1 as iso_day_of_week,
        days_since_monday >= 5 as is_weekend
    from with_weekday

)

select * from final
