{#
    Funnel by weekly registration cohort (ISO week of registered_at):
    registered -> active (in a DAU set on or after registration) -> first top-up
    (at least one successful top-up) -> repeat top-up (a second one). Counts and the
    step conversion rates; overall_conversion_rate = first top-up / registered.
#}
with

users as (

    select * from {{ ref('dim_users') }}

),

user_days as (

    select * from {{ ref('fct_user_activity') }}

),

activated as (

    select distinct users.user_id
    from users
    inner join user_days
        on
            users.user_id = user_days.user_id
            and users.registered_at <= user_days.activity_date
            and user_days.is_dau

),

cohorts as (

    select
        {{ livelake.week_start('users.registered_at') }} as cohort_week,
        users.user_id,
        activated.user_id is not null as is_activated,
        users.successful_topups >= 1 as has_first_topup,
        users.successful_topups >= 2 as has_repeat_topup
    from users
    left join activated
        on users.user_id = activated.user_id
    where users.registered_at is not null

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
