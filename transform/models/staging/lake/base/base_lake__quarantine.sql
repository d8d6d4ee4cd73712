{#
    The quarantine's rows of committed files, kept in the warehouse: incremental
    (append) on DuckDB, each run reading only the parts of the runs committed since
    (livelake.lake_side_parts). A table on BigQuery.
#}
{{
    config(
        materialized=livelake.per_adapter(duckdb='incremental', bigquery='table'),
        incremental_strategy='append',
        on_schema_change='append_new_columns'
    )
}}

with

new_parts as (

    {{ livelake.lake_side_parts('quarantine') }}

)

select * from new_parts
