{#
    One row per channel and day: the channel's resolved Channel Stats row (if any),
    full-outer joined with the top-ups attributed to it (successful top-ups whose
    channel_id is the channel, by local top-up date).

    Incremental: a row depends on its own day of channel_stats and top_up only
    (fct_topup reads top_up alone), so the dates in the lake's change log since the
    last build for those two tables are rebuilt and merged; a rebuilt date's row the
    new rows lack is deleted.
#}
{# The lake tables whose changes it rebuilds: its filter and its merge's delete scope alike. #}
{% set lake_tables = ['top_up', 'channel_stats'] %}
{{
    config(
        materialized='incremental',
        incremental_strategy='merge',
        unique_key=['channel_date', 'channel_id'],
        merge_clauses=livelake.delete_missing_rows(livelake.rebuilt_dates('channel_date', lake_tables)),
        partition_by=livelake.day_partitioned('channel_date'),
        cluster_by=livelake.clustered(['channel_id']),
        on_schema_change='fail'
    )
}}

with

{% if is_incremental() %}

    {% set watermark = livelake.model_watermark() %}
    {# No rebuilt date is earlier: a literal bound (fct_topup is stored in date order). #}
    {% set rebuild_from = livelake.changed_since() %}

    rebuilt_dates as (

        {{ livelake.changed_dates(watermark, lake_tables) }}

    ),

{% endif %}

channel_stats as (

    select * from {{ ref('stg_lake__channel_stats') }}
    {% if is_incremental() %}
        where report_date in (select rebuilt.change_date from rebuilt_dates as rebuilt)
    {% endif %}

),

topups as (

    select * from {{ ref('fct_topup') }}
    {% if is_incremental() %}
        where
            topup_date >= {{ rebuild_from }}
            and topup_date in (select rebuilt.change_date from rebuilt_dates as rebuilt)
    {% endif %}

),

attributed as (

    select
        topup_date as channel_date,
        channel_id,
        cast(count(*) as {{ dbt.type_bigint() }}) as attributed_orders,
        cast(count(distinct user_id) as {{ dbt.type_bigint() }}) as attributed_paying_users,
        sum(amount) as attributed_revenue
    from topups
    where is_successful and channel_id is not null
    group by 1, 2

),

channel_days as (

    select
        {{ dbt.concat([
            dbt.safe_cast('coalesce(channel_stats.report_date, attributed.channel_date)', dbt.type_string()),
            "'-'",
            'coalesce(channel_stats.channel_id, attributed.channel_id)'
        ]) }} as channel_day_id,
        coalesce(channel_stats.report_date, attributed.channel_date) as channel_date,
        coalesce(channel_stats.channel_id, attributed.channel_id) as channel_id,
        channel_stats.channel_id is not null as has_channel_stats,
        channel_stats.channel_name,
        channel_stats.category,
        channel_stats.live_minutes,
        channel_stats.unique_viewers,
        channel_stats.peak_concurrent_viewers,
        channel_stats.new_followers,
        channel_stats.chat_messages,
        channel_stats.gift_senders,
        coalesce(attributed.attributed_orders, 0) as attributed_orders,
        coalesce(attributed.attributed_paying_users, 0) as attributed_paying_users,
        cast(coalesce(attributed.attributed_revenue, 0) as {{ livelake.type_money() }})
            as attributed_revenue
    from channel_stats
    full outer join attributed
        on
            channel_stats.report_date = attributed.channel_date
            and channel_stats.channel_id = attributed.channel_id

),

final as (

    select
        *,
        {{ livelake.lake_batch() }} as _batch_run_id
    from channel_days

)

select * from final
