{#
    One incremental strategy on both engines: `merge` on a row-level unique key.
    A model whose rows of a scope (a user, a date, a week) can all disappear in a
    rebuild (a corrected order moved to another user) deletes the target's rows of
    the scopes it rebuilt that the new rows no longer hold, in the same MERGE:

        config(materialized='incremental', incremental_strategy='merge',
               unique_key=['date', 'segment'],
               merge_clauses=livelake.delete_missing_rows(livelake.rebuilt_since('date')))

    which is `when not matched by source and <scope> then delete` (DuckDB and
    BigQuery both have it). The scope is SQL read when the MERGE runs (the config is
    fixed when dbt parses the project): it must be the rebuilt scopes or fewer,
    never more (a row outside them that the new rows lack is not gone, just not
    rebuilt).
#}
{% macro delete_missing_rows(scope_condition) -%}
    {{ return({'when_not_matched': [
        {'action': 'insert', 'mode': 'by_name'},
        {'by': 'source', 'condition': scope_condition, 'action': 'delete'}
    ]}) }}
{%- endmacro %}

{#
    The scopes an incremental run rebuilds, as conditions on the target's row
    (DBT_INTERNAL_DEST) for delete_missing_rows, from the change log's entries
    after the row's own `_batch_run_id`. Every run rebuilds (restamps or deletes)
    the rows in scope of the entries it consumes, so for a row still in the table
    the entries after its batch in scope are the ones after the model's watermark:
    the same scopes as the model's own filter (livelake.changed_since, the
    users and dates of livelake.user_change_cuts and livelake.changed_dates).
#}
{% macro rebuilt_users(column='user_id') -%}
    {{ return('DBT_INTERNAL_DEST.' ~ column ~ ' in (select user_id from ' ~ livelake.unseen_changes() ~ ')') }}
{%- endmacro %}

{% macro rebuilt_dates(column) -%}
    {{ return('DBT_INTERNAL_DEST.' ~ column ~ ' in (select change_date from ' ~ livelake.unseen_changes() ~ ')') }}
{%- endmacro %}

{# `start_of` 'week' / 'month': from the start of the earliest change's week / month; `days`: shifted. #}
{% macro rebuilt_since(column, start_of=none, days=0) -%}
    {%- set earliest = 'min(change_date)' -%}
    {%- if start_of == 'week' -%}
        {%- set earliest = livelake.week_start(earliest) -%}
    {%- elif start_of == 'month' -%}
        {%- set earliest = livelake.month_start(earliest) -%}
    {%- endif -%}
    {%- set earliest = livelake.add_days(earliest, days) if days else earliest -%}
    {{ return('DBT_INTERNAL_DEST.' ~ column ~ ' >= (select ' ~ earliest ~ ' from ' ~ livelake.unseen_changes() ~ ')') }}
{%- endmacro %}

{#
    The change log's entries after the target row's batch, as a relation named at
    parse time (merge clauses are config, which ref() cannot name then; the model
    refs the log in its SQL, so it runs after it).
#}
{% macro unseen_changes() -%}
    {%- set log = api.Relation.create(
        database=target.database,
        schema=generate_schema_name('intermediate', model) | trim,
        identifier='int_lake_changes'
    ) -%}
    {{ return(
        '(select * from ' ~ log ~ ' as change_log'
        ~ ' where change_log._batch_run_id > DBT_INTERNAL_DEST._batch_run_id) as unseen_changes'
    ) }}
{%- endmacro %}

{#
    dbt-bigquery's merge with the `when not matched by source` deletes of the
    same `merge_clauses` config dbt-duckdb reads (its other clauses are DuckDB's
    defaults: BigQuery's are dbt's). The root project's bigquery__get_merge_sql
    takes precedence over the adapter's in dbt's dispatch.
#}
{% macro bigquery__get_merge_sql(target, source, unique_key, dest_columns, incremental_predicates=none) -%}
    {{ default__get_merge_sql(target, source, unique_key, dest_columns, incremental_predicates) }}
    {%- for clause in config.get('merge_clauses', {}).get('when_not_matched', []) if clause.get('by') == 'source' %}
    when not matched by source and ({{ clause.condition }}) then delete
    {%- endfor %}
{%- endmacro %}
