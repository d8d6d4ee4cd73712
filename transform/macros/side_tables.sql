{#
    The lake's side tables (_quarantine, _rejected, _manifest: one parquet part per
    source file, `part-<sha256>.parquet`) as rows with every column their source
    documents, for the incremental base_lake__manifest / __quarantine / __rejections.

    On DuckDB the parts are listed when the model runs (a glob, cheap) and only the
    parts not in the table yet are read, by name: a year of daily files is a few
    thousand parts, and opening them all costs seconds on every run.
    - `committed_files` (a relation with file_sha256): read only the parts of files
      the manifest holds; a quarantine or rejected part of a file whose ingest has
      not committed (a run that died, or one still running) waits for its manifest
      entry, and the ingest may still rewrite it.
    - No part to read (none yet: a lake that never quarantined or rejected anything,
      or one written straight from the simulator, has no such folder at all): an
      empty select of the documented columns (their `data_type`), so every model
      over it builds.
    - The ingest only ever adds columns to these tables (lake/manifest.py): a
      documented column the parts read do not have is null; parts with and without
      it are read together by union_by_name.
    The glob is the source's `external_location` folder (`{lake_root}/{identifier}/`).
    On BigQuery the side tables are tables of the `lake` dataset and the base models
    tables: every row (of committed files).
#}
{% macro lake_side_parts(table_name, committed_files=none) -%}
    {%- set relation = source('lake', table_name) -%}
    {{ return(adapter.dispatch('lake_side_parts', 'livelake')(relation, table_name, committed_files)) }}
{%- endmacro %}

{# The source table's documented columns: [(name, data_type)], in order. #}
{% macro lake_side_columns(table_name) -%}
    {%- set node = graph.sources['source.' ~ project_name ~ '.lake.' ~ table_name] -%}
    {%- set columns = [] -%}
    {%- for column in node.columns.values() -%}
        {%- do columns.append((column.name, column.data_type)) -%}
    {%- endfor -%}
    {{ return(columns) }}
{%- endmacro %}

{% macro default__lake_side_parts(relation, table_name, committed_files) -%}
    {%- set names = [] -%}
    {%- for name, data_type in livelake.lake_side_columns(table_name) -%}
        {%- do names.append(adapter.quote(name)) -%}
    {%- endfor -%}
    select {{ names | join(', ') }}
    from {{ relation }}
    {% if committed_files is not none -%}
        where file_sha256 in (select committed.file_sha256 from {{ committed_files }} as committed)
    {%- endif %}
{%- endmacro %}

{% macro duckdb__lake_side_parts(relation, table_name, committed_files) -%}
    {%- if not execute -%}
        {{ return('select * from ' ~ relation) }}
    {%- endif -%}
    {%- set node = graph.sources['source.' ~ project_name ~ '.lake.' ~ table_name] -%}
    {%- set folder = node.config.meta.lake_root ~ '/' ~ node.identifier -%}
    {%- set new_parts -%}
        with listed as (
            select
                file,
                regexp_extract(file, 'part-([^/]*)[.]parquet$', 1) as file_sha256
            from glob('{{ folder | replace("'", "''") }}/part-*.parquet')
        )
        select file from listed
        where
            true
            {% if is_incremental() -%}
                and file_sha256 not in (select loaded.file_sha256 from {{ this }} as loaded)
            {%- endif %}
            {% if committed_files is not none -%}
                and file_sha256 in (select committed.file_sha256 from {{ committed_files }} as committed)
            {%- endif %}
        order by file
    {%- endset -%}
    {%- set files = [] -%}
    {#- No manifest table yet (sqlfluff on an empty warehouse): no file is committed. -#}
    {%- set listable = committed_files is none or load_relation(committed_files) is not none -%}
    {%- for file in (run_query(new_parts).columns[0].values() if listable else []) -%}
        {%- do files.append("'" ~ file | replace("'", "''") ~ "'") -%}
    {%- endfor -%}
    {%- set parts = 'read_parquet([' ~ files | join(', ') ~ '], union_by_name = true)' -%}
    {%- set present = run_query('describe select * from ' ~ parts).columns[0].values() if files else [] -%}
    {%- set columns = [] -%}
    {%- for name, data_type in livelake.lake_side_columns(table_name) -%}
        {%- if name in present -%}
            {%- do columns.append('cast(' ~ adapter.quote(name) ~ ' as ' ~ data_type ~ ') as ' ~ adapter.quote(name)) -%}
        {%- else -%}
            {%- do columns.append('cast(null as ' ~ data_type ~ ') as ' ~ adapter.quote(name)) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if files -%}
        {{ return('select ' ~ columns | join(', ') ~ ' from ' ~ parts) }}
    {%- else -%}
        {{ return('select ' ~ columns | join(', ') ~ ' limit 0') }}
    {%- endif -%}
{%- endmacro %}
