{#
    kpis.md: the observations of a user's level are top-up rows of any status (at
    topup_at) and User Activity rows (at the end of their day). At equal instants the
    top-up with the larger order_id is later; a User Activity row (end of day d =
    midnight starting d+1) comes before a top-up made at that same midnight, which
    belongs to d+1. Rows without a level are not observations. The order of a
    user's observations is (observed_at, kind_order, order_id). A view: its readers
    take the users and dates they rebuild, never the whole history at once, bounded by
    observed_on (a top-up's topup_date and a report_date are the lake's day partitions,
    so the bound prunes them).
#}

with

topups as (

    select * from {{ ref('stg_lake__top_up') }}

),

activity as (

    select * from {{ ref('stg_lake__user_activity') }}

),

topup_observations as (

    select
        user_id,
        topup_at as observed_at,
        topup_date as observed_on,
        'top_up' as observation_kind,
        order_id,
        membership_level,
        membership_rank,
        _batch_run_id
    from topups
    where membership_level is not null

),

activity_observations as (

    select
        user_id,
        {{ livelake.end_of_day('report_date') }} as observed_at,
        report_date as observed_on,
        'user_activity' as observation_kind,
        cast(null as {{ dbt.type_string() }}) as order_id,
        membership_level,
        membership_rank,
        _batch_run_id
    from activity
    where membership_level is not null

),

{# Both kinds by one column list, so a column added to one cannot shift the other's values. #}
{% set observation_columns = [
    'user_id', 'observed_at', 'observed_on', 'observation_kind', 'order_id',
    'membership_level', 'membership_rank', '_batch_run_id'
] %}

unioned as (

    select {{ observation_columns | join(', ') }} from topup_observations
    union all
    select {{ observation_columns | join(', ') }} from activity_observations

),

final as (

    select
        user_id,
        observed_at,
        observed_on,
        observation_kind,
        order_id,
        membership_level,
        membership_rank,
        {{ livelake.observation_kind_order('observation_kind') }} as kind_order,
        _batch_run_id
    from unioned

)

select * from final
