{#
    Incremental: a run re-classifies only the orders that lake rows ingested since
    the last run touch (every version of such an order: the new rows from the lake,
    the older ones from this table), and merges their rows on the lake row's key
    (file, sheet, row). Classification is per order, so no other row can change,
    and a lake row never goes.
#}
{{
    config(
        materialized='incremental',
        incremental_strategy='merge',
        unique_key=['file_sha256', 'source_sheet', 'source_row'],
        partition_by=livelake.day_partitioned('dt'),
        cluster_by=livelake.clustered(['order_id']),
        on_schema_change='fail'
    )
}}

{# The columns from the lake contract (livelake.lake_row_columns): both sides of the union read the same list. #}
{% set lake_columns = livelake.lake_row_columns('top_up') if is_incremental() else [] %}

{#
    The partitions (dt) that hold older versions of the new rows' orders, as
    literals, from a narrow read (order_id, dt): the table is stored in dt order, so
    the full rows are read from those partitions' row groups only. A new day has none.
#}
{% set watermark = livelake.model_watermark() if is_incremental() else none %}
{% set new_parts = livelake.lake_parts('top_up', after=watermark) if is_incremental() else none %}
{% set older_version_dates = livelake.query_literals(
    'select distinct built.dt as value_of_query from ' ~ this ~ ' as built where built.order_id in ('
    ~ 'select new_parts.order_id from ' ~ new_parts ~ ' as new_parts)',
    'date'
) if is_incremental() else [] %}

{# Incremental: the new lake rows, and the older versions of their orders from this table. #}
{% set new_rows_and_older_versions %}
    (
        with new_rows as (

            select {{ lake_columns | join(', ') }}
            from {{ new_parts }} as new_parts

        )

        select * from new_rows

        {% if older_version_dates %}

            union all

            select {{ lake_columns | join(', ') }}
            from {{ this }}
            where
                dt in ({{ older_version_dates | join(', ') }})
                and order_id in (select new_rows.order_id from new_rows)

        {% endif %}
    ) as lake_rows
{% endset %}
{% set every_row = livelake.lake_parts('top_up') ~ ' as lake_rows' %}
{% set lake_rows = new_rows_and_older_versions if is_incremental() else every_row %}

{{ livelake.classify_latest_row_per_key(
    lake_rows,
    key_columns=['order_id'],
    content_columns=livelake.lake_content_columns('top_up', exclude=['order_id']),
    storage_order=['dt']
) }}
