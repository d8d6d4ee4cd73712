{#
    Successful top-ups per local date, day segment (kpis.md: late_night [0,6),
    morning [6,12), afternoon [12,18), evening [18,24)), payment method and platform.
#}
with

topups as (

    select * from {{ ref('fct_topup') }}

),

final as (

    select
        topup_date as date,
        topup_day_segment,
        payment_method,
        platform,
        cast(count(*) as {{ dbt.type_bigint() }}) as orders,
        cast(count(distinct user_id) as {{ dbt.type_bigint() }}) as paying_users,
        {{ livelake.to_money('sum(amount)') }} as revenue,
        cast(sum(case when is_repeat_topup then 1 else 0 end) as {{ dbt.type_bigint() }}) as repeat_orders
    from topups
    where is_successful
    group by 1, 2, 3, 4

)

select * from final
