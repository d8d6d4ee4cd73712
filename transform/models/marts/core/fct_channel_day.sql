{#
    One row per channel and day: the channel's resolved Channel Stats row (if any),
    full-outer joined with the top-ups attributed to it (successful top-ups whose
    channel_id is the channel, by local top-up date).

    Incremental (DuckDB): a row depends on its own day only, so the dates in the
    lake's change log since the last build are replaced (delete+insert on
    channel_date: a date left with no row is emptied). A table on BigQuery.
#}
{{
    config(
        materialized=livelake.per_adapter(duckdb='incremental', bigquery='table'),
        partition_by=livelake.day_partitioned('channel_date'),
        cluster_by=livelake.clustered(['channel_id']),
        unique_key='channel_date',
        incremental_strategy='delete+insert',
        post_hook="{{ livelake.drop_scope_placeholders() }}",
        on_schema_change='fail'
    )
}}

with

{% if is_incremental() %}

    {% set watermark = livelake.model_watermark() %}
    {# No rebuilt date is earlier: a literal bound (fct_topup is stored in date order). #}
    {% set rebuild_from = livelake.earliest_change_date(watermark) %}

    rebuilt_dates as (

        {{ livelake.changed_dates(watermark) }}

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

{% if is_incremental() %}

    scopes as (

        {# The scopes this run replaces: a placeholder each, so an emptied scope goes. #}
        select change_date as channel_date
        from rebuilt_dates

    ),

{% endif %}

final as (

    {{ livelake.scoped_rows_select('channel_days') }}

)

select * from final
