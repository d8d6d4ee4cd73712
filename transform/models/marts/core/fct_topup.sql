{#
    One row per order with its latest status, and its place among the user's
    successful top-ups (int_topups_sequenced). Incremental, merged on order_id: an
    order is rebuilt when its winning lake row is new (a re-export, even with the
    same content: the row takes the new export's lineage) or int_topups_sequenced
    re-sequenced it. Both lie on or after the earliest day of the new winning rows or
    of the change log's new entries (a moved order is logged where it was), so the
    model reads its inputs, and the merge its target, from that day on. Every order
    persists, so no row can go stale.
#}
{{
    config(
        materialized='incremental',
        incremental_strategy='merge',
        unique_key='order_id',
        partition_by=livelake.day_partitioned('topup_date'),
        incremental_predicates=livelake.target_since('topup_date'),
        cluster_by=livelake.clustered(['user_id', 'order_id']),
        on_schema_change='fail'
    )
}}

{% if is_incremental() %}
    {% set watermark = livelake.model_watermark() %}
    {% set changed = livelake.changed_since() %}
    {% set new_rows = livelake.query_literal(
        'select min(topup_date) as value_of_query from ' ~ ref('stg_lake__top_up')
        ~ ' where run_id > ' ~ watermark, 'date'
    ) %}
    {# The earlier of the two, either possibly null (least() treats a null differently per engine). #}
    {% set since = livelake.merge_since(
        'least(coalesce(' ~ changed ~ ', ' ~ new_rows ~ '), coalesce(' ~ new_rows ~ ', ' ~ changed ~ '))'
    ) %}
{% endif %}

with

topups as (

    select * from {{ ref('stg_lake__top_up') }}
    {% if is_incremental() %}where topup_date >= {{ since }}{% endif %}

),

sequenced as (

    {#
        No order_id is null (the key). The filter is for DuckDB's planner, which
        hashes the side it estimates smaller: it guesses stg_lake__top_up's
        row_disposition filter keeps a fifth of the rows, so without a filter here
        it hashed every column of the top-ups (3.4 GB at the large scale, which ran
        a full build out of its memory limit beside other nodes) instead of these
        few (0.6 GB).
    #}
    select * from {{ ref('int_topups_sequenced') }}
    {% if is_incremental() %}
        where order_id is not null and topup_date >= {{ since }}
    {% else %}
        where order_id is not null
    {% endif %}

),

final as (

    select
        topups.order_id,
        topups.user_id,
        topups.topup_at,
        topups.topup_date,
        topups.topup_hour,
        case {# kpis.md: by local hour #}
            when topups.topup_hour < 6 then 'late_night'
            when topups.topup_hour < 12 then 'morning'
            when topups.topup_hour < 18 then 'afternoon'
            else 'evening'
        end as topup_day_segment,
        topups.amount,
        topups.coins,
        topups.bonus_coins,
        topups.payment_method,
        topups.platform,
        topups.status,
        topups.status = 'success' as is_successful,
        cast(case when topups.status = 'success' then topups.amount else 0 end as {{ livelake.type_money() }})
            as successful_amount,
        topups.channel_id,
        topups.membership_level,
        topups.membership_rank,
        topups.promo_code,
        sequenced.is_repeat_topup,
        sequenced.successful_topup_number,
        sequenced.days_since_prev_topup,
        {% for column in livelake.lake_contract().lineage | map('first') | reject('in', ['run_id', 'extra_columns']) -%}
            topups.{{ column }},
        {% endfor -%}
        {{ livelake.lake_batch() }} as _batch_run_id
    from topups
    inner join sequenced
        on topups.order_id = sequenced.order_id
    {% if is_incremental() %}
        where topups.run_id > {{ watermark }} or sequenced._batch_run_id > {{ watermark }}
    {% endif %}

)

select * from final
{{ livelake.storage_order(['topup_date']) }}
