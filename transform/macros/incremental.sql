{#
    What an incremental run must rebuild, shared by the incremental models.

    Each incremental model stamps its rows with `_batch_ingested_at`, the newest
    batch in the lake's change log (int_lake_changes) when it was built. The
    log's entries after the model's own watermark are the changes it has not seen
    yet, old and new places alike. A model with no watermark yet (empty) treats
    everything as changed, which is a full rebuild.
#}

{% macro lake_batch_ingested_at() -%}
    (select max(_batch_ingested_at) from {{ ref('int_lake_changes') }})
{%- endmacro %}

{% macro model_watermark(relation=this) -%}
    {%- set newest_batch_query -%}
        select coalesce(max(_batch_ingested_at), cast('1970-01-01 00:00:00' as {{ livelake.type_instant() }}))
            as value_of_query
        from {{ relation }}
    {%- endset -%}
    {{ return(livelake.query_literal(newest_batch_query, livelake.type_instant())) }}
{%- endmacro %}

{# The newest lake ingested_at a base model has classified, a literal (null: empty). #}
{% macro lake_watermark(relation=this) -%}
    {{ return(livelake.query_literal(
        'select max(ingested_at) as value_of_query from ' ~ relation, livelake.type_instant()
    )) }}
{%- endmacro %}

{#
    Run-time literals. An incremental model's bounds (its watermark, the earliest
    date a change touches) are read when the model runs and written into its SQL
    as literals: DuckDB prunes a scan by a literal bound (row groups by their
    min / max, lake files by their partition), never by a subquery, and the big
    tables are stored in date order (livelake.storage_order), so a bounded read
    costs the rows it needs. At parse time (no database) the literal is a typed null.
    The query returns its value in a column named `value_of_query`; the value
    travels as text behind a '=' so that dbt's agate tables keep it as written
    (they would otherwise guess a type and reformat it).
#}
{% macro query_literal(query, data_type) -%}
    {%- set literals = livelake.query_literals(query, data_type) -%}
    {{ return(literals[0] if literals else 'cast(null as ' ~ data_type ~ ')') }}
{%- endmacro %}

{# Every value of a query's column `value_of_query`, as a list of typed literals (nulls skipped). #}
{% macro query_literals(query, data_type) -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set texts = run_query(
        'select ' ~ dbt.concat(["'='", 'cast(value_of_query as ' ~ dbt.type_string() ~ ')'])
        ~ ' as value_text from (' ~ query ~ ') as one_column'
    ).columns[0].values() -%}
    {%- set literals = [] -%}
    {%- for text in texts if text is not none -%}
        {%- do literals.append("cast('" ~ text[1:] ~ "' as " ~ data_type ~ ")") -%}
    {%- endfor -%}
    {{ return(literals) }}
{%- endmacro %}

{#
    The order a full build stores a big table in (DuckDB): by date, so the date
    bounds of later incremental runs skip the row groups before them; incremental
    runs append in date order by nature. Nothing on BigQuery, whose tables are
    partitioned and clustered instead.
#}
{% macro storage_order(columns) -%}
    {{ return(adapter.dispatch('storage_order', 'livelake')(columns)) }}
{%- endmacro %}

{% macro default__storage_order(columns) -%}
{%- endmacro %}

{% macro duckdb__storage_order(columns) -%}
    {%- if not is_incremental() -%}
        order by {{ columns | join(', ') }}
    {%- endif -%}
{%- endmacro %}

{#
    Per user, the earliest local date a change since `watermark` touches (top-ups and
    User Activity). Everything a user's history holds before that date is unchanged.
#}
{% macro user_change_cuts(watermark) -%}
    select
        user_id,
        min(change_date) as cut_date
    from {{ ref('int_lake_changes') }}
    where
        _batch_ingested_at > {{ watermark }}
        and user_id is not null
    group by 1
{%- endmacro %}

{# The local dates a change since `watermark` touches, in `lake_tables` (default: any). #}
{% macro changed_dates(watermark, lake_tables=none) -%}
    select distinct change_date
    from {{ ref('int_lake_changes') }}
    where
        _batch_ingested_at > {{ watermark }}
        {% if lake_tables is not none %}
            and lake_table in ('{{ lake_tables | join("', '") }}')
        {% endif %}
{%- endmacro %}

{# The earliest local date any change since `watermark` touches, a literal (null: none). #}
{% macro earliest_change_date(watermark) -%}
    {%- set earliest -%}
        select min(change_date) as value_of_query
        from {{ ref('int_lake_changes') }}
        where _batch_ingested_at > {{ watermark }}
    {%- endset -%}
    {{ return(livelake.query_literal(earliest, 'date')) }}
{%- endmacro %}

{#
    The first date a daily KPI mart rebuilds, a literal: the earliest change since
    its watermark, or an earlier date whose new-user count differs from the built
    row (a corrected registration date moves a user's count to any date) or that has
    no row yet. Every date from it on is rebuilt. `new_users`: a query of
    (registered_at, new_users), with membership_level too when `by_level`.
#}
{% macro kpi_first_rebuilt_date(new_users, by_level=false) -%}
    {%- set first_rebuilt_date -%}
        select min(date_day) as value_of_query
        from (
            select {{ livelake.earliest_change_date(livelake.model_watermark()) }} as date_day

            union all

            select dates.date_day
            from {{ ref('dim_date') }} as dates
            {% if by_level -%}
                cross join ({{ livelake.membership_levels_relation() }}) as levels
            {%- endif %}
            left join ({{ new_users }}) as new_users
                on
                    dates.date_day = new_users.registered_at
                    {% if by_level %}and levels.membership_level = new_users.membership_level{% endif %}
            left join {{ this }} as built
                on
                    dates.date_day = built.date
                    {% if by_level %}and levels.membership_level = built.membership_level{% endif %}
            where built.date is null or built.new_users != coalesce(new_users.new_users, 0)
        ) as rebuilt
    {%- endset -%}
    {{ return(livelake.query_literal(first_rebuilt_date, 'date')) }}
{%- endmacro %}

{#
    A custom incremental strategy (DuckDB): `delete_insert_since`, delete+insert on
    unique_key whose delete reads the target from a literal date on (config
    `since_column`): the earliest `since_column` of the new rows and, with
    `since_change_log=true`, the earliest date the change log holds after the
    model's watermark. A key's replaced row lies on or after that date: it is one of
    the new rows' older versions (they are in the new rows, so the model says), or
    a changed order's old place (logged). On a table stored in that date's order
    the delete then reads the rows from the bound on, where plain delete+insert
    reads every key of the table.
#}
{% macro get_incremental_delete_insert_since_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set source = arg_dict['temp_relation'] -%}
    {%- set unique_key = arg_dict['unique_key'] -%}
    {%- set since_column = config.require('since_column') -%}
    {%- set bounds = ['select min(' ~ since_column ~ ') as since from ' ~ source] -%}
    {%- if config.get('since_change_log', false) -%}
        {%- do bounds.append(
            'select ' ~ livelake.earliest_change_date(livelake.model_watermark(target)) ~ ' as since'
        ) -%}
    {%- endif -%}
    {%- set since = livelake.query_literal(
        'select min(since) as value_of_query from (' ~ bounds | join(' union all ') ~ ') as bounds', 'date'
    ) -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ target }}
    where
        {{ since_column }} >= {{ since }}
        and {{ unique_key }} in (select {{ unique_key }} from {{ source }});

    insert into {{ target }} ({{ columns }})
    select {{ columns }}
    from {{ source }}
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

{#
    The rows of a replace_scopes model: `rows` (a CTE name) and one placeholder per
    scope in `scopes` (a CTE name whose columns are the scope keys), every other
    column null. DuckDB only, like replace_scopes: `union all by name` fills the
    placeholders' missing columns.
#}
{% macro with_scope_placeholders(rows, scopes) -%}
    {{ return(adapter.dispatch('with_scope_placeholders', 'livelake')(rows, scopes)) }}
{%- endmacro %}

{% macro duckdb__with_scope_placeholders(rows, scopes) -%}
    select * from {{ rows }}
    union all by name
    select * from {{ scopes }}
{%- endmacro %}

{% macro default__with_scope_placeholders(rows, scopes) -%}
    {{ exceptions.raise_compiler_error('replace_scopes placeholders are DuckDB-only; build this model as a table') }}
{%- endmacro %}

{#
    The final select of a replace_scopes model: its rows stamped with the batch; in
    an incremental run `incremental_rows` (default: the same rows) plus a
    placeholder per scope of `scopes`.
#}
{% macro replace_scopes_select(rows, incremental_rows=none, scopes='scopes') -%}
    select
        *,
        {{ livelake.lake_batch_ingested_at() }} as _batch_ingested_at
    {% if is_incremental() -%}
        from ({{ livelake.with_scope_placeholders(incremental_rows or rows, scopes) }}) as scoped
    {%- else -%}
        from {{ rows }}
    {%- endif %}
{%- endmacro %}
