{#
    The lake's schema, as the ingest defines it (ingest/contracts.py, written for dbt
    into macros/lake_contract.sql by `python -m ingest.dbt_contract`): the one place a
    report table's columns are named in the project. A report table's content columns
    are its contract's columns; its lineage (livelake.lake_lineage_columns) says where
    a row came from, not what it says. The re-export rules (which copies are exact,
    which re-export changed nothing) compare content; a column added to the contract
    is compared without another edit. The side tables' columns are documented in the
    source YAML (_lake__sources.yml), held to the ingest's by test_lake_schema.py.
#}

{# At parse time (no graph yet) the node is none. #}
{% macro lake_source_node(table) -%}
    {{ return(graph.sources['source.' ~ project_name ~ '.lake.' ~ table] if execute else none) }}
{%- endmacro %}

{# The lineage columns every report table carries, then its hive partition `dt`. #}
{% macro lake_lineage_columns(table) -%}
    {%- set contract = livelake.lake_contract() -%}
    {%- set names = [] -%}
    {%- for name, data_type in contract.lineage + [contract.partition] -%}
        {%- do names.append(name) -%}
    {%- endfor -%}
    {{ return(names) }}
{%- endmacro %}

{#
    A lake table's columns with their types, [(name, data_type)]: a report table's
    contract columns, lineage and partition; a side table's documented columns.
#}
{% macro lake_typed_columns(table) -%}
    {%- set contract = livelake.lake_contract() -%}
    {%- if table in contract.tables -%}
        {{ return(contract.tables[table].columns + contract.lineage + [contract.partition]) }}
    {%- endif -%}
    {{ return(livelake.lake_side_columns(table)) }}
{%- endmacro %}

{# A report table's content columns, in the contract's order, but `exclude` (its key, its date). #}
{% macro lake_content_columns(table, exclude=[]) -%}
    {%- set columns = [] -%}
    {%- for name, data_type in livelake.lake_contract().tables[table].columns if name not in exclude -%}
        {%- do columns.append(name) -%}
    {%- endfor -%}
    {{ return(columns) }}
{%- endmacro %}

{# Every column of a report table's rows: content, then lineage. #}
{% macro lake_row_columns(table) -%}
    {{ return(livelake.lake_content_columns(table) + livelake.lake_lineage_columns(table)) }}
{%- endmacro %}
