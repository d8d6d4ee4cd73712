{#
    dbt-duckdb re-applies every comment (persist_docs) after each incremental run,
    about 4 queries a model. The comments are applied when a table is created (a
    first or --full-refresh build); an incremental run leaves them, so a changed
    description reaches an incremental model's table with its next full refresh.
#}
{% macro duckdb__persist_docs(relation, model, for_relation, for_columns) -%}
    {%- if not is_incremental() -%}
        {{ default__persist_docs(relation, model, for_relation, for_columns) }}
    {%- endif -%}
{%- endmacro %}
