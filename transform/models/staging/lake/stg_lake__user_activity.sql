with

resolved as (

    select * from {{ ref('base_lake__user_activity') }}
    where row_disposition = 'loaded'

),

renamed as (

    select
        cast(report_date as date) as report_date,
        cast(user_id as {{ dbt.type_string() }}) as user_id,
        cast(registered_at as date) as registered_at,
        cast(membership_level as {{ dbt.type_string() }}) as membership_level,
        {{ livelake.membership_rank('membership_level') }} as membership_rank,
        cast(watch_minutes as {{ dbt.type_bigint() }}) as watch_minutes,
        cast(channels_watched as {{ dbt.type_bigint() }}) as channels_watched,
        cast(messages_sent as {{ dbt.type_bigint() }}) as messages_sent,
        cast(gifts_sent_coins as {{ dbt.type_bigint() }}) as gifts_sent_coins,
        coalesce(watch_minutes, 0) > 0
        or coalesce(messages_sent, 0) > 0
        or coalesce(gifts_sent_coins, 0) > 0 as is_engaged,
        {{ livelake.lineage_columns() }},
        _batch_run_id
    from resolved

)

select * from renamed
