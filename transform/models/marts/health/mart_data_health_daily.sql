{#
    The lake's ledger per domain (lake table) and day, the Asia/Taipei date the rows'
    file was exported: rows loaded (their export stamp) and how they count now (winning,
    superseded by a later export, duplicate), rows quarantined (their export stamp),
    rows of rejected sheets (the file's export date, else its ingest day). Exact repeats
    of a row in a sheet, loaded once, are loaded duplicate rows of the file's export date
    in its domain (the manifest counts them per file; 'unknown' for a workbook feeding
    two, op_stats, or rows of no domain). rows_read = rows_loaded + rows_quarantined.
#}
with

dispositions as (

    select * from {{ ref('int_lake_file_dispositions') }}

),

quarantine as (

    select * from {{ ref('stg_lake__quarantine') }}

),

rejections as (

    select * from {{ ref('stg_lake__rejections') }}

),

manifest as (

    select * from {{ ref('stg_lake__manifest') }}

),

loaded_files as (

    select
        lake_table as domain,
        {{ livelake.taipei_date('exported_at') }} as day,
        file_sha256,
        rows_loaded,
        rows_winning,
        rows_superseded,
        rows_duplicate,
        0 as rows_quarantined,
        0 as rows_rejected
    from dispositions

),

quarantined_files as (

    select
        coalesce(domain, 'unknown') as domain,
        exported_on as day,
        file_sha256,
        0 as rows_loaded,
        0 as rows_winning,
        0 as rows_superseded,
        0 as rows_duplicate,
        count(*) as rows_quarantined,
        0 as rows_rejected
    from quarantine
    group by 1, 2, 3

),

rejected_files as (

    select
        coalesce(rejections.domain, 'unknown') as domain,
        coalesce(manifest.exported_on, rejections.ingested_on) as day,
        rejections.file_sha256,
        0 as rows_loaded,
        0 as rows_winning,
        0 as rows_superseded,
        0 as rows_duplicate,
        0 as rows_quarantined,
        coalesce(rejections.rows_rejected, 0) as rows_rejected
    from rejections
    left join manifest
        on rejections.file_sha256 = manifest.file_sha256

),

file_domains as (

    select
        file_sha256,
        case when count(distinct domain) = 1 then min(domain) else 'unknown' end as domain
    from (
        select * from loaded_files
        union all by name
        select * from quarantined_files
    ) as delivered
    group by 1

),

repeated_files as (

    select
        coalesce(file_domains.domain, 'unknown') as domain,
        manifest.exported_on as day,
        manifest.file_sha256,
        manifest.rows_duplicate as rows_loaded,
        0 as rows_winning,
        0 as rows_superseded,
        manifest.rows_duplicate,
        0 as rows_quarantined,
        0 as rows_rejected
    from manifest
    left join file_domains
        on manifest.file_sha256 = file_domains.file_sha256
    where manifest.rows_duplicate > 0

),

file_days as (

    select * from loaded_files
    union all by name
    select * from quarantined_files
    union all by name
    select * from rejected_files
    union all by name
    select * from repeated_files

),

final as (

    select
        domain,
        day,
        count(distinct file_sha256) as files,
        cast(sum(rows_loaded) + sum(rows_quarantined) as {{ dbt.type_bigint() }}) as rows_read,
        cast(sum(rows_loaded) as {{ dbt.type_bigint() }}) as rows_loaded,
        cast(sum(rows_winning) as {{ dbt.type_bigint() }}) as rows_winning,
        cast(sum(rows_superseded) as {{ dbt.type_bigint() }}) as rows_superseded,
        cast(sum(rows_duplicate) as {{ dbt.type_bigint() }}) as rows_duplicate,
        cast(sum(rows_quarantined) as {{ dbt.type_bigint() }}) as rows_quarantined,
        cast(sum(rows_rejected) as {{ dbt.type_bigint() }}) as rows_rejected
    from file_days
    group by 1, 2

)

select * from final
