{#
    Every Channel Stats lake row with its row_disposition (transform/README.md, "Re-exports"):
    per report date the latest export wins the whole date, and inside it an exact
    copy of a row is a duplicate. A run re-classifies the report dates its new lake
    rows hold (every export of them: the new rows and this table's older ones) and
    merges them on the row's key; a lake row never goes, so no row of those dates
    can be missing from the new ones.
#}
{{
    config(
        materialized='incremental',
        incremental_strategy='merge',
        unique_key=['report_date', 'file_sha256', 'source_sheet', 'source_row'],
        partition_by=livelake.day_partitioned('report_date'),
        incremental_predicates=livelake.target_since('report_date'),
        cluster_by=livelake.clustered(['channel_id']),
        on_schema_change='fail'
    )
}}

{% set copy_columns = livelake.lake_content_columns('channel_stats', exclude=['report_date']) + ['extra_columns'] %}

with

lake_rows as (

    {% if is_incremental() %}
        select * from {{ livelake.touched_lake_rows('channel_stats', key='report_date') }} as touched
    {% else %}
        select * from {{ livelake.lake_parts('channel_stats') }} as every_part
    {% endif %}

),

ranked as (

    select
        *,
        dense_rank() over (
            partition by report_date
            order by {{ livelake.export_order(grain='export') }}
        ) as export_rank,
        row_number() over (
            partition by report_date, exported_at, ingested_at, file_sha256, {{ copy_columns | join(', ') }}
            order by source_file, source_sheet, source_row
        ) as copy_number
    from lake_rows

),

classified as (

    select
        *,
        case
            when export_rank > 1 then 'superseded'
            when copy_number > 1 then 'duplicate'
            else 'loaded'
        end as row_disposition,
        {{ livelake.lake_snapshot() }} as _batch_run_id
    from ranked

)

select * from classified
