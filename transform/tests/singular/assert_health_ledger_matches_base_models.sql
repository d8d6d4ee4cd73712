-- The per-file ledger the data-health marts read (int_lake_file_dispositions, built
-- incrementally) holds, per lake table, partition and disposition, exactly the rows
-- the base models hold: no partition missed, none counted twice.
with

base_rows as (

    {% for table in livelake.lake_tables() %}
        select
            '{{ table }}' as lake_table,
            {{ livelake.lake_partition_date_column(table) }} as partition_date,
            count(*) as rows_loaded,
            sum(case when row_disposition = 'loaded' then 1 else 0 end) as rows_winning,
            sum(case when row_disposition = 'superseded' then 1 else 0 end) as rows_superseded,
            sum(case when row_disposition = 'duplicate' then 1 else 0 end) as rows_duplicate
        from {{ ref('base_lake__' ~ table) }}
        group by 1, 2
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

ledger as (

    select
        lake_table,
        partition_date,
        sum(rows_loaded) as rows_loaded,
        sum(rows_winning) as rows_winning,
        sum(rows_superseded) as rows_superseded,
        sum(rows_duplicate) as rows_duplicate
    from {{ ref('int_lake_file_dispositions') }}
    group by 1, 2

),

final as (

    select
        coalesce(base_rows.lake_table, ledger.lake_table) as lake_table,
        coalesce(base_rows.partition_date, ledger.partition_date) as partition_date,
        base_rows.rows_loaded as base_rows_loaded,
        ledger.rows_loaded as ledger_rows_loaded,
        base_rows.rows_winning as base_rows_winning,
        ledger.rows_winning as ledger_rows_winning,
        base_rows.rows_superseded as base_rows_superseded,
        ledger.rows_superseded as ledger_rows_superseded,
        base_rows.rows_duplicate as base_rows_duplicate,
        ledger.rows_duplicate as ledger_rows_duplicate
    from base_rows
    full outer join ledger
        on
            base_rows.lake_table = ledger.lake_table
            and base_rows.partition_date = ledger.partition_date
    where
        base_rows.rows_loaded is distinct from ledger.rows_loaded
        or base_rows.rows_winning is distinct from ledger.rows_winning
        or base_rows.rows_superseded is distinct from ledger.rows_superseded
        or base_rows.rows_duplicate is distinct from ledger.rows_duplicate

)

select * from final
