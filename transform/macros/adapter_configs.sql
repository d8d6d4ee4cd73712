{#
    What differs by adapter, chosen in each model's config() by these macros only:
    the physical layout (BigQuery `partition_by` by day, `cluster_by`; nothing on
    DuckDB, whose big tables are stored in date order instead: storage_order) and
    the name of the whole-day replacement (`per_adapter`: delete+insert on DuckDB,
    insert_overwrite on BigQuery). The marts are clustered, not partitioned:
    BigQuery advises against partitions under about 1 GB.
#}
{% macro per_adapter(duckdb, bigquery) -%}
    {{ return(bigquery if target.type == 'bigquery' else duckdb) }}
{%- endmacro %}

{% macro day_partitioned(field) -%}
    {{ return({'field': field, 'data_type': 'date', 'granularity': 'day'} if target.type == 'bigquery' else none) }}
{%- endmacro %}

{% macro clustered(columns) -%}
    {{ return(columns if target.type == 'bigquery' else none) }}
{%- endmacro %}
