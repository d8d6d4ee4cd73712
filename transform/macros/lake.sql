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
    {%- set columns = [] -%}
    {%- for column in livelake.lake_source_node(table).columns.values() -%}
        {%- do columns.append((column.name, column.data_type)) -%}
    {%- endfor -%}
    {{ return(columns) }}
{%- endmacro %}

{% macro lake_content_columns(table, exclude=[]) -%}
    {{ return(livelake.lake_contract().tables[table].columns | map('first') | reject('in', exclude) | list) }}
{%- endmacro %}

{% macro fact_lineage_columns() -%}
    {{ return(livelake.lake_contract().lineage | map('first') | reject('in', ['run_id', 'extra_columns']) | list) }}
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
