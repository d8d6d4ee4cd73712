{#
    The manifest's rows, one per committed source file, kept in the warehouse:
    incremental (a merge without a key: appended), each run reading only the
    manifest parts of the runs committed since (livelake.lake_side_parts). A
    committed part never changes.
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

    {{ livelake.lake_side_parts('manifest') }}

)

select * from new_parts
