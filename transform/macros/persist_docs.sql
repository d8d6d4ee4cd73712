{% macro duckdb__persist_docs(relation, model, for_relation, for_columns) -%}
    {%- if not is_incremental() -%}
        {{ default__persist_docs(relation, model, for_relation, for_columns) }}
    {%- endif -%}
{%- endmacro %}
