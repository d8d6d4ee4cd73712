{#
    Incremental: a run re-classifies only the report dates that lake rows ingested
    since the last run hold (every export of such a date), and replaces those dates
    (delete+insert on report_date; insert_overwrite of day partitions on BigQuery).
    Classification is per date, so no other row can change.
#}
{{
    config(
        materialized='incremental',
        unique_key=(none if target.type == 'bigquery' else 'report_date'),
        incremental_strategy=('insert_overwrite' if target.type == 'bigquery' else 'delete+insert'),
        partition_by=({'field': 'report_date', 'data_type': 'date'} if target.type == 'bigquery' else none),
        on_schema_change='fail'
    )
}}

{% set lake_rows = source('lake', 'user_activity') %}
{% if is_incremental() %}
    {% set lake_rows %}
        (
            select * from {{ source('lake', 'user_activity') }}
            where report_date in (
                select report_date from {{ source('lake', 'user_activity') }}
                where ingested_at > (select max(ingested_at) from {{ this }})
            )
        ) as lake_rows
    {% endset %}
{% endif %}

{{ livelake.classify_latest_export_per_date(
    lake_rows,
    date_column='report_date',
    content_columns=[
        'user_id', 'registered_at', 'membership_level', 'watch_minutes',
        'channels_watched', 'messages_sent', 'gifts_sent_coins', 'extra_columns'
    ]
) }}
