{#
    Each user's membership level as a type-2 slowly changing dimension of the observations:
    consecutive observations at one level are one version, valid from its first observation
    (instant and local date) to the next version's; the level "on d" is the version with
    valid_from_date <= d < coalesce(valid_to_date, forever). Incremental: for each user a
    change touches from date c on, the versions begun before c stay as built, the last one
    continued with the observations from c on; a version the new rows lack is deleted.
#}
{{
    config(
        materialized='incremental',
        incremental_strategy='merge',
        unique_key=['user_id', 'version_number'],
        merge_clauses=livelake.delete_missing_rows(livelake.rebuilt_users()),
        cluster_by=livelake.clustered(['user_id']),
        meta={'reads_own_rows': true},
        on_schema_change='fail'
    )
}}

with

observations as (

    select * from {{ ref('int_membership_observations') }}

),

{% if is_incremental() %}
    {# No cut is earlier: a literal bound, so the date-ordered base tables are read from there on. #}
    {% set rebuild_from = livelake.changed_since() %}

    cuts as (
        {{ livelake.user_change_cuts(livelake.model_watermark()) }}
    ),

    kept as (

        select
            built.*,
            row_number() over (partition by built.user_id order by built.version_number desc) = 1 as is_continued
        from {{ this }} as built
        inner join cuts
            on
                built.user_id = cuts.user_id
                and built.valid_from_date < cuts.cut_date

    ),
{% endif %}

sequence as (

    select
        observations.*,
        cast(null as {{ dbt.type_string() }}) as continued_from_level,
        cast(null as {{ dbt.type_string() }}) as continued_change_type,
        cast(0 as {{ dbt.type_bigint() }}) as version_offset
    from observations
    {% if is_incremental() %}
        inner join cuts
            on
                observations.user_id = cuts.user_id
                and observations.observed_on >= cuts.cut_date
        where
            observations.observed_at >= cast({{ rebuild_from }} as {{ livelake.type_local_timestamp() }})
            and observations.observed_on >= {{ rebuild_from }}
        union all by name
        {# The continued version, as the first observation of its level. #}
        select
            user_id,
            valid_from as observed_at,
            valid_from_date as observed_on,
            {{ livelake.observation_kind_order('first_observation_kind') }} as kind_order,
            first_observation_order_id as order_id,
            first_observation_kind as observation_kind,
            membership_level,
            membership_rank,
            from_level as continued_from_level,
            change_type as continued_change_type,
            cast(version_number - 1 as {{ dbt.type_bigint() }}) as version_offset,
            _batch_run_id
        from kept
        where is_continued
    {% endif %}

),

changes as (

    select *
    from (
        select
            *,
            lag(membership_level) over by_time as previous_level,
            lag(membership_rank) over by_time as previous_rank,
            max(version_offset) over (partition by user_id) as user_version_offset
        from sequence
        window by_time as (partition by user_id order by observed_at, kind_order, order_id)
    ) as with_previous
    where previous_level is null or previous_level != membership_level

),

versions as (

    select
        user_id,
        cast(user_version_offset + row_number() over by_time as {{ dbt.type_bigint() }}) as version_number,
        membership_level,
        membership_rank,
        coalesce(continued_from_level, previous_level) as from_level,
        case
            when continued_change_type is not null then continued_change_type
            when previous_level is null then 'initial'
            when membership_rank > previous_rank then 'upgrade'
            else 'downgrade'
        end as change_type,
        observation_kind as first_observation_kind,
        order_id as first_observation_order_id,
        observed_at as valid_from,
        lead(observed_at) over by_time as valid_to,
        observed_on as valid_from_date,
        lead(observed_on) over by_time as valid_to_date,
        lead(observed_at) over by_time is null as is_current
    from changes
    window by_time as (partition by user_id order by observed_at, kind_order, order_id)

),

final as (

    select
        {{ dbt.concat(['user_id', "'-'", dbt.safe_cast('version_number', dbt.type_string())]) }}
            as membership_version_id,
        *,
        {{ livelake.lake_batch() }} as _batch_run_id
    from versions
    {% if is_incremental() %}
        union all by name
        {% set built_columns = adapter.get_columns_in_relation(this) | map(attribute='name') %}
        select
            {{ built_columns | reject('equalto', '_batch_run_id') | join(', ') }},
            {{ livelake.lake_batch() }} as _batch_run_id
        from kept
        where not is_continued
    {% endif %}

)

select * from final
