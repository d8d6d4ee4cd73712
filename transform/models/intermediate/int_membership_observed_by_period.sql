{# Users with at least one level observation, per day and per month. #}
with

observations as (

    select * from {{ ref('int_membership_observations') }}

),

grains as (

    select 'day' as period_grain
    union all
    select 'month' as period_grain

),

final as (

    select distinct
        grains.period_grain,
        case
            when grains.period_grain = 'day' then observations.observed_on
            else {{ livelake.month_start('observations.observed_on') }}
        end as period_start,
        observations.user_id
    from observations
    cross join grains

)

select * from final
