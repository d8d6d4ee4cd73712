{% macro get_where_subquery(relation) -%}
    {%- set scoped = (config.get('meta') or {}).get('newest_batch', false) and not var('test_all_rows', false) -%}
    {%- set rows = livelake.newest_batch(relation) ~ ' as newest_batch' if scoped else relation -%}
    {%- if config.get('where') -%}
        {%- set rows = '(select * from ' ~ rows ~ ' where ' ~ config.get('where') ~ ') as dbt_subquery' -%}
    {%- endif -%}
    {{ return(rows) }}
{%- endmacro %}

{% macro newest_batch(relation) -%}
    {%- set node = graph.nodes.get('model.livelake.' ~ relation.identifier) if execute else none -%}
    {%- set newest = 'select max(_batch_run_id) as value_of_query from ' ~ relation -%}
    {%- if not node or load_relation(relation) is none -%}
        {%- set newest = '(' ~ newest ~ ')' -%}
    {%- elif node.name == 'int_lake_changes' or 'model.livelake.int_lake_changes' in node.depends_on.nodes -%}
        {%- set batch = livelake.batch_bounds().watermarks.get('int_lake_changes') -%}
        {%- set newest = 'cast(' ~ ("'" ~ batch ~ "'" if batch is not none else 'null') ~ ' as ' ~ dbt.type_bigint() ~ ')' -%}
    {%- elif node.name.startswith(('base_lake__', 'stg_lake__')) -%}
        {%- set newest = livelake.lake_snapshot() -%}
    {%- else -%}
        {%- set newest = livelake.query_literal(newest, dbt.type_bigint()) -%}
    {%- endif -%}
    {{ return('(select * from ' ~ relation ~ ' where _batch_run_id = ' ~ newest ~ ')') }}
{%- endmacro %}
