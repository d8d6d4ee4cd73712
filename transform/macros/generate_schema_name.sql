{#
    DuckDB (dev): custom schemas are used as-is (staging, intermediate, core,
    marts, snapshots) so dashboards read `marts.mart_daily_kpis`.
    Elsewhere (BigQuery prod): dbt's default `<target dataset>_<custom>`.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- elif target.type == 'duckdb' -%}
        {{ custom_schema_name | trim }}
    {%- else -%}
        {{ target.schema }}_{{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
