{# Post-deduction per streamer-day (summed if a streamer reports on several channels). #}
with

post as (

    select * from {{ ref('stg_lake__post_deduction') }}

),

final as (

    select
        report_date,
        streamer_id,
        min(channel_id) as channel_id,
        cast(count(*) as {{ dbt.type_bigint() }}) as post_rows,
        cast(sum(gross_revenue) as {{ livelake.type_money() }}) as gross_revenue,
        cast(sum(platform_fee) as {{ livelake.type_money() }}) as platform_fee,
        cast(sum(payment_fee) as {{ livelake.type_money() }}) as payment_fee,
        cast(sum(tax_withheld) as {{ livelake.type_money() }}) as tax_withheld,
        cast(sum(net_revenue) as {{ livelake.type_money() }}) as net_revenue,
        max(settlement_status) as settlement_status
    from post
    group by 1, 2

)

select * from final
