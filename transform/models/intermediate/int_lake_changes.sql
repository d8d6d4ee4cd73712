{#
    The lake's change log: for every lake row, the (user, local date) places it
    changes, stamped with the row's ingested_at. A re-export changes a place twice:
    where its new version is and where the older versions were (a corrected
    user_id or time moves an order), so every version of a re-exported order, and
    every user of every export of a re-exported report date, is logged at the new
    row's ingested_at. Channel Stats and the pre / post-deduction reports log their
    report date (no user).

    Incremental models read their work here (livelake.user_change_cuts,
    livelake.earliest_change_date): the entries logged after their own watermark.
    An append-only incremental table: a run logs only the lake rows ingested since
    the last one, so finding what changed costs the size of the change, not of the
    lake.
#}
{{
    config(
        materialized='incremental',
        incremental_strategy=('merge' if target.type == 'bigquery' else 'append'),
        on_schema_change='fail'
    )
}}

with

top_up as (

    select * from {{ ref('base_lake__top_up') }}

),

user_activity as (

    select * from {{ ref('base_lake__user_activity') }}

),

{% if is_incremental() %}

    logged as (

        select max(ingested_at) as logged_until
        from {{ this }}

    ),

{% endif %}

new_top_up as (

    select
        top_up.order_id,
        top_up.ingested_at
    from top_up
    {% if is_incremental() %}
        cross join logged
        where top_up.ingested_at > logged.logged_until
    {% endif %}
    group by 1, 2

),

top_up_changes as (

    select
        new_top_up.ingested_at,
        'top_up' as lake_table,
        versions.user_id,
        cast(versions.topup_at as date) as change_date
    from new_top_up
    inner join top_up as versions
        on new_top_up.order_id = versions.order_id

),

new_exports as (

    select
        user_activity.report_date,
        user_activity.ingested_at
    from user_activity
    {% if is_incremental() %}
        cross join logged
        where user_activity.ingested_at > logged.logged_until
    {% endif %}
    group by 1, 2

),

user_activity_changes as (

    select
        new_exports.ingested_at,
        'user_activity' as lake_table,
        exports.user_id,
        new_exports.report_date as change_date
    from new_exports
    inner join user_activity as exports
        on new_exports.report_date = exports.report_date

),

{% for table in ['channel_stats', 'pre_deduction', 'post_deduction'] %}

    {{ table }}_changes as (

        select
            lake_rows.ingested_at,
            '{{ table }}' as lake_table,
            cast(null as {{ dbt.type_string() }}) as user_id,
            lake_rows.report_date as change_date
        from {{ ref('base_lake__' ~ table) }} as lake_rows
        {% if is_incremental() %}
            cross join logged
            where lake_rows.ingested_at > logged.logged_until
        {% endif %}
        group by 1, 2, 3, 4

    ),

{% endfor %}

unioned as (

    select * from top_up_changes
    union all
    select * from user_activity_changes
    union all
    select * from channel_stats_changes
    union all
    select * from pre_deduction_changes
    union all
    select * from post_deduction_changes

),

final as (

    select distinct
        ingested_at,
        lake_table,
        user_id,
        change_date
    from unioned

)

select * from final
