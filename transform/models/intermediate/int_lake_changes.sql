{#
    The lake's change log: the (user, local date) places each classification batch
    of the base models changed. A base model re-classifies every version of what a
    new lake row touches (every version of a re-exported order, every export of a
    re-exported report date) and stamps those rows with the batch's newest
    ingested_at (`_batch_ingested_at`), so a re-export is logged both where its new
    version is and where the older versions were (a corrected user_id or time moves
    an order). Channel Stats and the pre / post-deduction reports log their report
    date (no user).

    Incremental models read their work here (livelake.user_change_cuts,
    livelake.changed_dates, livelake.earliest_change_date): the entries logged after
    their own watermark. An append-only incremental table: a run reads only the
    base rows stamped after its last entry (the newest rows of each base table, so
    DuckDB's zone maps skip the rest): finding what changed costs the size of the
    change, not of the lake.
#}
{{
    config(
        materialized='incremental',
        incremental_strategy=('merge' if target.type == 'bigquery' else 'append'),
        on_schema_change='fail'
    )
}}

with

{% if is_incremental() %}

    logged as (

        select max(_batch_ingested_at) as logged_until
        from {{ this }}

    ),

{% endif %}

{% for table in ['top_up', 'user_activity', 'channel_stats', 'pre_deduction', 'post_deduction'] %}

    {{ table }}_changes as (

        select
            lake_rows._batch_ingested_at,
            '{{ table }}' as lake_table,
            {% if table == 'top_up' %}
                lake_rows.user_id,
                cast(lake_rows.topup_at as date) as change_date
            {% elif table == 'user_activity' %}
                lake_rows.user_id,
                lake_rows.report_date as change_date
            {% else %}
                cast(null as {{ dbt.type_string() }}) as user_id,
                lake_rows.report_date as change_date
            {% endif %}
        from {{ ref('base_lake__' ~ table) }} as lake_rows
        {% if is_incremental() %}
            cross join logged
            where lake_rows._batch_ingested_at > logged.logged_until
        {% endif %}

    ),

{% endfor %}

final as (

    select * from top_up_changes
    union
    select * from user_activity_changes
    union
    select * from channel_stats_changes
    union
    select * from pre_deduction_changes
    union
    select * from post_deduction_changes

)

select * from final
