{#
    One row per user seen in User Activity or top-ups. registered_at is the earliest
    registration date reported for the user (kpis.md); first seen is the first day
    with any resolved row; the current level is the latest observation's.
#}
with

activity as (

    select * from {{ ref('stg_lake__user_activity') }}

),

topups as (

    select * from {{ ref('fct_topup') }}

),

membership as (

    select * from {{ ref('dim_user_membership_history') }}

),

appearances as (

    select
        user_id,
        report_date as seen_on
    from activity
    union all
    select
        user_id,
        topup_date as seen_on
    from topups

),

spans as (

    select
        user_id,
        min(seen_on) as first_seen_date,
        max(seen_on) as last_seen_date
    from appearances
    group by 1

),

registrations as (

    select
        user_id,
        min(registered_at) as registered_at
    from activity
    group by 1

),

first_topups as (

    select
        user_id,
        min(topup_at) as first_topup_at,
        min(topup_date) as first_topup_date,
        cast(count(*) as {{ dbt.type_bigint() }}) as successful_topups,
        sum(amount) as lifetime_topup_revenue
    from topups
    where is_successful
    group by 1

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

final as (

    select
        spans.user_id,
        registrations.registered_at,
        spans.first_seen_date,
        spans.last_seen_date,
        first_topups.first_topup_at,
        first_topups.first_topup_date,
        coalesce(first_topups.successful_topups, 0) as successful_topups,
        cast(coalesce(first_topups.lifetime_topup_revenue, 0) as {{ livelake.type_money() }})
            as lifetime_topup_revenue,
        current_level.membership_level as current_membership_level,
        current_level.membership_rank as current_membership_rank,
        current_level.membership_level_since
    from spans
    left join registrations
        on spans.user_id = registrations.user_id
    left join first_topups
        on spans.user_id = first_topups.user_id
    left join current_level
        on spans.user_id = current_level.user_id

)

select * from final
