{#
    Successful top-ups per local date, day segment (kpis.md: late_night [0,6),
    morning [6,12), afternoon [12,18), evening [18,24)), payment method and platform.

    Incremental: the dates from the earliest change on (a repeat flag depends on
    earlier orders only) are rebuilt and merged; a rebuilt date's rows the new rows
    lack (a date left with no top-up) are deleted.
#}
{{
    config(
        materialized='incremental',
        incremental_strategy='merge',
        unique_key=['date', 'topup_day_segment', 'payment_method', 'platform'],
        merge_clauses=livelake.delete_missing_rows(livelake.rebuilt_since('date')),
        cluster_by=livelake.clustered(['date']),
        on_schema_change='fail'
    )
}}

with

topups as (

    select * from {{ ref('fct_topup') }}

),

segments as (

    select
        topups.topup_date as date,
        topups.topup_day_segment,
        topups.payment_method,
        topups.platform,
        cast(count(*) as {{ dbt.type_bigint() }}) as orders,
        cast(count(distinct topups.user_id) as {{ dbt.type_bigint() }}) as paying_users,
        {{ livelake.to_money('sum(topups.amount)') }} as revenue,
        cast(sum(case when topups.is_repeat_topup then 1 else 0 end) as {{ dbt.type_bigint() }}) as repeat_orders
    from topups
    {% if is_incremental() %}
        where
            topups.is_successful
            and topups.topup_date >= {{ livelake.changed_since() }}
    {% else %}
        where topups.is_successful
    {% endif %}
    group by 1, 2, 3, 4

),

final as (

    select
        *,
        {{ livelake.lake_batch() }} as _batch_run_id
    from segments

)

select * from final
