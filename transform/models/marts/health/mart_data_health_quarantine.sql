{#
    Quarantined rows per domain, day and reason code. `day` is the Asia/Taipei date
    of the rows' export (their exported_at); a row whose domain the ingest could not
    tell counts under 'unknown'.
#}
with

quarantine as (

    select * from {{ ref('stg_lake__quarantine') }}

),

final as (

    select
        coalesce(domain, 'unknown') as domain,
        exported_on as day,
        reason,
        count(*) as rows_quarantined
    from quarantine
    group by 1, 2, 3

)

select * from final
