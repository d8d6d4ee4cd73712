{#
    Daily totals of fct_streamer_revenue, platform-wide (agency null) and per agency
    ('independent' for blank agencies), with the effective take rate
    (deductions / gross(post), null when gross is 0).
#}
with

streamer_days as (

    select * from {{ ref('fct_streamer_revenue') }}

),

scoped as (

    select
        revenue_date,
        cast(null as {{ dbt.type_string() }}) as agency,
        gross_pre,
        gross_post,
        platform_fee,
        payment_fee,
        tax_withheld,
        net_revenue,
        deductions,
        is_mismatch,
        is_arithmetic_break
    from streamer_days

    union all by name

    select
        revenue_date,
        agency_label as agency,
        gross_pre,
        gross_post,
        platform_fee,
        payment_fee,
        tax_withheld,
        net_revenue,
        deductions,
        is_mismatch,
        is_arithmetic_break
    from streamer_days

),

totals as (

    select
        revenue_date,
        agency,
        cast(count(*) as {{ dbt.type_bigint() }}) as streamer_days,
        {{ livelake.to_money('coalesce(sum(gross_pre), 0)') }} as gross_pre,
        {{ livelake.to_money('coalesce(sum(gross_post), 0)') }} as gross_post,
        {{ livelake.to_money('coalesce(sum(platform_fee), 0)') }} as platform_fee,
        {{ livelake.to_money('coalesce(sum(payment_fee), 0)') }} as payment_fee,
        {{ livelake.to_money('coalesce(sum(tax_withheld), 0)') }} as tax_withheld,
        {{ livelake.to_money('coalesce(sum(net_revenue), 0)') }} as net_revenue,
        {{ livelake.to_money('coalesce(sum(deductions), 0)') }} as deductions,
        cast(sum(case when is_mismatch then 1 else 0 end) as {{ dbt.type_bigint() }}) as mismatches,
        cast(sum(case when is_arithmetic_break then 1 else 0 end) as {{ dbt.type_bigint() }})
            as arithmetic_breaks
    from scoped
    group by 1, 2

),

final as (

    select
        *,
        {{ livelake.safe_ratio('deductions', 'gross_post') }} as take_rate
    from totals

)

select * from final
