{#
    The lake's side tables (_quarantine, _rejected, _manifest: parts named by run,
    listed by the runs' records like the data tables') as rows with every column
    their source documents, for the incremental base_lake__manifest / __quarantine /
    __rejections.

    On DuckDB a run reads only the parts of the runs after the newest run the table
    holds, up to the build's snapshot (livelake.lake_parts, macros/lake_runs.sql),
    by name: a year of daily runs is thousands of parts, and opening them all costs
    seconds on every run. A part is committed once its run's record lists it, so a
    quarantine or rejected part is read with its run's manifest, never before.
    - No part to read: an empty select of the documented columns (their
      `data_type`), so every model over it builds.
    - The ingest only ever adds columns to these tables (lake/manifest.py): a
      documented column the parts read do not have is null; parts with and without
      it are read together by union_by_name.
    On BigQuery the side tables are tables of the `lake` dataset (with run_id): a
    run reads their rows of the runs after the newest the model holds, up to the
    snapshot.
#}
{% macro lake_side_parts(table_name) -%}
    {{ return(adapter.dispatch('lake_side_parts', 'livelake')(table_name)) }}
{%- endmacro %}

{# The source table's documented columns: [(name, data_type)], in order. #}
{% macro lake_side_columns(table_name) -%}
    {%- set columns = [] -%}
    {%- for column in livelake.lake_source_node(table_name).columns.values() -%}
        {%- do columns.append((column.name, column.data_type)) -%}
    {%- endfor -%}
    {{ return(columns) }}
{%- endmacro %}

{% macro default__lake_side_parts(table_name) -%}
    {%- if not execute -%}
        {{ return('select * from ' ~ source('lake', table_name)) }}
    {%- endif -%}
    {%- set names = [] -%}
    {%- for name, data_type in livelake.lake_side_columns(table_name) -%}
        {%- do names.append(adapter.quote(name)) -%}
    {%- endfor -%}
    select {{ names | join(', ') }}
    from {{ source('lake', table_name) }}
    where
        run_id <= {{ livelake.lake_snapshot() }}
        {% if is_incremental() %}and run_id > (select coalesce(max(run_id), 0) from {{ this }}){% endif %}
{%- endmacro %}

{% macro duckdb__lake_side_parts(table_name) -%}
    {%- if not execute -%}
        {{ return('select * from ' ~ source('lake', table_name)) }}
    {%- endif -%}
    {%- set after = livelake.query_literal(
        'select coalesce(max(run_id), 0) as value_of_query from ' ~ this, dbt.type_bigint()
    ) if is_incremental() else none -%}
    {#- By name even on a full build: before the first pin (sqlfluff) the empty select stands in. -#}
    {%- set parts = '(' ~ livelake.lake_parts_select(table_name, after=after) ~ ')' -%}
    {%- set present = run_query('describe select * from ' ~ parts).columns[0].values() -%}
    {%- set columns = [] -%}
    {%- for name, data_type in livelake.lake_side_columns(table_name) -%}
        {%- if name in present -%}
            {%- do columns.append('cast(' ~ adapter.quote(name) ~ ' as ' ~ data_type ~ ') as ' ~ adapter.quote(name)) -%}
        {%- else -%}
            {%- do columns.append('cast(null as ' ~ data_type ~ ') as ' ~ adapter.quote(name)) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return('select ' ~ columns | join(', ') ~ ' from ' ~ parts ~ ' as parts') }}
{%- endmacro %}
