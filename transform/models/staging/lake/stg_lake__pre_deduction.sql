with

resolved as (

    select * from {{ ref('base_lake__pre_deduction') }}
    where row_disposition = 'loaded'

),

renamed as (

    select
        cast(report_date as date) as report_date,
        cast(streamer_id as {{ dbt.type_string() }}) as streamer_id,
        cast(streamer_name as {{ dbt.type_string() }}) as streamer_name,
        cast(channel_id as {{ dbt.type_string() }}) as channel_id,
        cast(channel_name as {{ dbt.type_string() }}) as channel_name,
        cast(agency as {{ dbt.type_string() }}) as agency,
        cast(gift_count as {{ dbt.type_bigint() }}) as gift_count,
        cast(gift_coins as {{ dbt.type_bigint() }}) as gift_coins,
        cast(gross_revenue as {{ livelake.type_money() }}) as gross_revenue,
        {{ livelake.lineage_columns() }},
        _batch_run_id
    from resolved

)

select * from renamed
