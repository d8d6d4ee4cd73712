{#
    One row per rejected file or sheet, with the ingest's reason in words. `day` is
    the Asia/Taipei date the file was exported (the manifest's exported_at: the
    title block's `Exported at`, else the file's modification time), or, for a
    rejection whose file is not committed yet, the date it was ingested.
#}
with

rejections as (

    select * from {{ ref('stg_lake__rejections') }}

),

manifest as (

    select * from {{ ref('stg_lake__manifest') }}

),

final as (

    select
        rejections.source_file,
        rejections.source_sheet,
        rejections.domain,
        rejections.column_name as {{ adapter.quote('column') }},
        rejections.reason,
        rejections.rows_rejected as {{ adapter.quote('rows') }},
        rejections.ingested_at_taipei,
        coalesce(manifest.exported_on, rejections.ingested_on) as day
    from rejections
    left join manifest
        on rejections.file_sha256 = manifest.file_sha256

)

select * from final
