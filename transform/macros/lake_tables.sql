{#
    The lake's tables, read from the lake contract (macros/lake_contract.sql, written
    from ingest/contracts.py and lake/runs.py): models loop over these instead of
    naming the tables again.
#}

{# The report tables, in the contract's order (top_up first). #}
{% macro lake_tables() -%}
    {{ return(livelake.lake_contract().tables.keys() | list) }}
{%- endmacro %}

{#
    The column of a report table's lake rows (and its base model's) that holds the
    partition's date: the partition column itself when it is a date (report_date),
    else the hive partition `dt` (top_up: the local date of topup_at).
#}
{% macro lake_partition_date_column(table) -%}
    {{ return(livelake.lake_contract().tables[table].partition_date_column) }}
{%- endmacro %}

{# The side tables' identifiers (_manifest, _quarantine, _rejected): no day partition, no lineage. #}
{% macro lake_side_tables() -%}
    {{ return(livelake.lake_contract().side_tables) }}
{%- endmacro %}

{# A vocabulary's canonical values (ingest/vocab.py), for accepted values. #}
{% macro vocabulary(name) -%}
    {{ return(livelake.lake_contract().vocabularies[name]) }}
{%- endmacro %}

{#
    The lineage a fact keeps of its winning lake row: where the row came from and
    when, without the run bookkeeping (run_id) or the cells the contract does not
    name (extra_columns).
#}
{% macro fact_lineage_columns() -%}
    {%- set names = [] -%}
    {%- for name, data_type in livelake.lake_contract().lineage if name not in ['run_id', 'extra_columns'] -%}
        {%- do names.append(name) -%}
    {%- endfor -%}
    {{ return(names) }}
{%- endmacro %}

{#
    A named list of accepted values (the accepted_columns test's `@name`): a
    vocabulary's canonical values, or `lake_table`, the report tables.
#}
{% macro named_values(name) -%}
    {%- if name == 'lake_table' -%}
        {{ return(livelake.lake_tables()) }}
    {%- endif -%}
    {{ return(livelake.vocabulary(name)) }}
{%- endmacro %}
