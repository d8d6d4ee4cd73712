{#
    The per-file ledger: one row per committed source file (the manifest), with what
    the ingest read (rows_read, the ingest's own count) and what the lake holds of
    it: rows loaded into the lake tables and how the base models account for them
    now (winning, superseded by a later export, duplicate), rows quarantined, rows
    of rejected sheets. Exact repeats of a row of the same sheet, which the ingest
    reads and loads once (the manifest's rows_duplicate), count as loaded duplicate
    rows. rows_loaded = rows_winning + rows_superseded + rows_duplicate and rows_read
    = rows_loaded + rows_quarantined (tested).
#}
with

manifest as (

    select * from {{ ref('stg_lake__manifest') }}

),

dispositions as (

    select * from {{ ref('int_lake_file_dispositions') }}

),

quarantine as (

    select * from {{ ref('stg_lake__quarantine') }}

),

rejections as (

    select * from {{ ref('stg_lake__rejections') }}

),

file_dispositions as (

    select
        file_sha256,
        sum(rows_loaded) as rows_loaded,
        sum(rows_winning) as rows_winning,
        sum(rows_superseded) as rows_superseded,
        sum(rows_duplicate) as rows_duplicate
    from dispositions
    group by 1

),

file_quarantine as (

    select
        file_sha256,
        count(*) as rows_quarantined
    from quarantine
    group by 1

),

file_rejections as (

    select
        file_sha256,
        sum(coalesce(rows_rejected, 0)) as rows_rejected
    from rejections
    group by 1

),

final as (

    select
        manifest.source_file,
        manifest.file_sha256,
        manifest.status,
        manifest.exported_at_taipei,
        manifest.exported_on as day,
        manifest.ingested_at_taipei,
        manifest.rows_read,
        cast(
            coalesce(file_dispositions.rows_loaded, 0) + manifest.rows_duplicate as {{ dbt.type_bigint() }}
        ) as rows_loaded,
        cast(coalesce(file_dispositions.rows_winning, 0) as {{ dbt.type_bigint() }}) as rows_winning,
        cast(coalesce(file_dispositions.rows_superseded, 0) as {{ dbt.type_bigint() }}) as rows_superseded,
        cast(
            coalesce(file_dispositions.rows_duplicate, 0) + manifest.rows_duplicate as {{ dbt.type_bigint() }}
        ) as rows_duplicate,
        cast(coalesce(file_quarantine.rows_quarantined, 0) as {{ dbt.type_bigint() }}) as rows_quarantined,
        cast(coalesce(file_rejections.rows_rejected, 0) as {{ dbt.type_bigint() }}) as rows_rejected
    from manifest
    left join file_dispositions
        on manifest.file_sha256 = file_dispositions.file_sha256
    left join file_quarantine
        on manifest.file_sha256 = file_quarantine.file_sha256
    left join file_rejections
        on manifest.file_sha256 = file_rejections.file_sha256

)

select * from final
