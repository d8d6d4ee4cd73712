{#
    One row per user and day on which the user shows up in the resolved reports: a
    User Activity row, or a top-up order of any status. is_dau marks the kpis.md DAU
    set (activity with any of watch_minutes, messages_sent, gifts_sent_coins > 0,
    united with the paying users of the day).

    Incremental on dates: a run rebuilds exactly the dates the change log holds since
    the last build for the lake tables it reads (a corrected deduction report leaves
    its date alone), and merges them on the row's key; a rebuilt date's row the new
    rows lack is deleted, and the merge reads its target from the first rebuilt date
    on. A row depends only on its day's resolved rows (the level at the end of d is
    the last observation of d), so nothing else needs rebuilding.
#}
{% set lake_tables = ['top_up', 'user_activity'] %}{# its filter's and its delete scope's #}
{{
    config(
        materialized='incremental',
        incremental_strategy='merge',
        unique_key=['activity_date', 'user_id'],
        merge_clauses=livelake.delete_missing_rows(livelake.rebuilt_dates('activity_date', lake_tables)),
        incremental_predicates=livelake.target_since('activity_date'),
        partition_by=livelake.day_partitioned('activity_date'),
        cluster_by=livelake.clustered(['user_id']),
        on_schema_change='fail'
    )
}}

with

activity as (

    select * from {{ ref('stg_lake__user_activity') }}

),

topups as (

    select * from {{ ref('stg_lake__top_up') }}

),

observations as (

    select * from {{ ref('int_membership_observations') }}

),

{% if is_incremental() %}
    {% set watermark = livelake.model_watermark() %}
    {# No rebuilt date is earlier: a literal bound; date-ordered tables and the target are read from it on. #}
    {% set rebuild_from = livelake.merge_since(livelake.changed_since()) %}
    {% set affected_dates = livelake.changed_dates(watermark, lake_tables) %}
{% endif %}

daily_activity as (

    select
        report_date as activity_date,
        user_id,
        registered_at,
        watch_minutes,
        channels_watched,
        messages_sent,
        gifts_sent_coins,
        is_engaged
    from activity
    {% if is_incremental() %}
        where
            report_date >= {{ rebuild_from }}
            and report_date in ({{ affected_dates }})
    {% endif %}

),

daily_topups as (

    select
        topup_date as activity_date,
        user_id,
        cast(count(*) as {{ dbt.type_bigint() }}) as topup_orders,
        cast(sum(case when status = 'success' then 1 else 0 end) as {{ dbt.type_bigint() }}) as successful_topups,
        cast(sum(case when status = 'refunded' then 1 else 0 end) as {{ dbt.type_bigint() }}) as refunded_topups,
        sum(case when status = 'success' then amount else 0 end) as topup_revenue
    from topups
    {% if is_incremental() %}
        where
            topup_date >= {{ rebuild_from }}
            and topup_date in ({{ affected_dates }})
    {% endif %}
    group by 1, 2

),

last_observation_of_day as (

    select
        observed_on as activity_date,
        user_id,
        membership_level,
        membership_rank,
        row_number() over (
            partition by user_id, observed_on
            order by observed_at desc, kind_order desc, order_id desc
        ) as recency
    from observations
    {% if is_incremental() %}
        where
            observed_at >= cast({{ rebuild_from }} as {{ livelake.type_local_timestamp() }})
            and observed_on >= {{ rebuild_from }}
            and observed_on in ({{ affected_dates }})
    {% endif %}

),

final as (

    select
        coalesce(daily_activity.activity_date, daily_topups.activity_date) as activity_date,
        coalesce(daily_activity.user_id, daily_topups.user_id) as user_id,
        last_observation_of_day.membership_level,
        last_observation_of_day.membership_rank,
        daily_activity.activity_date is not null as has_activity_row,
        daily_activity.registered_at as reported_registered_at,
        coalesce(daily_activity.watch_minutes, 0) as watch_minutes,
        coalesce(daily_activity.channels_watched, 0) as channels_watched,
        coalesce(daily_activity.messages_sent, 0) as messages_sent,
        coalesce(daily_activity.gifts_sent_coins, 0) as gifts_sent_coins,
        coalesce(daily_activity.is_engaged, false) as is_engaged,
        coalesce(daily_topups.topup_orders, 0) as topup_orders,
        coalesce(daily_topups.successful_topups, 0) as successful_topups,
        coalesce(daily_topups.refunded_topups, 0) as refunded_topups,
        cast(coalesce(daily_topups.topup_revenue, 0) as {{ livelake.type_money() }}) as topup_revenue,
        coalesce(daily_topups.successful_topups, 0) > 0 as is_paying,
        coalesce(daily_activity.is_engaged, false) or coalesce(daily_topups.successful_topups, 0) > 0 as is_dau,
        {{ livelake.lake_batch() }} as _batch_run_id
    from daily_activity
    full outer join daily_topups
        on
            daily_activity.activity_date = daily_topups.activity_date
            and daily_activity.user_id = daily_topups.user_id
    left join last_observation_of_day
        on
            coalesce(daily_activity.activity_date, daily_topups.activity_date) = last_observation_of_day.activity_date
            and coalesce(daily_activity.user_id, daily_topups.user_id) = last_observation_of_day.user_id
            and last_observation_of_day.recency = 1

)

select * from final
{{ livelake.storage_order(['activity_date']) }}
