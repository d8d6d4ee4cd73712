{#
    The rejections of committed files, kept in the warehouse: incremental (a merge
    without a key: appended), each run reading only the parts of the runs committed
    since (livelake.lake_side_parts).
#}
{{
    config(
        materialized='incremental',
        incremental_strategy='merge',
        on_schema_change='append_new_columns'
    )
}}

with

new_parts as (

    {{ livelake.lake_side_parts('rejected') }}

)

select * from new_parts
