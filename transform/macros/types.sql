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
    cast({{ expression }} as {{ 'float64' if target.type == 'bigquery' else 'double' }})
{%- endmacro %}

{% macro safe_ratio(numerator, denominator) -%}
    {{ livelake.to_double(numerator) }} / nullif({{ livelake.to_double(denominator) }}, 0)
{%- endmacro %}

{% macro money_ratio(numerator, denominator) -%}
    {%- set cents = 'cast((' ~ numerator ~ ') * 100 as ' ~ dbt.type_bigint() ~ ')' -%}
    {%- set count = 'nullif(' ~ denominator ~ ', 0)' -%}
    {%- set halves = ('div(({}), ({}))' if target.type == 'bigquery' else '({}) // ({})').format(
        'abs(' ~ cents ~ ') * 2 + ' ~ count, '2 * ' ~ count
    ) -%}
    {{ livelake.to_money('sign(' ~ cents ~ ') * (' ~ halves ~ ") * cast('0.01' as " ~ livelake.type_money() ~ ')') }}
{%- endmacro %}
