{# One row per rejected file or sheet; empty while the lake has none (base_lake__rejections). #}
with

rejected as (

    select * from {{ ref('base_lake__rejections') }}

),

renamed as (

    select
        cast(file_sha256 as {{ dbt.type_string() }}) as file_sha256,
        cast(source_file as {{ dbt.type_string() }}) as source_file,
        cast(source_sheet as {{ dbt.type_string() }}) as source_sheet,
        cast({{ adapter.quote('table') }} as {{ dbt.type_string() }}) as domain,
        cast({{ adapter.quote('column') }} as {{ dbt.type_string() }}) as column_name,
        cast(reason as {{ dbt.type_string() }}) as reason,
        cast({{ adapter.quote('rows') }} as {{ dbt.type_bigint() }}) as rows_rejected,
        ingested_at,
        {{ livelake.taipei_wall_time('ingested_at') }} as ingested_at_taipei,
        {{ livelake.taipei_date('ingested_at') }} as ingested_on
    from rejected

)

select * from renamed
