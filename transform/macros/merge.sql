{% macro delete_missing_rows(scope_condition) -%}{# `merge` on the row key, both engines: see _macros.yml #}
    {{ return({'when_not_matched': [{'action': 'insert', 'mode': 'by_name'},
        {'by': 'source', 'condition': scope_condition, 'action': 'delete'}]}) }}
{%- endmacro %}
{% macro rebuilt_users(column='user_id') -%}{{ return(livelake.rebuilt_in(column, 'user_id')) }}{%- endmacro %}
{% macro rebuilt_dates(column, lake_tables=none) -%}{{ return(livelake.rebuilt_in(column, 'change_date', lake_tables)) }}{%- endmacro %}
{% macro rebuilt_in(column, logged, lake_tables=none) -%}
    {{ return('DBT_INTERNAL_DEST.' ~ column ~ ' in (select ' ~ logged ~ ' from ' ~ livelake.unseen_changes(lake_tables) ~ ')') }}
{%- endmacro %}
{% macro rebuilt_since(column, start_of=none, days=0) -%}
    {%- set earliest = {'week': livelake.week_start('min(change_date)'), 'month': livelake.month_start(
        'min(change_date)')}.get(start_of, 'min(change_date)') -%}
    {%- set earliest = livelake.add_days(earliest, days) if days else earliest -%}
    {{ return('DBT_INTERNAL_DEST.' ~ column ~ ' >= (select ' ~ earliest ~ ' from ' ~ livelake.unseen_changes() ~ ')') }}
{%- endmacro %}
{% macro unseen_changes(lake_tables=none) -%}
    {{ return('(select * from ' ~ api.Relation.create(database=target.database, schema=generate_schema_name(
        'intermediate', model) | trim, identifier='int_lake_changes') ~ ' as change_log where '
        ~ livelake.changes_after('{merge_watermark}', lake_tables) ~ ') as unseen_changes') }}
{%- endmacro %}
{% macro target_since(column) -%}{{ return(['DBT_INTERNAL_DEST.' ~ column ~ ' >= {merge_since}']) }}{%- endmacro %}
{% macro merge_since(literal) -%}
    {%- do graph.setdefault('livelake_merge_since', {}).update({invocation_id ~ model.unique_id: literal}) -%}
    {{ return(literal) }}
{%- endmacro %}
{% macro with_merge_since(sql) -%}{# Without merge_since() the SQL is invalid: it fails, never matches wrong. #}
    {%- set since = graph.get('livelake_merge_since', {}).get(invocation_id ~ model.unique_id, '') -%}
    {%- set watermark = livelake.batch_bounds().watermarks.get(model.name, 0) if '{merge_watermark}' in sql else 0 -%}
    {{ return(sql | replace('{merge_since}', since) | replace('{merge_watermark}', watermark | string)) }}
{%- endmacro %}
{% macro duckdb__get_incremental_merge_sql(args_dict) -%}{# A `by source` clause: no target bound in ON, see _macros.yml #}
    {%- if config.get('merge_clauses', {}).get('when_not_matched', []) | selectattr('by', 'equalto', 'source') | list -%}
        {%- do args_dict.update({'incremental_predicates': none}) -%}
    {%- endif -%}
    {{ livelake.with_merge_since(dbt.duckdb__get_incremental_merge_sql(args_dict)) }}
{%- endmacro %}
{% macro bigquery__get_merge_sql(target, source, unique_key, dest_columns, incremental_predicates=none) -%}
    {%- set sql %}{{ default__get_merge_sql(target, source, unique_key, dest_columns, incremental_predicates) }}
    {%- for clause in config.get('merge_clauses', {}).get('when_not_matched', []) if clause.by == 'source' %}
    when not matched by source and ({{ ([clause.condition] + (incremental_predicates or [])) | join(') and (') }})
    then delete
    {%- endfor %}{% endset %}{{ livelake.with_merge_since(sql) }}
{%- endmacro %}
