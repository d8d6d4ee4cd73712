with

resolved as (

    select * from {{ ref('base_lake__post_deduction') }}
    where row_disposition = 'loaded'

),

renamed as (

    select
        cast(report_date as date) as report_date,
        cast(streamer_id as {{ dbt.type_string() }}) as streamer_id,
        cast(channel_id as {{ dbt.type_string() }}) as channel_id,
        cast(gross_revenue as {{ livelake.type_money() }}) as gross_revenue,
        cast(coalesce(platform_fee, 0) as {{ livelake.type_money() }}) as platform_fee,
        cast(coalesce(payment_fee, 0) as {{ livelake.type_money() }}) as payment_fee,
        cast(coalesce(tax_withheld, 0) as {{ livelake.type_money() }}) as tax_withheld,
        cast(net_revenue as {{ livelake.type_money() }}) as net_revenue,
        cast(settlement_status as {{ dbt.type_string() }}) as settlement_status,
        {{ livelake.lineage_columns() }},
        _batch_run_id
    from resolved

)

select * from renamed
