with

resolved as (

    select * from {{ ref('base_lake__top_up') }}
    where row_disposition = 'loaded'

),

renamed as (

    select
        cast(order_id as {{ dbt.type_string() }}) as order_id,
        cast(user_id as {{ dbt.type_string() }}) as user_id,
        cast(topup_at as {{ livelake.type_local_timestamp() }}) as topup_at,
        {# The lake's day partition: the contract makes it the local date of topup_at (a test holds it). #}
        dt as topup_date,
        cast(extract(hour from topup_at) as {{ dbt.type_int() }}) as topup_hour,
        cast(amount as {{ livelake.type_money() }}) as amount,
        cast(coins as {{ dbt.type_bigint() }}) as coins,
        cast(coalesce(bonus_coins, 0) as {{ dbt.type_bigint() }}) as bonus_coins,
        cast(payment_method as {{ dbt.type_string() }}) as payment_method,
        cast(platform as {{ dbt.type_string() }}) as platform,
        cast(status as {{ dbt.type_string() }}) as status,
        cast(channel_id as {{ dbt.type_string() }}) as channel_id,
        cast(membership_level as {{ dbt.type_string() }}) as membership_level,
        {{ livelake.membership_rank('membership_level') }} as membership_rank,
        cast(promo_code as {{ dbt.type_string() }}) as promo_code,
        {{ livelake.lineage_columns() }},
        _batch_run_id
    from resolved

)

select * from renamed
