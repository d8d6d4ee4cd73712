{#
    Each user's membership level as a type-2 slowly changing dimension derived from
    the observations (int_membership_observations): consecutive observations at the
    same level collapse into one version. valid_from is the instant of the first
    observation at the level (local time), valid_to the instant of the next version
    (null for the current one). valid_from_date / valid_to_date are the local dates of
    those observations: the level "on d" is the version with
    valid_from_date <= d < coalesce(valid_to_date, forever).
#}
with

observations as (

    select * from {{ ref('int_membership_observations') }}

),

with_previous as (

    select
        *,
        lag(membership_level) over (
            partition by user_id order by observation_number
        ) as previous_level,
        lag(membership_rank) over (
            partition by user_id order by observation_number
        ) as previous_rank
    from observations

),

changes as (

    select *
    from with_previous
    where previous_level is null or previous_level != membership_level

),

versions as (

    select
        user_id,
        membership_level,
        membership_rank,
        previous_level as from_level,
        case
            when previous_level is null then 'initial'
            when membership_rank > previous_rank then 'upgrade'
            else 'downgrade'
        end as change_type,
        observation_kind as first_observation_kind,
        order_id as first_observation_order_id,
        observed_at as valid_from,
        observed_on as valid_from_date,
        lead(observed_at) over (partition by user_id order by observation_number) as valid_to,
        lead(observed_on) over (partition by user_id order by observation_number) as valid_to_date,
        row_number() over (partition by user_id order by observation_number) as version_number
    from changes

),

final as (

    select
        {{ dbt.concat(['user_id', "'-'", dbt.safe_cast('version_number', dbt.type_string())]) }}
            as membership_version_id,
        user_id,
        version_number,
        membership_level,
        membership_rank,
        from_level,
        change_type,
        first_observation_kind,
        first_observation_order_id,
        valid_from,
        valid_to,
        valid_from_date,
        valid_to_date,
        valid_to is null as is_current
    from versions

)

select * from final
