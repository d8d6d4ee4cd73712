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
    The filter an incremental model says what is new with: the earliest local date
    the change log's entries after the model's watermark touch, a literal (a typed
    null when there is none: nothing is rebuilt). Its merge deletes with
    livelake.rebuilt_since on the same column (macros/merge.sql).
#}
{% macro changed_since() -%}
    {{ return(livelake.earliest_change_date(livelake.model_watermark())) }}
{%- endmacro %}
