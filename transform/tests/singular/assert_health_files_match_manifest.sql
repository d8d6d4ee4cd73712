-- The per-file ledger agrees with the ingest's own summary (the manifest): for every
-- committed file, the rows the lake holds in its tables (plus the exact repeats the
-- ingest loaded once), in the quarantine and in the rejected sheets are the rows
-- the ingest reported loaded (and repeated), quarantined and rejected.
with

files as (

    select * from {{ ref('mart_data_health_files') }}

),

manifest as (

    select * from {{ ref('stg_lake__manifest') }}

),

final as (

    select
        manifest.source_file,
        manifest.rows_loaded + manifest.rows_duplicate as manifest_rows_loaded,
        files.rows_loaded as lake_rows_loaded,
        manifest.rows_quarantined as manifest_rows_quarantined,
        files.rows_quarantined as lake_rows_quarantined,
        manifest.rows_rejected as manifest_rows_rejected,
        files.rows_rejected as lake_rows_rejected
    from manifest
    left join files
        on manifest.file_sha256 = files.file_sha256
    where
        files.file_sha256 is null
        or manifest.rows_loaded + manifest.rows_duplicate != files.rows_loaded
        or manifest.rows_quarantined != files.rows_quarantined
        or manifest.rows_rejected != files.rows_rejected

)

select * from final
