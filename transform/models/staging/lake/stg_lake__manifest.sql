{#
    One row per committed source file (base_lake__manifest); the counts the ingest
    added later (rows_duplicate, rows_footer_skipped) are 0 in parts written before
    them.
#}
with

manifest as (

    select * from {{ ref('base_lake__manifest') }}

),

renamed as (

    select
        cast(file_sha256 as {{ dbt.type_string() }}) as file_sha256,
        cast(source_file as {{ dbt.type_string() }}) as source_file,
        cast(size_bytes as {{ dbt.type_bigint() }}) as size_bytes,
        cast(status as {{ dbt.type_string() }}) as status,
        exported_at,
        {{ livelake.taipei_wall_time('exported_at') }} as exported_at_taipei,
        {{ livelake.taipei_date('exported_at') }} as exported_on,
        cast(exported_at_from as {{ dbt.type_string() }}) as exported_at_from,
        cast(rows_read as {{ dbt.type_bigint() }}) as rows_read,
        cast(rows_loaded as {{ dbt.type_bigint() }}) as rows_loaded,
        cast(rows_quarantined as {{ dbt.type_bigint() }}) as rows_quarantined,
        cast(rows_rejected as {{ dbt.type_bigint() }}) as rows_rejected,
        cast(coalesce(rows_duplicate, 0) as {{ dbt.type_bigint() }}) as rows_duplicate,
        cast(coalesce(rows_footer_skipped, 0) as {{ dbt.type_bigint() }}) as rows_footer_skipped,
        cast(footer_rows as {{ dbt.type_string() }}) as footer_rows,
        cast(quarantined_by_reason as {{ dbt.type_string() }}) as quarantined_by_reason,
        cast(tables as {{ dbt.type_string() }}) as tables_loaded,
        cast(extra_columns as {{ dbt.type_string() }}) as extra_columns,
        cast(messages as {{ dbt.type_string() }}) as messages,
        cast(run_id as {{ dbt.type_string() }}) as run_id,
        ingested_at,
        {{ livelake.taipei_wall_time('ingested_at') }} as ingested_at_taipei
    from manifest

)

select * from renamed
