{#
    One row per user seen in User Activity or top-ups, from the facts: a user-day of
    fct_user_activity exists for every activity row and every top-up day.
    registered_at is the earliest registration date reported for the user (kpis.md);
    first / last seen are the first and last day with any resolved row; last_dau_date
    is the user's last day in a DAU set; the current level is the latest
    observation's.

    Incremental: only the users a change touches (livelake.user_change_cuts) are
    recomputed and merged; a rebuilt user the new rows lack (every row moved to
    another user) is deleted.
#}
{{
    config(
        materialized='incremental',
        incremental_strategy='merge',
        unique_key='user_id',
        merge_clauses=livelake.delete_missing_rows(livelake.rebuilt_users()),
        cluster_by=livelake.clustered(['user_id']),
        on_schema_change='fail'
    )
}}

with

user_days as (

    select * from {{ ref('fct_user_activity') }}

),

topups as (

    select * from {{ ref('fct_topup') }}

),

membership as (

    select * from {{ ref('dim_user_membership_history') }}

),

{% if is_incremental() %}

    cuts as (

        {{ livelake.user_change_cuts(livelake.model_watermark()) }}

    ),

{% endif %}

users_days as (

    select user_days.*
    from user_days
    {% if is_incremental() %}
        inner join cuts
            on user_days.user_id = cuts.user_id
    {% endif %}

),

per_user as (

    select
        user_id,
        min(reported_registered_at) as registered_at,
        min(activity_date) as first_seen_date,
        max(activity_date) as last_seen_date,
        max(case when is_dau then activity_date end) as last_dau_date,
        min(case when successful_topups > 0 then activity_date end) as first_topup_date,
        cast(sum(successful_topups) as {{ dbt.type_bigint() }}) as successful_topups,
        sum(topup_revenue) as lifetime_topup_revenue
    from users_days
    group by 1

),

first_topups as (

    select
        user_id,
        topup_at as first_topup_at
    from topups
    where successful_topup_number = 1

),

current_level as (

    select
        user_id,
        membership_level,
        membership_rank,
        valid_from as membership_level_since
    from membership
    where is_current

),

rebuilt as (

    select
        per_user.user_id,
        per_user.registered_at,
        per_user.first_seen_date,
        per_user.last_seen_date,
        per_user.last_dau_date,
        first_topups.first_topup_at,
        per_user.first_topup_date,
        per_user.successful_topups,
        cast(per_user.lifetime_topup_revenue as {{ livelake.type_money() }}) as lifetime_topup_revenue,
        current_level.membership_level as current_membership_level,
        current_level.membership_rank as current_membership_rank,
        current_level.membership_level_since
    from per_user
    left join first_topups
        on per_user.user_id = first_topups.user_id
    left join current_level
        on per_user.user_id = current_level.user_id

),

final as (

    select
        *,
        {{ livelake.lake_batch() }} as _batch_run_id
    from rebuilt

)

select * from final
