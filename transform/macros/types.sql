{% macro type_double() -%}
    {{ return('float64' if target.type == 'bigquery' else 'double') }}
{%- endmacro %}

{% macro type_money() -%}
    {{ return('numeric(18, 2)' if target.type == 'bigquery' else 'decimal(18, 2)') }}
{%- endmacro %}

{% macro type_local_timestamp() -%}
    {{ return('datetime' if target.type == 'bigquery' else dbt.type_timestamp()) }}
{%- endmacro %}

{% macro to_money(expression) -%}
    cast(round({{ expression }}, 2) as {{ livelake.type_money() }})
{%- endmacro %}

{% macro to_double(expression) -%}
    cast({{ expression }} as {{ livelake.type_double() }})
{%- endmacro %}

{% macro safe_ratio(numerator, denominator) -%}
    cast({{ numerator }} as {{ livelake.type_double() }})
    / nullif(cast({{ denominator }} as {{ livelake.type_double() }}), 0)
{%- endmacro %}

{#- In integer cents: a DuckDB decimal division is a double (516.55 / 2 = 258.275 would round to 258.27). -#}
{% macro money_ratio(numerator, denominator) -%}
    {%- set cents = 'cast((' ~ numerator ~ ') * 100 as ' ~ dbt.type_bigint() ~ ')' -%}
    {%- set count = 'nullif(' ~ denominator ~ ', 0)' -%}
    {%- set halves = livelake.integer_divide('abs(' ~ cents ~ ') * 2 + ' ~ count, '2 * ' ~ count) -%}
    {{ livelake.to_money('sign(' ~ cents ~ ') * (' ~ halves ~ ") * cast('0.01' as " ~ livelake.type_money() ~ ')') }}
{%- endmacro %}

{% macro integer_divide(numerator, denominator) -%}
    {{ '(' ~ numerator ~ ') // (' ~ denominator ~ ')' if target.type == 'duckdb'
        else 'div((' ~ numerator ~ '), (' ~ denominator ~ '))' }}
{%- endmacro %}
