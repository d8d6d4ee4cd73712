{#
    Funnel by weekly registration cohort (ISO week of registered_at):
    registered -> active (in a DAU set on or after registration, i.e.
    dim_users.last_dau_date >= registered_at) -> first top-up (at least one
    successful top-up) -> repeat top-up (a second one). Counts and the step
    conversion rates; overall_conversion_rate = first top-up / registered.
#}
with

users as (

    select * from {{ ref('dim_users') }}

),

cohorts as (

    select
        {{ livelake.week_start('registered_at') }} as cohort_week,
        user_id,
        coalesce(last_dau_date >= registered_at, false) as is_activated,
        successful_topups >= 1 as has_first_topup,
        successful_topups >= 2 as has_repeat_topup
    from users
    where registered_at is not null

),

counts as (

    select
        cohort_week,
        count(*) as registered_users,
        sum(case when is_activated then 1 else 0 end) as active_users,
        sum(case when has_first_topup then 1 else 0 end) as first_topup_users,
        sum(case when has_repeat_topup then 1 else 0 end) as repeat_topup_users
    from cohorts
    group by 1

),

final as (

    select
        cohort_week,
        cast(registered_users as {{ dbt.type_bigint() }}) as registered_users,
        cast(active_users as {{ dbt.type_bigint() }}) as active_users,
        cast(first_topup_users as {{ dbt.type_bigint() }}) as first_topup_users,
        cast(repeat_topup_users as {{ dbt.type_bigint() }}) as repeat_topup_users,
        {{ livelake.safe_ratio('active_users', 'registered_users') }} as activation_rate,
        {{ livelake.safe_ratio('first_topup_users', 'active_users') }} as first_topup_rate,
        {{ livelake.safe_ratio('repeat_topup_users', 'first_topup_users') }} as repeat_topup_rate,
        {{ livelake.safe_ratio('first_topup_users', 'registered_users') }} as overall_conversion_rate
    from counts

)

select * from final
