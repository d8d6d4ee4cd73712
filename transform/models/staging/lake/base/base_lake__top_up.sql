{#
    Every top-up lake row with its row_disposition (transform/README.md, "Re-exports"):
    per order the row of the latest export wins; an exact copy of a row in one export
    is a duplicate. A run re-classifies the orders its new lake rows touch (every
    version of them: the new rows and this table's older ones) and merges them on the
    row's key; classification is per order, so no other row can change.
#}
{{
    config(
        materialized='incremental',
        incremental_strategy='merge',
        unique_key=['dt', 'file_sha256', 'source_sheet', 'source_row'],
        partition_by=livelake.day_partitioned('dt'),
        incremental_predicates=livelake.target_since('dt'),
        cluster_by=livelake.clustered(['order_id']),
        on_schema_change='fail'
    )
}}

{% set copy_columns = livelake.lake_content_columns('top_up', exclude=['order_id']) + ['extra_columns'] %}

with

lake_rows as (

    {% if is_incremental() %}
        select * from {{ livelake.touched_lake_rows('top_up', key='order_id') }} as touched
    {% else %}
        select * from {{ livelake.lake_parts('top_up') }} as every_part
    {% endif %}

),

copies as (

    select
        *,
        row_number() over (
            partition by exported_at, order_id, {{ copy_columns | join(', ') }}
            order by {{ livelake.export_order(descending=false) }}
        ) as copy_number
    from lake_rows

),

ranked as (

    select
        *,
        case
            when copy_number = 1
                then row_number() over (
                        partition by order_id, case when copy_number = 1 then 1 else 0 end
                        order by {{ livelake.export_order() }}
                    )
        end as export_rank
    from copies

),

classified as (

    select
        *,
        case
            when copy_number > 1 then 'duplicate'
            when export_rank = 1 then 'loaded'
            else 'superseded'
        end as row_disposition,
        {{ livelake.lake_snapshot() }} as _batch_run_id
    from ranked

)

select * from classified
{{ livelake.storage_order(['dt']) }}
