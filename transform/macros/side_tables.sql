{#
    A side table of the lake (_quarantine, _rejected, _manifest: one parquet part per
    source file) as a relation holding every column its source documents, whatever
    parts the lake has.

    - A lake that never quarantined or rejected a row has no `_quarantine/` or
      `_rejected/` folder (a lake written straight from the simulator has no
      manifest either), and DuckDB refuses a read_parquet glob that matches no file:
      then an empty relation of the documented columns (their `data_type`) stands in,
      so the models over it build, empty.
    - The ingest only ever adds columns to these tables (lake/manifest.py): a
      documented column no part has yet (a lake written before it existed) is null.
      Parts that have it and parts that do not are read together by union_by_name.

    Checked when the model runs, on DuckDB. The glob is the one the source's
    `external_location` reads (`{lake_root}/{identifier}/*.parquet`). On BigQuery
    the side tables are tables of the `lake` dataset with every column.
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
    {%- set present = run_query('describe select * from ' ~ relation).columns[0].values() if found > 0 else [] -%}
    {%- set missing = [] -%}
    {%- for column in node.columns.values() if column.name not in present -%}
        {%- do missing.append('cast(null as ' ~ column.data_type ~ ') as ' ~ adapter.quote(column.name)) -%}
    {%- endfor -%}
    {%- if not missing -%}
        {{ return(relation) }}
    {%- elif found > 0 -%}
        {{ return('(select *, ' ~ missing | join(', ') ~ ' from ' ~ relation ~ ')') }}
    {%- else -%}
        {{ return('(select ' ~ missing | join(', ') ~ ' limit 0)') }}
    {%- endif -%}
{%- endmacro %}
