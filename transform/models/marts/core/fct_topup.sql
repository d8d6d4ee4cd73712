{#
    One row per order with its latest status. is_repeat_topup and days_since_prev_topup
    depend on the user's whole history: an incremental run re-derives each touched user's
    orders from the earliest date touched on (the change log's entries, where a corrected
    user_id counts for both users, and the newly stamped top-up rows: a re-export with
    the same content brings new lineage), from the state already built for the user's
    earlier orders. Merged on order_id (every order persists); the merge reads the target
    from the earliest date rebuilt on.
#}
{{
    config(
        materialized='incremental',
        incremental_strategy='merge',
        unique_key='order_id',
        incremental_predicates=livelake.target_since('topup_date'),
        partition_by=livelake.day_partitioned('topup_date'),
        cluster_by=livelake.clustered(['user_id', 'order_id']),
        meta={'reads_own_rows': true},
        on_schema_change='fail'
    )
}}

with

topups as (

    select * from {{ ref('stg_lake__top_up') }}

),

{% if is_incremental() %}

    {% set watermark = livelake.model_watermark() %}
    {% set cuts %}
        select
            user_id,
            min(cut_date) as cut_date
        from (
            {{ livelake.user_change_cuts(watermark) }}
            union all
            select
                user_id,
                topup_date as cut_date
            from {{ ref('stg_lake__top_up') }}
            where _batch_run_id > {{ watermark }}
        ) as touched
        group by 1
    {% endset %}
    {# No cut is earlier: a literal bound, so the date-ordered tables are read from there on. #}
    {% set rebuild_from = livelake.merge_since(livelake.query_literal(
        'select min(cut_date) as value_of_query from (' ~ cuts ~ ') as cuts', 'date'
    )) %}

    cuts as ({{ cuts }}),

    carried as (

        {# Each rebuilt user's state before the cut, from the rows already built. #}
        select
            built.user_id,
            sum(case when built.is_successful then 1 else 0 end) as carried_successful_topups,
            max(case when built.is_successful then built.topup_date end) as carried_successful_topup_date
        from {{ this }} as built
        inner join cuts
            on
                built.user_id = cuts.user_id
                and built.topup_date < cuts.cut_date
        group by 1

    ),

{% endif %}

user_topups as (

    select topups.*
    from topups
    {% if is_incremental() %}
        inner join cuts
            on
                topups.user_id = cuts.user_id
                and topups.topup_date >= cuts.cut_date
        where topups.topup_at >= cast({{ rebuild_from }} as {{ livelake.type_local_timestamp() }})
    {% endif %}

),

sequenced as (

    select
        user_topups.*,
        user_topups.status = 'success' as is_successful,
        coalesce(sum(case when user_topups.status = 'success' then 1 else 0 end) over earlier_orders, 0)
        + {{ 'coalesce(carried.carried_successful_topups, 0)' if is_incremental() else '0' }}
            as prior_successful_topups,
        coalesce(
            max(case when user_topups.status = 'success' then user_topups.topup_date end) over earlier_orders,
            {{ 'carried.carried_successful_topup_date' if is_incremental() else 'cast(null as date)' }}
        ) as prev_successful_topup_date
    from user_topups
    {% if is_incremental() %}
        left join carried
            on user_topups.user_id = carried.user_id
    {% endif %}
    window earlier_orders as (
        partition by user_topups.user_id
        order by user_topups.topup_at, user_topups.order_id
        rows between unbounded preceding and 1 preceding
    )

),

final as (

    select
        order_id,
        user_id,
        topup_at,
        topup_date,
        topup_hour,
        {{ livelake.topup_day_segment('topup_hour') }} as topup_day_segment,
        amount,
        coins,
        bonus_coins,
        payment_method,
        platform,
        status,
        is_successful,
        cast(case when is_successful then amount else 0 end as {{ livelake.type_money() }}) as successful_amount,
        channel_id,
        membership_level,
        membership_rank,
        promo_code,
        prior_successful_topups > 0 as is_repeat_topup,
        case
            when is_successful then cast(prior_successful_topups + 1 as {{ dbt.type_bigint() }})
        end as successful_topup_number,
        case
            when is_successful then {{ dbt.datediff('prev_successful_topup_date', 'topup_date', 'day') }}
        end as days_since_prev_topup,
        {{ livelake.fact_lineage_columns() | join(',\n        ') }},
        {{ livelake.lake_batch() }} as _batch_run_id
    from sequenced

)

select * from final
{{ livelake.storage_order(['topup_date']) }}
