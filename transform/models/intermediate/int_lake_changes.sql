{#
    The lake's change log: the (user, local date) places whose facts a
    classification batch of the base models may change. A base model re-classifies
    every version of what a new lake row touches (every version of a re-exported
    order, every export of a re-exported report date) and stamps those rows with the
    build's snapshot (`_batch_run_id`). A full build logs every row's place.

    A run reads only the base rows stamped after its newest entry, from the first day
    they lie in (livelake.unlogged_batch: literals, so BigQuery prunes the partitions
    before it and DuckDB's zone maps skip the older row groups): finding what changed
    costs the size of the change, not of the lake. Where a table has users (top-ups, User
    Activity), a place is logged only where the winning rows changed: the winners are
    compared with the previous ones (the best of the rows of the runs already logged,
    run_id up to this table's watermark, by the base model's rule), so a row
    re-exported as it was changes nothing but lineage, and a changed row is logged
    where it was and where it is (a corrected user_id or time moves it). The other
    reports log every re-classified report date (no user).

    Append-only (a merge without a key). Incremental models read the entries logged
    after their own watermark (livelake.changed_since, user_change_cuts, changed_dates).
#}
{{
    config(
        materialized='incremental',
        incremental_strategy='merge',
        cluster_by=livelake.clustered(['_batch_run_id', 'lake_table']),
        on_schema_change='fail',
        meta={'reads_at_compile': ['_batch_run_id']}
    )
}}

{# The newest batch logged; per base table, the first partition day of its rows stamped after it (literals). #}
{% set unlogged = livelake.unlogged_batch() if is_incremental() else none %}
{% set logged_until = unlogged.logged_until if is_incremental() else none %}
{# Where one export's rows win (base_lake__top_up, livelake.classify_daily_export), per table with users. #}
{% set winner_scopes = {'top_up': ['order_id', 'row'], 'user_activity': ['report_date', 'export']} %}

with

{% for table in livelake.lake_tables() %}

    {% set user_id = 'user_id' if table in winner_scopes else 'cast(null as ' ~ dbt.type_string() ~ ')' %}
    {% set change_date = 'cast(' ~ livelake.lake_contract().tables[table].partition_by ~ ' as date)' %}
    {% set compares = is_incremental() and table in winner_scopes %}

    {{ table }}_batch as (

        select lake_rows.*
        from {{ ref('base_lake__' ~ table) }} as lake_rows
        {% if is_incremental() %}
            where
                lake_rows._batch_run_id > {{ logged_until }}
                and lake_rows.{{ livelake.lake_partition_date_column(table) }} >= {{ unlogged.first_days[table] }}
        {% endif %}

    ),

    {% if compares %}

        {% set scope, grain = winner_scopes[table] %}
        {% set compared = ['_batch_run_id'] + livelake.lake_content_columns(table) %}

        {{ table }}_previous as (

            select distinct {{ compared | join(', ') }}
            from (
                select
                    *,
                    dense_rank() over (
                        partition by {{ scope }}
                        order by {{ livelake.export_order(grain=grain) }}
                    ) as previous_rank
                from {{ table }}_batch
                where run_id <= {{ logged_until }}
            ) as previous_rows
            where previous_rank = 1

        ),

        {{ table }}_current as (

            select distinct {{ compared | join(', ') }}
            from {{ table }}_batch
            where row_disposition = 'loaded'

        ),

        {# The winners in one of the two only: new winners and former ones (a row in both is unchanged). #}
        {{ table }}_changed as (

            select {{ compared | join(', ') }}
            from (
                select * from {{ table }}_current
                union all by name
                select * from {{ table }}_previous
            ) as winners
            group by {{ compared | join(', ') }}
            having count(*) = 1

        ),

    {% endif %}

    {{ table }}_changes as (

        select
            _batch_run_id,
            '{{ table }}' as lake_table,
            {{ user_id }} as user_id,
            {{ change_date }} as change_date
        from {{ table }}_{{ 'changed' if compares else 'batch' }}

    ),

{% endfor %}

final as (

    {% for table in livelake.lake_tables() %}
        select * from {{ table }}_changes
        {{ 'union distinct' if not loop.last }}
    {% endfor %}

)

select * from final
