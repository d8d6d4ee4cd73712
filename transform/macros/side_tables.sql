{#
    A side table of the lake (_quarantine, _rejected, _manifest: one parquet part per
    source file) as a relation a model can select from, even before it has a part.

    A lake that never quarantined or rejected a row has no `_quarantine/` or
    `_rejected/` folder, and DuckDB refuses a read_parquet glob that matches no file.
    On DuckDB the glob is checked when the model runs: with no part, an empty
    relation of the source's documented columns (their `data_type`) stands in, so
    the models over it build, empty, and the next run after a part lands reads it.
    The glob is the one the source's `external_location` reads
    (`{lake_root}/{identifier}/*.parquet`). On BigQuery the side tables are tables
    of the `lake` dataset and always exist.
#}
{% macro lake_side_table(table_name) -%}
    {%- set relation = source('lake', table_name) -%}
    {{ return(adapter.dispatch('lake_side_table', 'livelake')(relation, table_name)) }}
{%- endmacro %}

{% macro default__lake_side_table(relation, table_name) -%}
    {{ return(relation) }}
{%- endmacro %}

{% macro duckdb__lake_side_table(relation, table_name) -%}
    {%- if not execute -%}
        {{ return(relation) }}
    {%- endif -%}
    {%- set node = graph.sources['source.' ~ project_name ~ '.lake.' ~ table_name] -%}
    {%- set parts = node.config.meta.lake_root ~ '/' ~ node.identifier ~ '/*.parquet' -%}
    {%- set found = run_query("select count(*) as parts from glob('" ~ parts ~ "')").columns[0].values()[0] -%}
    {%- if found > 0 -%}
        {{ return(relation) }}
    {%- endif -%}
    {%- set columns = [] -%}
    {%- for column in node.columns.values() -%}
        {%- do columns.append('cast(null as ' ~ column.data_type ~ ') as ' ~ adapter.quote(column.name)) -%}
    {%- endfor -%}
    {{ return('(select ' ~ columns | join(', ') ~ ' limit 0)') }}
{%- endmacro %}
