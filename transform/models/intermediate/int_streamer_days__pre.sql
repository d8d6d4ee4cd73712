{# Pre-deduction per streamer-day (summed if a streamer reports on several channels). #}
with

pre as (

    select * from {{ ref('stg_lake__pre_deduction') }}

),

final as (

    select
        report_date,
        streamer_id,
        min(channel_id) as channel_id,
        cast(count(*) as {{ dbt.type_bigint() }}) as pre_rows,
        max(agency) as agency,
        cast(sum(gift_count) as {{ dbt.type_bigint() }}) as gift_count,
        cast(sum(gift_coins) as {{ dbt.type_bigint() }}) as gift_coins,
        cast(sum(gross_revenue) as {{ livelake.type_money() }}) as gross_revenue
    from pre
    group by 1, 2

)

select * from final
