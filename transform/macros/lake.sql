{% macro lake_source_node(table) -%}
    {{ return(graph.sources['source.' ~ project_name ~ '.lake.' ~ table] if execute else none) }}
{%- endmacro %}

{% macro lake_tables() -%}
    {{ return(livelake.lake_contract().tables.keys() | list) }}
{%- endmacro %}

{% macro lake_partition_date_column(table) -%}
    {{ return(livelake.lake_contract().tables[table].partition_date_column) }}
{%- endmacro %}

{% macro lake_typed_columns(table) -%}
    {%- set contract = livelake.lake_contract() -%}
    {%- if table in contract.tables -%}
        {{ return(contract.tables[table].columns + contract.lineage + [contract.partition]) }}
    {%- endif -%}
    {%- set columns = livelake.lake_source_node(table).columns.values() | list -%}
    {{ return(zip(columns | map(attribute='name'), columns | map(attribute='data_type')) | list) }}
{%- endmacro %}

{% macro lake_content_columns(table, exclude=[]) -%}
    {{ return(livelake.lake_contract().tables[table].columns | map('first') | reject('in', exclude) | list) }}
{%- endmacro %}

{% macro lineage_columns(relation_alias=none) -%}
    {%- for name, data_type in livelake.lake_contract().lineage %}
    {{ relation_alias ~ '.' if relation_alias }}{{ name }}{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{% macro named_values(name) -%}
    {{ return(livelake.lake_tables() if name == 'lake_table' else livelake.lake_contract().vocabularies[name]) }}
{%- endmacro %}

{% macro export_order(grain='row', relation_alias=none, descending=true) -%}
    {%- for column in ['exported_at', 'ingested_at', 'file_sha256'] + (['source_file', 'source_sheet', 'source_row'] if grain == 'row' else []) -%}
        {{ relation_alias ~ '.' if relation_alias }}{{ column }}{{ ' desc' if descending }}{{ ', ' if not loop.last }}
    {%- endfor -%}
{%- endmacro %}

{% macro daily_export_config(table, cluster_by) -%}
    {%- set day = livelake.lake_partition_date_column(table) -%}
    {{ return({'materialized': 'incremental', 'incremental_strategy': 'merge', 'on_schema_change': 'fail',
        'unique_key': [day, 'file_sha256', 'source_sheet', 'source_row'], 'partition_by': livelake.day_partitioned(day),
        'incremental_predicates': livelake.target_since(day), 'cluster_by': livelake.clustered(cluster_by)}) }}
{%- endmacro %}

{% macro classify_daily_export(table) -%}
    {%- set day = livelake.lake_partition_date_column(table) -%}
    {%- set copy_columns = livelake.lake_content_columns(table, exclude=[day]) + ['extra_columns'] -%}
    {%- set lake_rows = livelake.touched_lake_rows(table, key=day) if is_incremental() else livelake.lake_parts(table) %}
    with ranked as (
        select
            *,
            dense_rank() over (
                partition by {{ day }} order by {{ livelake.export_order(grain='export') }}
            ) as export_rank,
            row_number() over (
                partition by {{ day }}, exported_at, ingested_at, file_sha256, {{ copy_columns | join(', ') }}
                order by source_file, source_sheet, source_row
            ) as copy_number
        from {{ lake_rows }} as lake_rows
    )

    select
        *,
        case
            when export_rank > 1 then 'superseded'
            when copy_number > 1 then 'duplicate'
            else 'loaded'
        end as row_disposition,
        {{ livelake.lake_snapshot() }} as _batch_run_id
    from ranked
{%- endmacro %}
