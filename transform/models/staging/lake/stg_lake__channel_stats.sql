with

resolved as (

    select * from {{ ref('base_lake__channel_stats') }}
    where row_disposition = 'loaded'

),

renamed as (

    select
        cast(report_date as date) as report_date,
        cast(channel_id as {{ dbt.type_string() }}) as channel_id,
        cast(channel_name as {{ dbt.type_string() }}) as channel_name,
        cast(category as {{ dbt.type_string() }}) as category,
        cast(live_minutes as {{ dbt.type_bigint() }}) as live_minutes,
        cast(unique_viewers as {{ dbt.type_bigint() }}) as unique_viewers,
        cast(peak_concurrent_viewers as {{ dbt.type_bigint() }}) as peak_concurrent_viewers,
        cast(new_followers as {{ dbt.type_bigint() }}) as new_followers,
        cast(chat_messages as {{ dbt.type_bigint() }}) as chat_messages,
        cast(gift_senders as {{ dbt.type_bigint() }}) as gift_senders,
        {{ livelake.lineage_columns() }},
        _batch_run_id
    from resolved

)

select * from renamed
