{% macro day_partitioned(field) -%}
    {{ return({'field': field, 'data_type': 'date', 'granularity': 'day'} if target.type == 'bigquery' else none) }}
{%- endmacro %}

{% macro clustered(columns) -%}
    {{ return(columns if target.type == 'bigquery' else none) }}
{%- endmacro %}
