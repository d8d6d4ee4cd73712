{# Every post-deduction report lake row with its row_disposition: livelake.classify_daily_export. #}
{{
    config(
        materialized='incremental',
        incremental_strategy='merge',
        unique_key=['report_date', 'file_sha256', 'source_sheet', 'source_row'],
        partition_by=livelake.day_partitioned('report_date'),
        incremental_predicates=livelake.target_since('report_date'),
        cluster_by=livelake.clustered(['streamer_id']),
        on_schema_change='fail'
    )
}}

{{ livelake.classify_daily_export('post_deduction') }}
