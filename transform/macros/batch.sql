{% macro cached(key, compute) -%}
    {%- set cache = graph.setdefault('livelake_cache_' ~ invocation_id, {}) if execute else {} -%}
    {%- if key not in cache -%}
        {%- do cache.update({key: compute()}) -%}
    {%- endif -%}
    {{ return(cache[key]) }}
{%- endmacro %}

{% macro batch_bounds() -%}
    {%- if not (execute and graph.get('nodes')) -%}{# parsing, or a unit test's given rows: no batch #}
        {{ return({'watermarks': {}, 'batches': {}}) }}
    {%- endif -%}
    {{ return(livelake.cached('batch_bounds', livelake.read_batch_bounds)) }}
{%- endmacro %}

{% macro read_batch_bounds() -%}
    {%- set log = graph.nodes['model.livelake.int_lake_changes'] -%}
    {%- set log = api.Relation.create(database=log.database, schema=log.schema, identifier=log.alias) -%}
    {%- set watermarks = [] -%}
    {%- for node in graph.nodes.values()
        if node.resource_type == 'model' and node.config.materialized == 'incremental'
        and 'model.livelake.int_lake_changes' in node.depends_on.nodes -%}
        {%- set relation = adapter.get_relation(node.database, node.schema, node.alias) -%}
        {%- if relation is not none -%}
            {%- do watermarks.append(
                "select '" ~ node.name ~ "' as model, coalesce(max(_batch_run_id), 0) as watermark from " ~ relation
            ) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set text = dbt.type_string() -%}
    {%- set query -%}
        with watermarks as (
            {{ watermarks | join(' union all ') or "select '' as model, cast(0 as " ~ dbt.type_bigint() ~ ') as watermark' }}
        )

        select 'watermarks' as kind, model as name, cast(watermark as {{ text }}) as value from watermarks
        union all
        select 'watermarks' as kind, 'int_lake_changes' as name, cast(max(_batch_run_id) as {{ text }}) as value
        from {{ log }}
        union all
        select 'batches' as kind, cast(_batch_run_id as {{ text }}) as name, cast(min(change_date) as {{ text }}) as value
        from {{ log }}
        where _batch_run_id > (select min(watermark) from watermarks)
        group by _batch_run_id
    {%- endset -%}
    {%- set bounds = {'watermarks': {}, 'batches': {}} -%}
    {%- for kind, name, value in run_query(query).rows if value is not none -%}
        {%- do bounds[kind].update({name: value | int} if kind == 'watermarks' else {name | int: value}) -%}
    {%- endfor -%}
    {{ return(bounds) }}
{%- endmacro %}

{% macro unlogged_batch() -%}{# one row: the log's watermark, then each lake table's first unlogged day #}
    {%- set logged = '(select coalesce(max(_batch_run_id), 0) from ' ~ this ~ ')' -%}
    {%- set firsts = [] -%}
    {%- for table in livelake.lake_tables() -%}
        {%- do firsts.append('(select min(' ~ livelake.lake_partition_date_column(table) ~ ') from '
            ~ ref('base_lake__' ~ table) ~ ' where _batch_run_id > ' ~ logged ~ ')') -%}
    {%- endfor -%}
    {%- set row = run_query('select ' ~ logged ~ ', ' ~ firsts | join(', ')).rows[0] -%}
    {%- set days = {} -%}
    {%- for table in livelake.lake_tables() -%}
        {%- do days.update({table: "cast('" ~ row[loop.index] ~ "' as date)" if row[loop.index] is not none else 'cast(null as date)'}) -%}
    {%- endfor -%}
    {{ return({'logged_until': 'cast(' ~ row[0] ~ ' as ' ~ dbt.type_bigint() ~ ')', 'first_days': days}) }}
{%- endmacro %}
