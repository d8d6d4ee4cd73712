{#
    One row per order with its latest status. Incremental: the lake's change log
    gives, per user, the earliest date a change touches (a corrected user_id counts
    for both users; livelake.user_change_cuts). Only each such user's orders from
    that date on are re-derived, starting from the state the table already holds for the user's
    earlier orders (how many successful top-ups, the date of the last one):
    is_repeat_topup and days_since_prev_topup depend on the user's whole history, so
    a new day costs one day of orders, and a corrected old day its users' orders since
    then. An order re-exported with the same content is no change; its row takes the
    new export's lineage. Merged on order_id: every order persists, so no row can
    go stale.
#}
{{
    config(
        materialized='incremental',
        incremental_strategy='merge',
        unique_key='order_id',
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
    {% set rebuild_from = livelake.changed_since() %}

    cuts as (

        {{ livelake.user_change_cuts(watermark) }}

    ),

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

user_topups as (

    select topups.*
    from topups
    {% if is_incremental() %}
        inner join cuts
            on
                topups.user_id = cuts.user_id
                and topups.topup_date >= cuts.cut_date
        {# No cut is earlier: a literal bound, so the date-ordered base table is read from there on. #}
        where topups.topup_at >= cast({{ rebuild_from }} as {{ livelake.type_local_timestamp() }})
    {% endif %}

),

sequenced as (

    select
        user_topups.*,
        user_topups.status = 'success' as is_successful,
        coalesce(
            sum(case when user_topups.status = 'success' then 1 else 0 end) over (
                partition by user_topups.user_id
                order by user_topups.topup_at, user_topups.order_id
                rows between unbounded preceding and 1 preceding
            ),
            0
        ) + coalesce(carried.carried_successful_topups, 0) as prior_successful_topups
    from user_topups
    left join carried
        on user_topups.user_id = carried.user_id

),

successful_history as (

    select
        user_topups.order_id,
        coalesce(
            lag(user_topups.topup_date) over (
                partition by user_topups.user_id
                order by user_topups.topup_at, user_topups.order_id
            ),
            carried.carried_successful_topup_date
        ) as prev_successful_topup_date
    from user_topups
    left join carried
        on user_topups.user_id = carried.user_id
    where user_topups.status = 'success'

),

rebuilt as (

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
        {{ livelake.lake_batch() }} as _batch_run_id
    from sequenced
    left join successful_history
        on sequenced.order_id = successful_history.order_id

),

{#
    Orders re-exported with the same content are no change in the log: their built
    row takes the new winning row's lineage. The built rows are read only when there
    is such an order (a new day has none), from the earliest such order's date on.
#}
{#
    The facts of an order (what a re-export with the same content leaves as built)
    and its lineage (what such a re-export replaces).
#}
{% set fact_columns = [
    'order_id', 'user_id', 'topup_at', 'topup_date', 'topup_hour', 'topup_day_segment', 'amount',
    'coins', 'bonus_coins', 'payment_method', 'platform', 'status', 'is_successful',
    'successful_amount', 'channel_id', 'membership_level', 'membership_rank', 'promo_code',
    'is_repeat_topup', 'successful_topup_number', 'days_since_prev_topup'
] %}
{% set lineage_columns = livelake.fact_lineage_columns() %}
{% set relineage = false %}
{% if is_incremental() %}
    {% set relineage_candidates %}
        select
            topups.order_id,
            topups.topup_date,
            topups.source_file,
            topups.source_sheet,
            topups.source_row,
            topups.file_sha256,
            topups.exported_at,
            topups.ingested_at,
            topups.run_id
        from {{ ref('stg_lake__top_up') }} as topups
        left join ({{ livelake.user_change_cuts(watermark) }}) as cuts
            on topups.user_id = cuts.user_id
        where
            topups._batch_run_id > {{ watermark }}
            and topups.run_id > {{ watermark }}
            and (cuts.user_id is null or topups.topup_date < cuts.cut_date)
    {% endset %}
    {% set relineage_from = livelake.query_literals(
        'select min(topup_date) as value_of_query from (' ~ relineage_candidates ~ ') as candidates', 'date'
    ) %}
    {% set relineage = relineage_from | length > 0 %}
{% endif %}

{% if relineage %}

    relineaged as (

        select
            {% for column in fact_columns -%}
                built.{{ column }},
            {% endfor -%}
            {% for column in lineage_columns -%}
                candidates.{{ column }},
            {% endfor -%}
            {{ livelake.lake_batch() }} as _batch_run_id
        from ({{ relineage_candidates }}) as candidates
        inner join {{ this }} as built
            on
                candidates.order_id = built.order_id
                and built.topup_date >= {{ relineage_from[0] }}

    ),

    final as (

        {# Both by the one column list: a column added to one side cannot shift the other's. #}
        select {{ (fact_columns + lineage_columns + ['_batch_run_id']) | join(', ') }} from rebuilt
        union all by name
        select {{ (fact_columns + lineage_columns + ['_batch_run_id']) | join(', ') }} from relineaged

    )

{% else %}

    final as (

        select * from rebuilt

    )

{% endif %}

select * from final
{{ livelake.storage_order(['topup_date']) }}
