{# What an incremental run must rebuild: the change log's entries after the model's watermark. #}

{#
    Run-time literals: DuckDB prunes by a literal bound, never by a subquery. The
    value travels as text behind a '=' so that dbt's agate tables keep it as written.
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

{# DuckDB: a full build stores a big table in date order, so later date bounds skip row groups. #}
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

{#
    The filter an incremental model says what is new with: the earliest local date
    the change log's entries after the model's watermark touch, a literal (a typed
    null when there is none: nothing is rebuilt), from the invocation's
    livelake.batch_bounds. Its merge deletes with livelake.rebuilt_since on the
    same column (macros/merge.sql).
#}
{% macro changed_since() -%}
    {%- if not execute -%}
        {{ return('cast(null as date)') }}
    {%- endif -%}
    {%- set bounds = livelake.batch_bounds() -%}
    {%- set watermark = bounds.watermarks.get(model.name, 0) -%}
    {%- set days = [] -%}
    {%- for batch, day in bounds.batches.items() if batch > watermark and day is not none -%}
        {%- do days.append(day) -%}
    {%- endfor -%}
    {{ return("cast('" ~ days | min ~ "' as date)" if days else 'cast(null as date)') }}
{%- endmacro %}
