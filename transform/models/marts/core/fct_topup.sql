{#
    One row per order with its latest status. Incremental: a run picks up the lake
    rows ingested since the last batch (`_batch_ingested_at`), finds the users whose
    orders they touch (every version of a touched order, so a corrected user_id
    re-derives both users), and rebuilds all orders of those users only
    (delete+insert on order_id; merge on BigQuery). is_repeat_topup and
    days_since_prev_topup depend on the user's whole history, so the user, not the
    date, is the unit of rebuild.
#}
{{
    config(
        materialized='incremental',
        unique_key='order_id',
        incremental_strategy=('merge' if target.type == 'bigquery' else 'delete+insert'),
        partition_by=({'field': 'topup_date', 'data_type': 'date'} if target.type == 'bigquery' else none),
        on_schema_change='fail'
    )
}}

with

topups as (

    select * from {{ ref('stg_lake__top_up') }}

),

lake_rows as (

    select
        order_id,
        user_id,
        ingested_at
    from {{ source('lake', 'top_up') }}

),

batch as (

    select max(ingested_at) as batch_ingested_at
    from lake_rows

),

{% if is_incremental() %}

    watermark as (

        select max(_batch_ingested_at) as last_batch_ingested_at
        from {{ this }}

    ),

    changed_orders as (

        select distinct lake_rows.order_id
        from lake_rows
        cross join watermark
        where lake_rows.ingested_at > watermark.last_batch_ingested_at

    ),

    affected_users as (

        select distinct lake_rows.user_id
        from lake_rows
        inner join changed_orders
            on lake_rows.order_id = changed_orders.order_id

    ),

{% endif %}

user_topups as (

    select topups.*
    from topups
    {% if is_incremental() %}
        inner join affected_users
            on topups.user_id = affected_users.user_id
    {% endif %}

),

sequenced as (

    select
        *,
        status = 'success' as is_successful,
        coalesce(
            sum(case when status = 'success' then 1 else 0 end) over (
                partition by user_id
                order by topup_at, order_id
                rows between unbounded preceding and 1 preceding
            ),
            0
        ) as prior_successful_topups
    from user_topups

),

successful_history as (

    select
        order_id,
        lag(topup_date) over (
            partition by user_id
            order by topup_at, order_id
        ) as prev_successful_topup_date
    from user_topups
    where status = 'success'

),

final as (

    select
        sequenced.order_id,
        sequenced.user_id,
        sequenced.topup_at,
        sequenced.topup_date,
        sequenced.topup_hour,
        {{ livelake.topup_day_segment('sequenced.topup_hour') }} as topup_day_segment,
        sequenced.amount,
        sequenced.coins,
        sequenced.bonus_coins,
        sequenced.payment_method,
        sequenced.platform,
        sequenced.status,
        sequenced.is_successful,
        cast(case when sequenced.is_successful then sequenced.amount else 0 end as {{ livelake.type_money() }})
            as successful_amount,
        sequenced.channel_id,
        sequenced.membership_level,
        sequenced.membership_rank,
        sequenced.promo_code,
        sequenced.prior_successful_topups > 0 as is_repeat_topup,
        case
            when sequenced.is_successful
                then cast(sequenced.prior_successful_topups + 1 as {{ dbt.type_bigint() }})
        end as successful_topup_number,
        {{ dbt.datediff(
            'successful_history.prev_successful_topup_date', 'sequenced.topup_date', 'day'
        ) }} as days_since_prev_topup,
        sequenced.source_file,
        sequenced.source_sheet,
        sequenced.source_row,
        sequenced.file_sha256,
        sequenced.exported_at,
        sequenced.ingested_at,
        batch.batch_ingested_at as _batch_ingested_at
    from sequenced
    left join successful_history
        on sequenced.order_id = successful_history.order_id
    cross join batch

)

select * from final
