{#
    Reading the lake by runs (docs/lake.md, transform/README.md "Incremental
    builds"; each macro in macros/_macros.yml): a build sees exactly the runs
    committed when it started. DuckDB reads the parts the commit records list
    (main.lake_parts); BigQuery the raw dataset's tables (with run_id) up to the
    newest run promote holds whole (`_promoted_snapshots`).
#}

{% macro lake_root() -%}
    {{ return(env_var('LIVELAKE_DATA_DIR', './data') ~ '/lake') }}
{%- endmacro %}

{% macro pin_lake_snapshot() -%}
    {{ return(adapter.dispatch('pin_lake_snapshot', 'livelake')()) }}
{%- endmacro %}

{% macro default__pin_lake_snapshot() -%}
{%- endmacro %}

{% macro bigquery__pin_lake_snapshot() -%}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- do adapter.create_schema(api.Relation.create(database=target.database, schema=target.schema)) -%}
    {%- do run_query(
        'create table if not exists ' ~ livelake.lake_snapshots_relation()
        ~ ' (snapshot_run_id int64, pinned_at timestamp, invocation_id string)'
    ) -%}
    {%- do run_query(
        'insert into ' ~ livelake.lake_snapshots_relation()
        ~ ' (snapshot_run_id, pinned_at, invocation_id) select coalesce(max(snapshot_run_id), 0), '
        ~ "current_timestamp(), '" ~ invocation_id ~ "' from " ~ livelake.promoted_snapshots_relation()
    ) -%}
{%- endmacro %}

{# BigQuery: where the pins are kept (the target dataset), and promote's record of the runs it holds whole. #}
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

{% macro duckdb__pin_lake_snapshot() -%}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set root = livelake.lake_root() | replace("'", "''") -%}
    {#-
        The records after the last pin only (names sort by run id); all of them when
        nothing is pinned yet or the last pinned record is gone (another lake).
    -#}
    {%- set pinned_before = run_query(
        "select count(*) from information_schema.tables where table_schema = 'main' and table_name = 'lake_parts'"
    ).columns[0].values()[0] > 0 -%}
    {%- set last = run_query(
        'select coalesce(max(run_id), 0) from main.lake_parts' if pinned_before else 'select 0'
    ).columns[0].values()[0] -%}
    {%- set last_record = root ~ '/_runs/run-' ~ '{:012d}'.format(last) ~ '.json' -%}
    {%- if last > 0 and run_query("select count(*) from glob('" ~ last_record ~ "')").columns[0].values()[0] == 0 -%}
        {%- do run_query('delete from main.lake_parts') -%}
        {%- set last_record = '' -%}
    {%- endif -%}
    {%- set records = run_query(
        "select file from glob('" ~ root ~ "/_runs/run-*.json') where file > '" ~ last_record ~ "' order by file"
    ).columns[0].values() -%}
    {%- set parts -%}
        select
            runs.run_id,
            listed.part.table as lake_table,
            cast(listed.part.dt as date) as dt,
            '{{ root }}/' || listed.part.path as file
        from read_json(
            [{{ "'" ~ records | join("', '") ~ "'" }}],
            columns = {
                run_id: 'bigint',
                parts: 'struct("table" varchar, dt varchar, path varchar, "rows" bigint)[]'
            }
        ) as runs,
            unnest(runs.parts) as listed (part)
    {%- endset -%}
    {%- if not pinned_before -%}
        {%- do run_query(
            'create table main.lake_parts (run_id bigint, lake_table varchar, dt date, file varchar)'
        ) -%}
    {%- endif -%}
    {%- if records -%}
        {#- lake/runs.py's FORMAT: a record of another format is refused, as the ingest refuses it. -#}
        {%- set foreign = run_query(
            "select filename, format from read_json([" ~ "'" ~ records | join("', '") ~ "'"
            ~ "], columns = {format: 'bigint'}, filename = true) where format is distinct from 1"
        ) -%}
        {%- if foreign.rows | length > 0 -%}
            {%- do exceptions.raise_compiler_error(
                'commit records of an unknown format (expected 1): '
                ~ foreign.rows | map('join', ' format ') | join(', ')
            ) -%}
        {%- endif -%}
        {%- do run_query(
            'insert into main.lake_parts select run_id, lake_table, dt, file from (' ~ parts ~ ') as listed'
        ) -%}
    {%- endif -%}
    {%- do run_query(
        'create table if not exists main.lake_snapshots '
        ~ '(snapshot_run_id bigint, pinned_at timestamp with time zone, invocation_id varchar)'
    ) -%}
    {%- do run_query(
        "insert into main.lake_snapshots select coalesce(max(run_id), 0), now(), '"
        ~ invocation_id ~ "' from main.lake_parts"
    ) -%}
    {%- do run_query('create schema if not exists lake') -%}
    {%- for node in graph.sources.values() if node.source_name == 'lake' -%}
        {%- do run_query(
            'create or replace view lake.' ~ adapter.quote(node.identifier) ~ ' as '
            ~ livelake.lake_parts_select(node.name, pinned=true)
        ) -%}
    {%- endfor -%}
{%- endmacro %}

{# Whether this warehouse holds a pinned snapshot (not yet: sqlfluff on an empty warehouse). #}
{% macro lake_is_pinned() -%}
    {{ return(load_relation(api.Relation.create(
        database=target.database, schema='main', identifier='lake_parts'
    )) is not none) }}
{%- endmacro %}

{# The snapshot this build pinned, a literal (0: an empty lake; a typed null at parse time). #}
{% macro lake_snapshot() -%}
    {{ return(livelake.cached('snapshot', livelake.read_lake_snapshot)) }}
{%- endmacro %}

{% macro read_lake_snapshot() -%}
    {{ return(adapter.dispatch('lake_snapshot', 'livelake')()) }}
{%- endmacro %}

{% macro duckdb__lake_snapshot() -%}
    {%- if execute and load_relation(api.Relation.create(
        database=target.database, schema='main', identifier='lake_snapshots'
    )) is none -%}
        {{ return('cast(0 as bigint)') }}
    {%- endif -%}
    {{ return(livelake.query_literal(
        "select coalesce(max(snapshot_run_id), 0) as value_of_query from main.lake_snapshots"
        ~ " where invocation_id = '" ~ invocation_id ~ "'",
        dbt.type_bigint()
    )) }}
{%- endmacro %}

{#
    BigQuery: this invocation's pin, else (a compile without the on-run-start hook)
    the newest run promote holds whole; never max(run_id) of a lake table, which a
    half-promoted run would already raise.
#}
{% macro default__lake_snapshot() -%}
    {%- set promoted = 'select max(snapshot_run_id) from ' ~ livelake.promoted_snapshots_relation() -%}
    {%- set pinned = none -%}
    {%- if execute and load_relation(livelake.lake_snapshots_relation()) is not none -%}
        {%- set pinned = 'select max(snapshot_run_id) from ' ~ livelake.lake_snapshots_relation()
            ~ " where invocation_id = '" ~ invocation_id ~ "'" -%}
    {%- endif -%}
    {{ return(livelake.query_literal(
        'select coalesce(' ~ ('(' ~ pinned ~ '), ' if pinned else '') ~ '(' ~ promoted ~ '), 0) as value_of_query',
        dbt.type_bigint()
    )) }}
{%- endmacro %}

{#
    The newest run a model has consumed (its largest `_batch_run_id`), a literal (0:
    empty): from the invocation's livelake.batch_bounds for a model downstream of
    the change log, else its own query.
#}
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

{# The newest batch of the change log: what the models downstream of it stamp. #}
{% macro lake_batch() -%}
    (select max(_batch_run_id) from {{ ref('int_lake_changes') }})
{%- endmacro %}

{#
    The listed parts of lake `table` of the runs after `after` up to the snapshot
    (every committed run: `after` none), of `dates` only if given (report tables:
    the parts of those days), as a relation (parenthesised select).
#}
{% macro lake_parts(table, after=none, dates=none) -%}
    {{ return(adapter.dispatch('lake_parts', 'livelake')(table, after, dates)) }}
{%- endmacro %}

{% macro default__lake_parts(table, after, dates) -%}
    (
        select * from {{ source('lake', table) }}
        where
            run_id <= {{ livelake.lake_snapshot() }}
            {% if after is not none %}and run_id > {{ after }}{% endif %}
            {% if dates is not none %}and dt in ({{ (dates or ['null']) | join(', ') }}){% endif %}
    )
{%- endmacro %}

{% macro duckdb__lake_parts(table, after, dates) -%}
    {#- Every committed part: the source itself (its view lists them; a unit test's given rows stand in). -#}
    {%- if after is none and dates is none -%}
        {{ return('(select * from ' ~ source('lake', table) ~ ')') }}
    {%- endif -%}
    {{ return('(' ~ livelake.lake_parts_select(table, after, dates) ~ ')') }}
{%- endmacro %}

{#
    DuckDB: `select * from read_parquet([the files], ...)` of the listed parts, or an
    empty select of the source's documented columns (their data_type) when no part
    is listed. The parts are read together by union_by_name: a part written before a
    column existed reads it as null (the ingest only adds columns).
#}
{% macro lake_parts_select(table, after=none, dates=none, pinned=none) -%}
    {%- if not execute -%}
        {{ return('select * from ' ~ source('lake', table)) }}
    {%- endif -%}
    {%- set node = livelake.lake_source_node(table) -%}
    {%- set files = [] -%}
    {#- `pinned`: main.lake_parts is known to exist (the pin itself, which must not open a transaction). -#}
    {%- if pinned is none -%}
        {%- set pinned = livelake.lake_is_pinned() -%}
    {%- endif -%}
    {%- if pinned and (dates is none or dates) -%}
        {%- set listed -%}
            select file from main.lake_parts
            where
                lake_table = '{{ node.identifier }}'
                {% if after is not none %}and run_id > {{ after }}{% endif %}
                {% if dates is not none %}and dt in ({{ dates | join(', ') }}){% endif %}
            order by run_id, file
        {%- endset -%}
        {%- for file in run_query(listed).columns[0].values() -%}
            {%- do files.append("'" ~ file | replace("'", "''") ~ "'") -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if files -%}
        {#- Report tables are partitioned by day: their parts' folders give `dt`. -#}
        {%- set hive = 'false' if node.identifier in livelake.lake_side_tables() else 'true' -%}
        {{ return(
            'select * from read_parquet([' ~ files | join(', ') ~ '], hive_partitioning = ' ~ hive
            ~ ', union_by_name = true)'
        ) }}
    {%- endif -%}
    {%- set columns = [] -%}
    {%- for name, data_type in livelake.lake_typed_columns(table) -%}
        {%- do columns.append('cast(null as ' ~ data_type ~ ') as ' ~ adapter.quote(name)) -%}
    {%- endfor -%}
    {{ return('select ' ~ (columns | join(', ') or '1 as nothing') ~ ' limit 0') }}
{%- endmacro %}

{# The days (`dt`) of `table`'s parts of the runs after `after` up to the snapshot, as literals. #}
{% macro lake_new_dates(table, after) -%}
    {{ return(adapter.dispatch('lake_new_dates', 'livelake')(table, after)) }}
{%- endmacro %}

{% macro duckdb__lake_new_dates(table, after) -%}
    {%- if not execute or not livelake.lake_is_pinned() -%}
        {{ return([]) }}
    {%- endif -%}
    {{ return(livelake.query_literals(
        "select distinct dt as value_of_query from main.lake_parts where lake_table = '" ~ table
        ~ "' and run_id > " ~ after ~ ' order by 1',
        'date'
    )) }}
{%- endmacro %}

{% macro default__lake_new_dates(table, after) -%}
    {{ return(livelake.query_literals(
        'select distinct dt as value_of_query from ' ~ livelake.lake_parts(table, after=after),
        'date'
    )) }}
{%- endmacro %}
