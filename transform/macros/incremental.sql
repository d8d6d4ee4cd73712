{#
    What an incremental run must rebuild, shared by the incremental models.

    Each incremental model stamps its rows with `_batch_ingested_at`, the newest
    ingested_at of the lake's top-up and User Activity rows it was built from
    (livelake.lake_batch_ingested_at). Lake rows ingested after the model's own
    watermark are the changes it has not seen yet (every version of a touched order,
    every export of a touched report date, so corrections count at both their old
    and their new place). A model with no watermark yet (empty) treats everything as
    changed, which is a full rebuild.

    Models that call these macros inside `is_incremental()` declare the base models
    with a `-- depends_on:` line: dbt parses with is_incremental() false.
#}

{% macro lake_batch_ingested_at() -%}
    (
        select max(batch_ingested_at)
        from (
            select max(ingested_at) as batch_ingested_at from {{ ref('base_lake__top_up') }}
            union all
            select max(ingested_at) as batch_ingested_at from {{ ref('base_lake__user_activity') }}
        ) as batches
    )
{%- endmacro %}

{% macro model_watermark(relation=this) -%}
    (
        select coalesce(max(_batch_ingested_at), cast('1970-01-01 00:00:00' as {{ dbt.type_timestamp() }}))
        from {{ relation }}
    )
{%- endmacro %}

{#
    Per user, the earliest local date a change since `watermark` touches: the dates
    of every version of each changed order (old and new user alike), and every user
    of each changed User Activity report date (in any export of it). Everything a
    user's history holds before that date is unchanged.
#}
{% macro user_change_cuts(watermark) -%}
    select
        user_id,
        min(change_date) as cut_date
    from (
        select
            user_id,
            cast(topup_at as date) as change_date
        from {{ ref('base_lake__top_up') }}
        where order_id in (
            select order_id from {{ ref('base_lake__top_up') }}
            where ingested_at > {{ watermark }}
        )

        union all

        select
            user_id,
            report_date as change_date
        from {{ ref('base_lake__user_activity') }}
        where report_date in (
            select report_date from {{ ref('base_lake__user_activity') }}
            where ingested_at > {{ watermark }}
        )
    ) as changes
    where user_id is not null
    group by 1
{%- endmacro %}

{# The earliest local date any change since `watermark` touches (null: none). #}
{% macro earliest_change_date(watermark) -%}
    (
        select min(change_date)
        from (
            select cast(topup_at as date) as change_date
            from {{ ref('base_lake__top_up') }}
            where order_id in (
                select order_id from {{ ref('base_lake__top_up') }}
                where ingested_at > {{ watermark }}
            )

            union all

            select report_date as change_date
            from {{ ref('base_lake__user_activity') }}
            where ingested_at > {{ watermark }}
        ) as changes
    )
{%- endmacro %}

{#
    A custom incremental strategy (DuckDB): `replace_scopes`. The model's incremental
    SQL returns every row of each scope it rebuilds (a scope is a value of
    unique_key, e.g. a user), and for a scope left with no rows one placeholder row
    matching the model's `placeholder_where`. The target's rows of those scopes are
    deleted, then the non-placeholder rows inserted, in one transaction. Unlike
    delete+insert, a scope whose rows all disappear (a corrected order moved to
    another user) is emptied instead of left stale.
#}
{% macro get_incremental_replace_scopes_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set source = arg_dict['temp_relation'] -%}
    {%- set unique_key = arg_dict['unique_key'] -%}
    {%- set keys = [unique_key] if unique_key is string else unique_key -%}
    {%- set placeholder_where = config.require('placeholder_where') -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ target }} as replaced
    using (select distinct {{ keys | join(', ') }} from {{ source }}) as scopes
    where
        {% for key in keys -%}
            replaced.{{ key }} = scopes.{{ key }}{{ ' and ' if not loop.last }}
        {%- endfor %};

    insert into {{ target }} ({{ columns }})
    select {{ columns }}
    from {{ source }}
    where not ({{ placeholder_where }})
{%- endmacro %}
