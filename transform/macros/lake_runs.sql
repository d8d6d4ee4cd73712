{# Reading the lake by runs: each macro is described in macros/_macros.yml. #}

{% macro lake_root() -%}
    {{ return(env_var('LIVELAKE_DATA_DIR', './data') ~ '/lake') }}
{%- endmacro %}

{% macro pin_lake_snapshot() -%}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set pins = livelake.lake_snapshots_relation() -%}
    {%- if target.type == 'duckdb' -%}
        {%- do livelake.pin_lake_parts() -%}
        {%- set newest = 'select max(run_id) as run_id from main.lake_parts' -%}
    {%- else -%}
        {%- do adapter.create_schema(api.Relation.create(database=pins.database, schema=pins.schema)) -%}
        {%- set newest = 'select max(snapshot_run_id) as run_id from ' ~ livelake.promoted_snapshots_relation() -%}
    {%- endif -%}
    {%- do run_query(
        'create table if not exists ' ~ pins ~ ' (snapshot_run_id ' ~ dbt.type_bigint()
        ~ ', pinned_at ' ~ dbt.type_timestamp() ~ ', invocation_id ' ~ dbt.type_string() ~ ')'
    ) -%}
    {%- do run_query(
        'insert into ' ~ pins ~ ' (snapshot_run_id, pinned_at, invocation_id) select coalesce(newest.run_id, 0), '
        ~ dbt.current_timestamp() ~ ", '" ~ invocation_id ~ "' from (" ~ newest ~ ') as newest'
    ) -%}
{%- endmacro %}

