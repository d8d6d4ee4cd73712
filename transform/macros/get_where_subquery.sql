{#
    dbt's hook for a test's `where` config, extended by one opt-in: a test with
    `config: {meta: {newest_batch: true}}` reads only the rows of its model's newest
    batch (the rows whose `_batch_run_id` is the model's largest): after
    `--full-refresh` every row, after an incremental run the rows it (re)built
    (delete+insert writes whole keys, so a key's rows are either all new or all
    old). A per-row check (not_null, accepted_values, a row expression, uniqueness
    within what was rebuilt) needs nothing more, and a daily run then tests what it
    wrote, not the whole history. Every other test reads the whole model, as dbt
    does; a relationships test filters its child only. `--vars '{test_all_rows:
    true}'` makes the opted-in tests read every row too.

    The batch is read when the test runs and written in as a literal: DuckDB skips
    the row groups before it by their min / max (a new batch is the table's last
    row groups); a subquery bound would read the column whole.
#}
{% macro get_where_subquery(relation) -%}
    {%- set filters = [] -%}
    {%- if config.get('where') -%}
        {%- do filters.append('(' ~ config.get('where') ~ ')') -%}
    {%- endif -%}
    {%- if (config.get('meta') or {}).get('newest_batch', false) and not var('test_all_rows', false) -%}
        {%- do filters.append('_batch_run_id = ' ~ livelake.newest_batch_literal(relation)) -%}
    {%- endif -%}
    {%- if filters -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ filters | join(' and ') ~ ') as dbt_subquery') -%}
    {%- endif -%}
    {%- do return(relation) -%}
{%- endmacro %}

{#
    The newest `_batch_run_id` of a relation, a literal (a subquery at parse time or
    before it is built): what this invocation stamps, read once per invocation (a
    model downstream of the change log stamps its newest batch, livelake.batch_bounds;
    a base model and its staging view the pinned snapshot), else the relation's own
    largest.
#}
{% macro newest_batch_literal(relation) -%}
    {%- set newest = 'select max(_batch_run_id) as value_of_query from ' ~ relation -%}
    {%- if not execute or load_relation(relation) is none -%}
        {{ return('(' ~ newest | replace(' as value_of_query', '') ~ ')') }}
    {%- endif -%}
    {%- set node = graph.nodes.get('model.livelake.' ~ relation.identifier) -%}
    {%- if node and node.name == 'int_lake_changes' or node and 'model.livelake.int_lake_changes' in node.depends_on.nodes -%}
        {%- set batch = livelake.batch_bounds().newest -%}
        {{ return("cast('" ~ batch ~ "' as " ~ dbt.type_bigint() ~ ')' if batch is not none else 'cast(null as ' ~ dbt.type_bigint() ~ ')') }}
    {%- elif node and node.name.startswith(('base_lake__', 'stg_lake__')) -%}
        {{ return(livelake.lake_snapshot()) }}
    {%- endif -%}
    {{ return(livelake.query_literal(newest, dbt.type_bigint())) }}
{%- endmacro %}

{# The rows of a relation's newest batch, a subquery (singular tests read it by hand). #}
{% macro newest_batch(relation) -%}
    (select * from {{ relation }} where _batch_run_id = {{ livelake.newest_batch_literal(relation) }})
{%- endmacro %}
