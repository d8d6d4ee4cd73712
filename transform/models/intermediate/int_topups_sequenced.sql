{#
    Each top-up's place among its user's successful top-ups (kpis.md), in the order
    (topup_at, order_id). A run re-sequences each changed user's orders from the
    earliest date a change touches (livelake.user_change_cuts; a corrected user_id
    counts for both users), starting from the state this table holds for the earlier
    orders, and merges (on order_id, the target read from the earliest cut on) only
    the orders whose place changed: a level correction changes nothing here.
#}
{{
    config(
        materialized='incremental',
        incremental_strategy='merge',
        unique_key='order_id',
        partition_by=livelake.day_partitioned('topup_date'),
        incremental_predicates=livelake.target_since('topup_date'),
        cluster_by=livelake.clustered(['user_id', 'order_id']),
        meta={'reads_own_rows': true},
        on_schema_change='fail'
    )
}}

with

{% if is_incremental() %}
    {# No cut is earlier: a literal bound, so the date-partitioned tables are read from there on. #}
    {% set since = livelake.merge_since(livelake.changed_since()) %}

    cuts as (

        {{ livelake.user_change_cuts(livelake.model_watermark()) }}

    ),

    carried as (

        {# Each re-sequenced user's state before the cut, from the rows already built. #}
        select
            built.user_id,
            count(built.successful_topup_number) as carried_successful_topups,
            max(case when built.successful_topup_number is not null then built.topup_date end)
                as carried_successful_topup_date
        from {{ this }} as built
        inner join cuts
            on
                built.user_id = cuts.user_id
                and built.topup_date < cuts.cut_date
        group by 1

    ),
{% else %}
    carried as (

        {# A full build starts every user from nothing. #}
        select
            cast(null as {{ dbt.type_string() }}) as user_id,
            0 as carried_successful_topups,
            cast(null as date) as carried_successful_topup_date
        where 1 = 0

    ),
{% endif %}

topups as (

    select
        stg.order_id,
        stg.user_id,
        stg.topup_at,
        stg.topup_date,
        stg.status = 'success' as is_successful
    from {{ ref('stg_lake__top_up') }} as stg
    {% if is_incremental() %}
        inner join cuts
            on
                stg.user_id = cuts.user_id
                and stg.topup_date >= cuts.cut_date
        where stg.topup_date >= {{ since }}
    {% endif %}

),

sequenced as (

    {# Dates follow topup_at, so the latest earlier successful date is the previous success's. #}
    select
        topups.*,
        coalesce(carried.carried_successful_topups, 0) + coalesce(
            sum(case when topups.is_successful then 1 else 0 end) over (
                partition by topups.user_id
                order by topups.topup_at, topups.order_id
                rows between unbounded preceding and 1 preceding
            ),
            0
        ) as prior_successful_topups,
        coalesce(
            max(case when topups.is_successful then topups.topup_date end) over (
                partition by topups.user_id
                order by topups.topup_at, topups.order_id
                rows between unbounded preceding and 1 preceding
            ),
            carried.carried_successful_topup_date
        ) as prev_successful_topup_date
    from topups
    left join carried
        on topups.user_id = carried.user_id

),

resequenced as (

    select
        order_id,
        user_id,
        topup_date,
        prior_successful_topups > 0 as is_repeat_topup,
        case when is_successful then cast(prior_successful_topups + 1 as {{ dbt.type_bigint() }}) end
            as successful_topup_number,
        case
            when is_successful then {{ dbt.datediff(
                'prev_successful_topup_date', 'topup_date', 'day'
            ) }}
        end as days_since_prev_topup,
        {{ livelake.lake_batch() }} as _batch_run_id
    from sequenced

),

final as (

    select resequenced.*
    from resequenced
    {% if is_incremental() %}
        left join {{ this }} as built
            on
                resequenced.order_id = built.order_id
                and built.topup_date >= {{ since }}
        where
            not (
                resequenced.user_id is not distinct from built.user_id
                and resequenced.topup_date is not distinct from built.topup_date
                and resequenced.is_repeat_topup is not distinct from built.is_repeat_topup
                and resequenced.successful_topup_number is not distinct from built.successful_topup_number
                and resequenced.days_since_prev_topup is not distinct from built.days_since_prev_topup
            )
    {% endif %}

)

select * from final
{{ livelake.storage_order(['topup_date']) }}
