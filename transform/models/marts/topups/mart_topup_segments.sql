{#
    Successful top-ups per local date, day segment (kpis.md: late_night [0,6),
    morning [6,12), afternoon [12,18), evening [18,24)), payment method and platform.

    Incremental (DuckDB): the dates from the earliest change on
    (livelake.earliest_change_date; a repeat flag depends on earlier orders only)
    are replaced (delete+insert on date, so a date left with no top-up is emptied).
    A table on BigQuery.
#}
{{
    config(
        materialized=livelake.per_adapter(duckdb='incremental', bigquery='table'),
        cluster_by=livelake.clustered(['date']),
        unique_key='date',
        incremental_strategy='delete+insert',
        post_hook="{{ livelake.drop_scope_placeholders() }}",
        on_schema_change='fail'
    )
}}

with

topups as (

    select * from {{ ref('fct_topup') }}

),

dates as (

    select * from {{ ref('dim_date') }}

),

rebuild_from as (

    {% if is_incremental() %}
        select {{ livelake.earliest_change_date(livelake.model_watermark()) }} as rebuild_from_date
    {% else %}
        select min(date_day) as rebuild_from_date from dates
    {% endif %}

),

segments as (

    select
        topups.topup_date as date,
        topups.topup_day_segment,
        topups.payment_method,
        topups.platform,
        cast(count(*) as {{ dbt.type_bigint() }}) as orders,
        cast(count(distinct topups.user_id) as {{ dbt.type_bigint() }}) as paying_users,
        {{ livelake.to_money('sum(topups.amount)') }} as revenue,
        cast(sum(case when topups.is_repeat_topup then 1 else 0 end) as {{ dbt.type_bigint() }}) as repeat_orders
    from topups
    cross join rebuild_from
    where
        topups.is_successful
        and topups.topup_date >= rebuild_from.rebuild_from_date
    group by 1, 2, 3, 4

),

{% if is_incremental() %}

    scopes as (

        {# The scopes this run replaces: a placeholder each, so an emptied scope goes. #}
        select dates.date_day as date
        from dates
        cross join rebuild_from
        where dates.date_day >= rebuild_from.rebuild_from_date

    ),

{% endif %}

final as (

    {{ livelake.scoped_rows_select('segments') }}

)

select * from final