{#- DuckDB: the commit records after the last pin into main.lake_parts, and the lake sources' views over them. -#}
{% macro pin_lake_parts() -%}
    {%- set root = livelake.lake_root() | replace("'", "''") -%}
    {%- set pinned_before = run_query(
        "select count(*) from information_schema.tables where table_schema = 'main' and table_name = 'lake_parts'"
    ).columns[0].values()[0] > 0 -%}
    {%- if not pinned_before -%}
        {%- do run_query('create table main.lake_parts (run_id bigint, lake_table varchar, dt date, file varchar)') -%}
    {%- endif -%}
    {%- set last = run_query('select coalesce(max(run_id), 0) from main.lake_parts').columns[0].values()[0] -%}
    {%- set last_record = root ~ '/_runs/run-' ~ '{:012d}'.format(last) ~ '.json' -%}
    {%- if last > 0 and run_query("select count(*) from glob('" ~ last_record ~ "')").columns[0].values()[0] == 0 -%}
        {%- do run_query('delete from main.lake_parts') -%}
        {%- set last_record = '' -%}
    {%- endif -%}
    {%- set records = run_query(
        "select file from glob('" ~ root ~ "/_runs/run-*.json') where file > '" ~ last_record ~ "' order by file"
    ).columns[0].values() -%}
    {%- if records -%}
        {%- set records = "['" ~ records | join("', '") ~ "']" -%}
        {%- set foreign = run_query(
            'select filename, format from read_json(' ~ records ~ ", columns = {format: 'bigint'}, filename = true)"
            ~ ' where format is distinct from 1'
        ) -%}
        {%- if foreign.rows | length > 0 -%}
            {%- do exceptions.raise_compiler_error(
                'commit records of an unknown format (expected 1): ' ~ foreign.rows | map('join', ' format ') | join(', ')
            ) -%}
        {%- endif -%}
        {%- do run_query(
            "insert into main.lake_parts select runs.run_id, listed.part.table, cast(listed.part.dt as date), '"
            ~ root ~ "/' || listed.part.path from read_json(" ~ records ~ ", columns = {run_id: 'bigint', "
            ~ "parts: 'struct(\"table\" varchar, dt varchar, path varchar)[]'}) as runs, unnest(runs.parts) as listed (part)"
        ) -%}
    {%- endif -%}
    {%- set files = {} -%}
    {%- for table, file in run_query('select lake_table, file from main.lake_parts order by run_id, file').rows -%}
        {%- do files.setdefault(table, []).append(file) -%}
    {%- endfor -%}
    {%- do run_query('create schema if not exists lake') -%}
    {%- for node in graph.sources.values() if node.source_name == 'lake' -%}
        {%- do run_query(
            'create or replace view lake.' ~ adapter.quote(node.identifier) ~ ' as '
            ~ livelake.read_lake_files(node.name, files.get(node.identifier, []))
        ) -%}
    {%- endfor -%}
{%- endmacro %}

{#- DuckDB: a select of lake `table`'s files with every documented column (a column a file lacks is null). -#}
{% macro read_lake_files(table, files) -%}
    {%- set documented = [] -%}
    {%- for name, data_type in livelake.lake_typed_columns(table) -%}
        {%- do documented.append('cast(null as ' ~ data_type ~ ') as ' ~ adapter.quote(name)) -%}
    {%- endfor -%}
    {%- set documented = 'select ' ~ documented | join(', ') ~ ' limit 0' -%}
    {%- if not files -%}
        {{ return(documented) }}
    {%- endif -%}
    {%- set hive = livelake.lake_source_node(table).identifier not in livelake.lake_side_tables() -%}
    {{ return(
        "select * from read_parquet(['" ~ files | map('replace', "'", "''") | join("', '") ~ "'], hive_partitioning = "
        ~ hive | lower ~ ', union_by_name = true) union all by name (' ~ documented ~ ')'
    ) }}
{%- endmacro %}

{% macro lake_snapshots_relation() -%}
    {{ return(api.Relation.create(database=target.database, schema=target.schema, identifier='lake_snapshots')) }}
{%- endmacro %}

{% macro promoted_snapshots_relation() -%}
    {%- set lake = livelake.lake_source_node('top_up') -%}
    {{ return(api.Relation.create(
        database=(lake.database if lake else target.database),
        schema=(lake.schema if lake else env_var('LIVELAKE_BQ_RAW_DATASET', 'lake')),
        identifier='_promoted_snapshots'
    )) }}
{%- endmacro %}

{% macro lake_snapshot() -%}
    {{ return(livelake.cached('snapshot', livelake.read_lake_snapshot)) }}
{%- endmacro %}

{% macro read_lake_snapshot() -%}
    {%- set pins = livelake.lake_snapshots_relation() -%}
    {%- set pinned = 'null' -%}
    {%- if execute and load_relation(pins) is not none -%}
        {%- set pinned = '(select max(snapshot_run_id) from ' ~ pins ~ " where invocation_id = '" ~ invocation_id ~ "')" -%}
    {%- endif -%}
    {%- set promoted = 'null' -%}
    {%- if target.type != 'duckdb' -%}
        {%- set promoted = '(select max(snapshot_run_id) from ' ~ livelake.promoted_snapshots_relation() ~ ')' -%}
    {%- endif -%}
    {{ return(livelake.query_literal(
        'select coalesce(' ~ pinned ~ ', ' ~ promoted ~ ', 0) as value_of_query', dbt.type_bigint()
    )) }}
{%- endmacro %}

{% macro model_watermark() -%}
    {%- if execute and livelake.reads_change_log() -%}
        {%- set watermark = livelake.batch_bounds().watermarks.get(model.name) -%}
        {%- if watermark is not none -%}
            {{ return("cast('" ~ watermark ~ "' as " ~ dbt.type_bigint() ~ ')') }}
        {%- endif -%}
    {%- endif -%}
    {{ return(livelake.query_literal(
        'select coalesce(max(_batch_run_id), 0) as value_of_query from ' ~ this, dbt.type_bigint()
    )) }}
{%- endmacro %}

{% macro lake_batch() -%}
    (select max(_batch_run_id) from {{ ref('int_lake_changes') }})
{%- endmacro %}

{% macro lake_parts(table, after=none) -%}
    {%- if target.type != 'duckdb' -%}
        {{ return(
            '(select * from ' ~ source('lake', table) ~ ' where run_id <= ' ~ livelake.lake_snapshot()
            ~ (' and run_id > ' ~ after if after is not none else '') ~ ')'
        ) }}
    {%- elif after is none or not execute -%}
        {{ return('(select * from ' ~ source('lake', table) ~ ')') }}
    {%- endif -%}
    {%- set files = run_query(
        "select file from main.lake_parts where lake_table = '" ~ livelake.lake_source_node(table).identifier
        ~ "' and run_id > " ~ after ~ ' order by run_id, file'
    ).columns[0].values() -%}
    {{ return('(' ~ livelake.read_lake_files(table, files) ~ ')') }}
{%- endmacro %}

{% macro touched_lake_rows(table, key) -%}
    {%- set columns = livelake.lake_row_columns(table) | join(', ') -%}
    {%- set new_parts = livelake.lake_parts(table, after=livelake.model_watermark()) -%}
    {%- set new_keys = 'select new_parts.' ~ key ~ ' from ' ~ new_parts ~ ' as new_parts' -%}
    {%- set day = livelake.lake_partition_date_column(table) -%}
    {%- set days = livelake.query_literals(
        'select distinct built.' ~ day ~ ' as value_of_query from ' ~ this ~ ' as built where built.' ~ key
        ~ ' in (' ~ new_keys ~ ')', 'date'
    ) -%}
    (
        select {{ columns }} from {{ new_parts }} as new_parts
        {%- if days %}
        union all
        select {{ columns }} from {{ this }} as built
        where built.{{ day }} in ({{ days | join(', ') }}) and built.{{ key }} in ({{ new_keys }})
        {%- endif %}
    )
{%- endmacro %}

{% macro lake_side_parts(table_name) -%}
    {%- if not execute -%}
        {{ return('select * from ' ~ source('lake', table_name)) }}
    {%- endif -%}
    {%- set after = livelake.query_literal(
        'select coalesce(max(run_id), 0) as value_of_query from ' ~ this, dbt.type_bigint()
    ) if is_incremental() else none -%}
    {%- set columns = [] -%}
    {%- for name, data_type in livelake.lake_typed_columns(table_name) -%}
        {%- set column = adapter.quote(name) -%}
        {%- do columns.append('cast(' ~ column ~ ' as ' ~ data_type ~ ') as ' ~ column if target.type == 'duckdb' else column) -%}
    {%- endfor -%}
    select {{ columns | join(', ') }} from {{ livelake.lake_parts(table_name, after=after) }} as parts
{%- endmacro %}
