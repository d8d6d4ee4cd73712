{# Portable types the dbt.type_* macros do not cover exactly. #}

{# 8-byte float: dbt.type_float() is a 4-byte REAL on DuckDB. #}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'livelake')()) }}
{%- endmacro %}

{% macro default__type_double() -%}
    double
{%- endmacro %}

{% macro bigquery__type_double() -%}
    float64
{%- endmacro %}

{# Money: TWD to the cent. #}
{% macro type_money() -%}
    {{ return(adapter.dispatch('type_money', 'livelake')()) }}
{%- endmacro %}

{% macro default__type_money() -%}
    decimal(18, 2)
{%- endmacro %}

{% macro bigquery__type_money() -%}
    numeric(18, 2)
{%- endmacro %}

{# Cast an expression to money, rounded half away from zero to the cent. #}
{% macro to_money(expression) -%}
    cast(round({{ expression }}, 2) as {{ livelake.type_money() }})
{%- endmacro %}

{# Cast an expression to an 8-byte float. #}
{% macro to_double(expression) -%}
    cast({{ expression }} as {{ livelake.type_double() }})
{%- endmacro %}

{# Ratio as a double; null when the denominator is 0 or null. #}
{% macro safe_ratio(numerator, denominator) -%}
    cast({{ numerator }} as {{ livelake.type_double() }})
    / nullif(cast({{ denominator }} as {{ livelake.type_double() }}), 0)
{%- endmacro %}

{# Naive local wall-clock timestamp (Asia/Taipei): TIMESTAMP on DuckDB, DATETIME on BigQuery. #}
{% macro type_local_timestamp() -%}
    {{ return(adapter.dispatch('type_local_timestamp', 'livelake')()) }}
{%- endmacro %}

{% macro default__type_local_timestamp() -%}
    {{ dbt.type_timestamp() }}
{%- endmacro %}

{% macro bigquery__type_local_timestamp() -%}
    datetime
{%- endmacro %}

{#
    Money over a count (users, minutes), to the cent, half away from zero, exactly:
    in integer cents, since a DuckDB decimal division is a double (516.55 / 2 =
    258.275 would round to 258.27). Null when the denominator is 0 or null. The
    denominator is a count (>= 0); the numerator has at most two decimals.
#}
{% macro money_ratio(numerator, denominator) -%}
    {%- set cents = 'cast((' ~ numerator ~ ') * 100 as ' ~ dbt.type_bigint() ~ ')' -%}
    {%- set count = 'nullif(' ~ denominator ~ ', 0)' -%}
    {%- set halves = livelake.integer_divide('abs(' ~ cents ~ ') * 2 + ' ~ count, '2 * ' ~ count) -%}
    {{ livelake.to_money(
        'sign(' ~ cents ~ ') * (' ~ halves ~ ") * cast('0.01' as " ~ livelake.type_money() ~ ')'
    ) }}
{%- endmacro %}

{# Integer division, truncating: `//` on DuckDB, div() on BigQuery. #}
{% macro integer_divide(numerator, denominator) -%}
    {{ return(adapter.dispatch('integer_divide', 'livelake')(numerator, denominator)) }}
{%- endmacro %}

{% macro default__integer_divide(numerator, denominator) -%}
    div(({{ numerator }}), ({{ denominator }}))
{%- endmacro %}

{% macro duckdb__integer_divide(numerator, denominator) -%}
    ({{ numerator }}) // ({{ denominator }})
{%- endmacro %}
