{% macro query_literals(query, data_type) -%}
    {%- set literals = [] -%}
    {%- for text in (run_query('select ' ~ dbt.concat(["'='", 'cast(value_of_query as ' ~ dbt.type_string() ~ ')'])
        ~ ' as value_text from (' ~ query ~ ') as one_column').columns[0].values() if execute else []) if text is not none -%}
        {%- do literals.append("cast('" ~ text[1:] ~ "' as " ~ data_type ~ ')') -%}
    {%- endfor -%}
    {{ return(literals) }}
{%- endmacro %}

{% macro query_literal(query, data_type) -%}
    {{ return((livelake.query_literals(query, data_type) or ['cast(null as ' ~ data_type ~ ')'])[0]) }}
{%- endmacro %}

{% macro storage_order(columns) -%}
    {%- if target.type == 'duckdb' and not is_incremental() -%}
        order by {{ columns | join(', ') }}
    {%- endif -%}
{%- endmacro %}

{% macro changed_since() -%}
    {%- set bounds = livelake.batch_bounds() -%}
    {%- set watermark = bounds.watermarks.get(model.name, 0) -%}
    {%- set days = bounds.batches.items() | selectattr('0', '>', watermark) | map(attribute='1') | list -%}
    {{ return("cast('" ~ days | min ~ "' as date)" if days else 'cast(null as date)') }}
{%- endmacro %}

{% macro user_change_cuts(watermark) -%}
    select user_id, min(change_date) as cut_date
    from {{ ref('int_lake_changes') }}
    where {{ livelake.changes_after(watermark) }} and user_id is not null
    group by 1
{%- endmacro %}

{% macro changed_dates(watermark, lake_tables=none) -%}
    select distinct change_date
    from {{ ref('int_lake_changes') }}
    where {{ livelake.changes_after(watermark, lake_tables) }}
{%- endmacro %}

{% macro changes_after(watermark, lake_tables=none) -%}
    {{ return('_batch_run_id > ' ~ watermark ~ (
        " and lake_table in ('" ~ lake_tables | join("', '") ~ "')" if lake_tables else '')) }}
{%- endmacro %}
