{# One row per quarantined row; empty while the lake has none (base_lake__quarantine). #}
with

quarantine as (

    select * from {{ ref('base_lake__quarantine') }}

),

renamed as (

    select
        cast(file_sha256 as {{ dbt.type_string() }}) as file_sha256,
        cast(source_file as {{ dbt.type_string() }}) as source_file,
        cast(source_sheet as {{ dbt.type_string() }}) as source_sheet,
        cast(source_row as {{ dbt.type_bigint() }}) as source_row,
        cast({{ adapter.quote('table') }} as {{ dbt.type_string() }}) as domain,
        cast({{ adapter.quote('column') }} as {{ dbt.type_string() }}) as column_name,
        cast(reason as {{ dbt.type_string() }}) as reason,
        cast(errors as {{ dbt.type_string() }}) as errors,
        cast(raw as {{ dbt.type_string() }}) as raw_values,
        exported_at,
        {{ livelake.taipei_wall_time('exported_at') }} as exported_at_taipei,
        {{ livelake.taipei_date('exported_at') }} as exported_on,
        ingested_at,
        {{ livelake.taipei_wall_time('ingested_at') }} as ingested_at_taipei
    from quarantine

)

select * from renamed
