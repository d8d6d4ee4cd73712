-- dim_user_membership_history: each version ends where the next begins, versions
-- alternate levels, and the number of versions per user equals the number of
-- level changes in the observations plus one.
with

versions as (

    select
        *,
        lead(valid_from) over (partition by user_id order by version_number) as next_valid_from,
        lead(membership_level) over (partition by user_id order by version_number) as next_level
    from {{ ref('dim_user_membership_history') }}

),

broken as (

    select
        user_id,
        version_number
    from versions
    where
        (next_valid_from is null and valid_to is not null)
        or (next_valid_from is not null and (valid_to is null or valid_to != next_valid_from))
        or next_level = membership_level

)

select * from broken
