{#
    The values an incremental run needs at compile time, read once per invocation
    and cached for every model and test of it (dbt's `graph` is one object for the
    whole invocation): DuckDB prunes a scan by a literal bound, never by a subquery
    (row groups by their min / max, lake files by their partition), so these are
    written into the SQL as literals. At parse time (no database) a literal is a
    typed null.

    - `pinned_snapshot()`: the lake snapshot this invocation pinned (one query).
    - `batch_bounds()`: one query, on first use after the change log
      (int_lake_changes) is built: each incremental model's watermark (its largest
      `_batch_run_id`, before it runs) and, per batch of the change log after the
      oldest of them, the earliest date it touches. `model_watermark`,
      `earliest_change_date` and the newest-batch filter of the tests read it.
#}
{% macro cached(key, compute) -%}
    {%- if not execute -%}
        {{ return(compute()) }}
    {%- endif -%}
    {%- set cache = graph.setdefault('livelake_invocation_cache', {}) -%}
    {%- if cache.get('invocation_id') != invocation_id -%}
        {%- do cache.clear() -%}
        {%- do cache.update({'invocation_id': invocation_id}) -%}
    {%- endif -%}
    {%- if key not in cache -%}
        {%- do cache.update({key: compute()}) -%}
    {%- endif -%}
    {{ return(cache[key]) }}
{%- endmacro %}

{% macro batch_bounds() -%}
    {{ return(livelake.cached('batch_bounds', livelake.read_batch_bounds)) }}
{%- endmacro %}

{#
    The change log's relation, from the graph: a test reading the bounds has no ref
    to it (a ref() at run time must be one the node declared).
#}
{% macro change_log() -%}
    {%- set node = graph.nodes['model.livelake.int_lake_changes'] -%}
    {{ return(api.Relation.create(database=node.database, schema=node.schema, identifier=node.alias)) }}
{%- endmacro %}

{# Whether the model being compiled reads the change log (runs after it). #}
{% macro reads_change_log() -%}
    {{ return('model.livelake.int_lake_changes' in model.depends_on.nodes) }}
{%- endmacro %}

{# The incremental models downstream of the change log that exist, by name: relation. #}
{% macro logged_models() -%}
    {%- set found = {} -%}
    {%- for node in graph.nodes.values()
        if node.resource_type == 'model' and node.config.materialized == 'incremental'
        and 'model.livelake.int_lake_changes' in node.depends_on.nodes -%}
        {%- set relation = adapter.get_relation(node.database, node.schema, node.alias) -%}
        {%- if relation is not none -%}
            {%- do found.update({node.name: relation}) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(found) }}
{%- endmacro %}

{% macro read_batch_bounds() -%}
    {%- set models = livelake.logged_models() -%}
    {%- set watermarks = [] -%}
    {%- for name, relation in models.items() -%}
        {%- do watermarks.append(
            "select '" ~ name ~ "' as model, coalesce(max(_batch_run_id), 0) as watermark from " ~ relation
        ) -%}
    {%- endfor -%}
    {%- if not watermarks -%}
        {%- do watermarks.append("select '' as model, cast(0 as " ~ dbt.type_bigint() ~ ") as watermark") -%}
    {%- endif -%}
    {%- set query -%}
        with watermarks as (
            {{ watermarks | join('\nunion all\n') }}
        )

        select 'watermark' as kind, model as name, cast(watermark as {{ dbt.type_string() }}) as value
        from watermarks

        union all

        select
            'batch' as kind,
            cast(_batch_run_id as {{ dbt.type_string() }}) as name,
            cast(min(change_date) as {{ dbt.type_string() }}) as value
        from {{ livelake.change_log() }}
        where _batch_run_id > (select min(watermark) from watermarks)
        group by _batch_run_id

        union all

        select 'newest' as kind, '' as name, cast(max(_batch_run_id) as {{ dbt.type_string() }}) as value
        from {{ livelake.change_log() }}
    {%- endset -%}
    {%- set bounds = {'watermarks': {}, 'batches': {}, 'newest': none} -%}
    {%- for kind, name, value in run_query(query).rows -%}
        {%- if kind == 'watermark' -%}
            {%- do bounds.watermarks.update({name: value | int}) -%}
        {%- elif kind == 'batch' -%}
            {%- do bounds.batches.update({name | int: value}) -%}
        {%- elif value is not none -%}
            {%- do bounds.update({'newest': value | int}) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(bounds) }}
{%- endmacro %}
