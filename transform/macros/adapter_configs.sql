{#
    Model configs that differ by adapter, chosen in each model's config() by these
    macros and nowhere else (no copies of models, no per-folder overrides):

    - `per_adapter(duckdb=..., bigquery=...)`: the value for the target's adapter.
      The materialization and the incremental strategy: DuckDB keeps every big
      model incremental (delete+insert, append, delete_insert_since: macros/
      incremental.sql); BigQuery has merge, insert_overwrite and microbatch only, so
      a model whose scopes can empty (the placeholders of scoped_rows_select are
      DuckDB-only) is a table there, and the facts are incremental by merge (a key
      per row) or insert_overwrite (whole day partitions replaced).
    - `day_partitioned(field)`: BigQuery `partition_by` on a date column by day
      (the facts, the daily base models: a run's date filters prune to the days
      it touches); none on DuckDB, whose big tables are stored in date order
      instead (livelake.storage_order).
    - `clustered(columns)`: BigQuery `cluster_by` (the join and filter keys: the
      user, the order, the date of a mart); none on DuckDB. The marts are small (a row
      per day, week or user), so they are clustered, not partitioned: BigQuery
      advises against partitions of less than about 1 GB, and a daily mart over
      the date spine could pass its partition limit.
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
