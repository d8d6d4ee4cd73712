{#
    Each user's membership level as a type-2 slowly changing dimension derived from
    the observations (int_membership_observations): consecutive observations at the
    same level collapse into one version. valid_from is the instant of the first
    observation at the level (local time), valid_to the instant of the next version
    (null for the current one). valid_from_date / valid_to_date are the local dates of
    those observations: the level "on d" is the version with
    valid_from_date <= d < coalesce(valid_to_date, forever).

    Incremental: for each user a change touches from cut date c on
    (livelake.user_change_cuts), the versions that began before c stay as built; the
    last of them is continued with the observations from c on, which may close it and
    open new versions. The user's rows are merged whole; a rebuilt user's version
    the new rows lack (a user left with fewer observations, or none) is deleted.
#}
{{
    config(
        materialized='incremental',
        incremental_strategy='merge',
        unique_key=['user_id', 'version_number'],
        merge_clauses=livelake.delete_missing_rows(livelake.rebuilt_users()),
        cluster_by=livelake.clustered(['user_id']),
        on_schema_change='fail'
    )
}}

with

observations as (

    select * from {{ ref('int_membership_observations') }}

),

{% if is_incremental() %}

    {% set watermark = livelake.model_watermark() %}
    {# No cut is earlier: a literal bound, so the date-ordered base tables are read from there on. #}
    {% set rebuild_from = livelake.changed_since() %}

    cuts as (

        {{ livelake.user_change_cuts(watermark) }}

    ),

    built as (

        select built.*
        from {{ this }} as built
        inner join cuts
            on built.user_id = cuts.user_id

    ),

    kept as (

        {# The versions that began before the cut; the last one is continued below. #}
        select
            built.*,
            row_number() over (
                partition by built.user_id order by built.version_number desc
            ) = 1 as is_continued
        from built
        inner join cuts
            on
                built.user_id = cuts.user_id
                and built.valid_from_date < cuts.cut_date

    ),

{% endif %}

{# Every part of the sequence by one column list (no positional surprise). #}
{% set sequence_columns = [
    'user_id', 'observed_at', 'observed_on', 'kind_order', 'order_id', 'observation_kind',
    'membership_level', 'membership_rank', 'continued_from_level', 'continued_change_type',
    'version_offset'
] %}

new_observations as (

    select
        observations.user_id,
        observations.observed_at,
        observations.observed_on,
        observations.kind_order,
        observations.order_id,
        observations.observation_kind,
        observations.membership_level,
        observations.membership_rank,
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
    {% endif %}

),

{% if is_incremental() %}

    continued_versions as (

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
            cast(version_number - 1 as {{ dbt.type_bigint() }}) as version_offset
        from kept
        where is_continued

    ),

{% endif %}

sequence as (

    select {{ sequence_columns | join(', ') }} from new_observations
    {% if is_incremental() %}
        union all by name
        select {{ sequence_columns | join(', ') }} from continued_versions
    {% endif %}

),

with_previous as (

    select
        *,
        lag(membership_level) over (
            partition by user_id order by observed_at, kind_order, order_id
        ) as previous_level,
        lag(membership_rank) over (
            partition by user_id order by observed_at, kind_order, order_id
        ) as previous_rank,
        max(version_offset) over (partition by user_id) as user_version_offset
    from sequence

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
        case
            when continued_change_type is not null then continued_from_level
            else previous_level
        end as from_level,
        case
            when continued_change_type is not null then continued_change_type
            when previous_level is null then 'initial'
            when membership_rank > previous_rank then 'upgrade'
            else 'downgrade'
        end as change_type,
        observation_kind as first_observation_kind,
        order_id as first_observation_order_id,
        observed_at as valid_from,
        observed_on as valid_from_date,
        lead(observed_at) over (
            partition by user_id order by observed_at, kind_order, order_id
        ) as valid_to,
        lead(observed_on) over (
            partition by user_id order by observed_at, kind_order, order_id
        ) as valid_to_date,
        user_version_offset + row_number() over (
            partition by user_id order by observed_at, kind_order, order_id
        ) as version_number
    from changes

),

{# The columns of a version, kept and rebuilt alike. #}
{% set version_columns = [
    'membership_version_id', 'user_id', 'version_number', 'membership_level', 'membership_rank',
    'from_level', 'change_type', 'first_observation_kind', 'first_observation_order_id',
    'valid_from', 'valid_to', 'valid_from_date', 'valid_to_date', 'is_current'
] %}

rebuilt as (

    select
        {{ dbt.concat(['user_id', "'-'", dbt.safe_cast('version_number', dbt.type_string())]) }}
            as membership_version_id,
        user_id,
        cast(version_number as {{ dbt.type_bigint() }}) as version_number,
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

),

{% if is_incremental() %}

    user_rows as (

        select {{ version_columns | join(', ') }} from rebuilt
        union all by name
        select {{ version_columns | join(', ') }} from kept
        where not is_continued

    ),

{% endif %}

final as (

    select
        *,
        {{ livelake.lake_batch() }} as _batch_run_id
    from {{ 'user_rows' if is_incremental() else 'rebuilt' }}

)

select * from final
