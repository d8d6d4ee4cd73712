{% macro pin_lake_snapshot() -%}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set pins = api.Relation.create(database=target.database, schema=target.schema, identifier='lake_snapshots') -%}
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

{% macro pin_lake_parts() -%}
    {%- set root = (env_var('LIVELAKE_DATA_DIR', './data') ~ '/lake') | replace("'", "''") -%}
    {%- do run_query('create table if not exists main.lake_parts (run_id bigint, lake_table varchar, dt date, file varchar)') -%}
    {%- set last = run_query('select coalesce(max(run_id), 0) from main.lake_parts').columns[0].values()[0] -%}
    {%- set last_record = root ~ '/_runs/run-' ~ '{:012d}'.format(last) ~ '.json' -%}
    {%- if last > 0 and run_query("select count(*) from glob('" ~ last_record ~ "')").columns[0].values()[0] == 0 -%}
        {%- do run_query('delete from main.lake_parts') -%}
        {%- set last_record = '' -%}
    {%- endif -%}
    {%- set records = run_query(
        "select file from glob('" ~ root ~ "/_runs/run-*.json') where file > '" ~ last_record ~ "' order by file"
    ).columns[0].values() -%}
    {%- set records = "['" ~ records | join("', '") ~ "']" if records else none -%}
    {%- set foreign = run_query(
        'select filename, format from read_json(' ~ records ~ ", columns = {format: 'bigint'}, filename = true)"
        ~ ' where format is distinct from 1'
    ).rows if records else [] -%}
    {%- if foreign | length > 0 -%}
        {%- do exceptions.raise_compiler_error(
            'commit records of an unknown format (expected 1): ' ~ foreign | map('join', ' format ') | join(', ')
        ) -%}
    {%- elif records -%}
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

{% macro read_lake_files(table, files) -%}
    {%- set documented = [] -%}
    {%- for name, data_type in livelake.lake_typed_columns(table) -%}
        {%- do documented.append('cast(null as ' ~ data_type ~ ') as ' ~ adapter.quote(name)) -%}
    {%- endfor -%}
    {%- set documented = 'select ' ~ documented | join(', ') ~ ' limit 0' -%}
    {%- set hive = livelake.lake_source_node(table).identifier not in livelake.lake_contract().side_tables -%}
    {{ return(
        "select * from read_parquet(['" ~ files | map('replace', "'", "''") | join("', '") ~ "'], hive_partitioning = "
        ~ hive | lower ~ ', union_by_name = true) union all by name (' ~ documented ~ ')' if files else documented
    ) }}
{%- endmacro %}

{% macro promoted_snapshots_relation() -%}
    {%- set lake = livelake.lake_source_node('top_up') -%}
    {{ return(api.Relation.create(database=lake.database, schema=lake.schema, identifier='_promoted_snapshots')) }}
{%- endmacro %}

{% macro lake_snapshot() -%}
    {{ return(livelake.cached('snapshot', livelake.read_lake_snapshot)) }}
{%- endmacro %}

{% macro read_lake_snapshot() -%}
    {%- set pins = api.Relation.create(database=target.database, schema=target.schema, identifier='lake_snapshots') -%}
    {%- set pinned = '(select max(snapshot_run_id) from ' ~ pins ~ " where invocation_id = '" ~ invocation_id ~ "')" -%}
    {%- set promoted = '(select max(snapshot_run_id) from ' ~ livelake.promoted_snapshots_relation() ~ ')'
        if execute and target.type != 'duckdb' else 'null' -%}
    {{ return(livelake.query_literal(
        'select coalesce(' ~ (pinned if execute and load_relation(pins) is not none else 'null') ~ ', '
        ~ promoted ~ ', 0) as value_of_query', dbt.type_bigint()
    )) }}
{%- endmacro %}

{% macro model_watermark() -%}
    {%- set watermark = livelake.batch_bounds().watermarks.get(model.name) if 'model.livelake.int_lake_changes' in model.depends_on.nodes else none -%}
    {{ return("cast('" ~ watermark ~ "' as " ~ dbt.type_bigint() ~ ')' if watermark is not none else livelake.query_literal(
        'select coalesce(max(_batch_run_id), 0) as value_of_query from ' ~ this, dbt.type_bigint()
    )) }}
{%- endmacro %}

{% macro lake_batch() -%}{# the stamping model runs after the log (its ref), so the bounds read hold its batch #}
    {%- do ref('int_lake_changes') -%}
    {%- set newest = livelake.batch_bounds().watermarks.get('int_lake_changes') -%}
    cast({{ newest if newest is not none else 'null' }} as {{ dbt.type_bigint() }})
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
    {%- set columns = livelake.lake_typed_columns(table) | map('first') | join(', ') -%}
    {%- set new_parts = livelake.lake_parts(table, after=livelake.model_watermark()) -%}
    {%- set new_keys = 'select new_parts.' ~ key ~ ' from ' ~ new_parts ~ ' as new_parts' -%}
    {%- set day = livelake.lake_partition_date_column(table) -%}
    {%- set days = livelake.query_literals('select distinct ' ~ (
        'new_parts.' ~ day ~ ' as value_of_query from ' ~ new_parts ~ ' as new_parts' if key == day else
        'built.' ~ day ~ ' as value_of_query from ' ~ this ~ ' as built where built.' ~ key ~ ' in (' ~ new_keys ~ ')'
    ), 'date') -%}
    {%- do livelake.merge_since('least(' ~ days | join(', ') ~ ')' if days else 'cast(null as date)') -%}
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
        {%- do columns.append(adapter.quote(name)) -%}
    {%- endfor -%}
    select {{ columns | join(', ') }} from {{ livelake.lake_parts(table_name, after=after) }} as parts
{%- endmacro %}
