{#
    What an incremental run must rebuild, shared by the incremental models.

    Each incremental model stamps its rows with `_batch_run_id`, the newest
    batch in the lake's change log (int_lake_changes) when it was built (the
    watermarks: macros/lake_runs.sql). The
    log's entries after the model's own watermark are the changes it has not seen
    yet, old and new places alike. A model with no watermark yet (empty) treats
    everything as changed, which is a full rebuild.
#}

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
        _batch_run_id > {{ watermark }}
        and user_id is not null
    group by 1
{%- endmacro %}

{# The local dates a change since `watermark` touches, in `lake_tables` (default: any). #}
{% macro changed_dates(watermark, lake_tables=none) -%}
    select distinct change_date
    from {{ ref('int_lake_changes') }}
    where
        _batch_run_id > {{ watermark }}
        {% if lake_tables is not none %}
            and lake_table in ('{{ lake_tables | join("', '") }}')
        {% endif %}
{%- endmacro %}

{# The earliest local date any change since `watermark` touches, a literal (null: none). #}
{% macro earliest_change_date(watermark) -%}
    {%- set earliest -%}
        select min(change_date) as value_of_query
        from {{ ref('int_lake_changes') }}
        where _batch_run_id > {{ watermark }}
    {%- endset -%}
    {{ return(livelake.query_literal(earliest, 'date')) }}
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
        'select min(since) as value_of_query from (' ~ bounds | join(' union all by name ') ~ ') as bounds', 'date'
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
    Scopes replaced whole, with dbt's delete+insert. A model whose rows of a scope
    (a value of unique_key: a user, a date, a period) can all disappear (a
    corrected order moved to another user) returns, in an incremental run, every
    row of each scope it rebuilds plus one placeholder per scope of `scopes` (a CTE
    of the scope keys): delete+insert deletes the target's rows of every returned
    key, the placeholders included, and the post-hook drop_scope_placeholders
    deletes the placeholders in the same transaction, so an emptied scope is gone
    instead of stale. A placeholder is the one row without a batch
    (`_batch_run_id` null); every real row has one.

    config(incremental_strategy='delete+insert', unique_key=...,
           post_hook="{{ livelake.drop_scope_placeholders() }}")
    ...
    final as ({{ livelake.scoped_rows_select('rows') }})
#}
{% macro scoped_rows_select(rows, incremental_rows=none, scopes='scopes') -%}
    {% if is_incremental() -%}
        {{ livelake.with_scope_placeholders(incremental_rows or rows, scopes) }}
    {%- else -%}
        select
            *,
            {{ livelake.lake_batch() }} as _batch_run_id
        from {{ rows }}
    {%- endif %}
{%- endmacro %}

{% macro drop_scope_placeholders() -%}
    delete from {{ this }} where _batch_run_id is null
{%- endmacro %}

{# DuckDB only (the models are tables on BigQuery): `union all by name` fills the placeholders' missing columns. #}
{% macro with_scope_placeholders(rows, scopes) -%}
    {{ return(adapter.dispatch('with_scope_placeholders', 'livelake')(rows, scopes)) }}
{%- endmacro %}

{% macro duckdb__with_scope_placeholders(rows, scopes) -%}
    select
        *,
        {{ livelake.lake_batch() }} as _batch_run_id
    from {{ rows }}
    union all by name
    select
        *,
        cast(null as {{ dbt.type_bigint() }}) as _batch_run_id
    from {{ scopes }}
{%- endmacro %}

{% macro default__with_scope_placeholders(rows, scopes) -%}
    {{ exceptions.raise_compiler_error('scope placeholders are DuckDB-only; build this model as a table') }}
{%- endmacro %}
