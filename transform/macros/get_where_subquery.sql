{#
    dbt's hook for a test's `where` config, extended so a daily run tests what it
    wrote. A generic test on a model that documents `_batch_ingested_at` (the
    incremental models, and the views over the incremental base models) reads only
    the rows of the model's newest batch: after `--full-refresh` that is every row,
    after an incremental run the rows it (re)built (delete+insert and
    replace_scopes write whole keys, so a key's rows are either all new or all
    old). Tests that reconcile a whole table with another (row counts, sums, the
    lake ledger) read the whole model; so does any test with a `where` of its own.
    (A relationships test filters its child only: the parent is read whole.) `--vars '{test_all_rows:
    true}'` tests every row.
#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where') -%}
    {%- if where -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ where ~ ') as dbt_subquery') -%}
    {%- endif -%}
    {%- if livelake.tests_newest_batch(relation) -%}
        {%- do return(livelake.newest_batch(relation) ~ ' as dbt_subquery') -%}
    {%- endif -%}
    {%- do return(relation) -%}
{%- endmacro %}

{% macro tests_newest_batch(relation) -%}
    {%- if var('test_all_rows', false) or not execute -%}
        {%- do return(false) -%}
    {%- endif -%}
    {%- set whole_table_tests = [
        'row_count_matches', 'sum_matches', 'lake_ledger_balances'
    ] -%}
    {%- set test_name = (model.test_metadata or {}).get('name') if model is mapping else none -%}
    {%- if test_name is none or test_name in whole_table_tests -%}
        {%- do return(false) -%}
    {%- endif -%}
    {%- for node in graph.nodes.values() -%}
        {%- if node.resource_type == 'model'
            and node.alias == relation.identifier
            and node.schema == relation.schema
            and '_batch_ingested_at' in node.columns -%}
            {%- do return(true) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- do return(false) -%}
{%- endmacro %}

{# The rows of a model's newest batch: what its last run (re)built. #}
{% macro newest_batch(relation) -%}
    (
        select * from {{ relation }}
        where _batch_ingested_at = (select max(_batch_ingested_at) from {{ relation }})
    )
{%- endmacro %}
