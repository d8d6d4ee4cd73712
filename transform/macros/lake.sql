{#
    The lake's schema, as the source YAML (_lake__sources.yml) documents it: the one
    place a lake column is named in the project. A report table's content columns
    are its documented columns but the lineage (the source's meta.lineage_columns):
    what a row says, not where it came from. The re-export rules (which copies are
    exact, which re-export changed nothing) compare content; a column added to the
    contract and the source YAML is compared without another edit.
#}

{# At parse time (no graph yet) every list is empty: nothing is rendered into SQL then. #}
{% macro lake_source_node(table) -%}
    {{ return(graph.sources['source.' ~ project_name ~ '.lake.' ~ table] if execute else none) }}
{%- endmacro %}

{# The lineage columns every report table carries (source meta.lineage_columns: name -> type). #}
{% macro lake_lineage_columns(table) -%}
    {{ return(livelake.lake_source_node(table).config.meta.lineage_columns.keys() | list if execute else []) }}
{%- endmacro %}

{#
    A lake table's columns with their types, [(name, data_type)]: the documented
    ones, then (report tables) the lineage the table does not document itself.
#}
{% macro lake_typed_columns(table) -%}
    {%- set node = livelake.lake_source_node(table) -%}
    {%- set columns = [] -%}
    {%- for column in node.columns.values() -%}
        {%- do columns.append((column.name, column.data_type)) -%}
    {%- endfor -%}
    {#- Side tables (_manifest, ...) document every column; they have no lineage of their own. -#}
    {%- set lineage = {} if node.identifier.startswith('_') else node.config.meta.lineage_columns -%}
    {%- for name, data_type in lineage.items() if name not in node.columns -%}
        {%- do columns.append((name, data_type)) -%}
    {%- endfor -%}
    {{ return(columns) }}
{%- endmacro %}

{# A report table's content columns, in documented order, but `exclude` (its key, its date). #}
{% macro lake_content_columns(table, exclude=[]) -%}
    {%- set lineage = livelake.lake_lineage_columns(table) -%}
    {%- set columns = [] -%}
    {%- for name in (livelake.lake_source_node(table).columns if execute else []) if name not in lineage and name not in exclude -%}
        {%- do columns.append(name) -%}
    {%- endfor -%}
    {{ return(columns) }}
{%- endmacro %}

{# Every column of a report table's rows: content, then lineage. #}
{% macro lake_row_columns(table) -%}
    {{ return(livelake.lake_content_columns(table) + livelake.lake_lineage_columns(table)) }}
{%- endmacro %}
