{#
    How fresh each domain is: the latest export the lake holds rows of, the latest
    report date (top-up date for top_up) that has a winning row, the files that
    delivered rows, and the hours between that export and this build. Built every
    run (a table over the small per-file ledger).
#}
with

dispositions as (

    select * from {{ ref('int_lake_file_dispositions') }}

),

domains as (

    select
        lake_table as domain,
        max(exported_at) as latest_exported_at,
        max(case when rows_winning > 0 then partition_date end) as latest_data_date,
        count(distinct file_sha256) as files_loaded
    from dispositions
    group by 1

),

build as (

    select {{ livelake.taipei_wall_time(dbt.current_timestamp()) }} as built_at_taipei

),

final as (

    select
        domains.domain,
        {{ livelake.taipei_wall_time('domains.latest_exported_at') }} as latest_exported_at_taipei,
        domains.latest_data_date,
        domains.files_loaded,
        build.built_at_taipei,
        {{ livelake.to_double(
            dbt.datediff(livelake.taipei_wall_time('domains.latest_exported_at'), 'build.built_at_taipei', 'second')
        ) }} / 3600 as hours_since_export
    from domains
    cross join build

)

select * from final
