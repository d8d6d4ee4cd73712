{#
    One row per local date from the first to the last date in the resolved reports.

    Incremental: the reports' dates move only where the change log says something
    changed (livelake.changed_since: its earliest date in the new batches), so a run
    reads the reports' dates from there on (the day partitions of the new rows) and
    widens the bounds this table already spans. A report day once in the lake stays
    (the lake never loses a day), so the bounds only grow; the merge on date_day adds
    the new dates.
#}
{{
    config(
        materialized='incremental',
        incremental_strategy='merge',
        unique_key='date_day',
        on_schema_change='fail'
    )
}}

{% set since = livelake.changed_since() if is_incremental() else none %}

with

data_dates as (

    {% for model, date_column in [
        ('stg_lake__top_up', 'topup_date'),
        ('stg_lake__user_activity', 'report_date'),
        ('stg_lake__channel_stats', 'report_date'),
        ('stg_lake__pre_deduction', 'report_date'),
        ('stg_lake__post_deduction', 'report_date'),
    ] %}
        {% if not loop.first %}union all by name{% endif %}
        select
            min({{ date_column }}) as first_date,
            max({{ date_column }}) as last_date
        from {{ ref(model) }}
        {% if is_incremental() %}where {{ date_column }} >= {{ since }}{% endif %}
    {% endfor %}
    {% if is_incremental() %}
        union all by name
        select
            min(date_day) as first_date,
            max(date_day) as last_date
        from {{ this }}
    {% endif %}

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
        days_since_monday >= 5 as is_weekend,
        {{ livelake.lake_batch() }} as _batch_run_id
    from with_weekday

)

select * from final
