{% macro week_start(date_expression) -%}
    {{ 'date_trunc(' ~ date_expression ~ ', isoweek)' if target.type == 'bigquery'
        else 'cast(' ~ dbt.date_trunc('week', date_expression) ~ ' as date)' }}
{%- endmacro %}

{% macro month_start(date_expression) -%}
    cast({{ dbt.date_trunc('month', date_expression) }} as date)
{%- endmacro %}

{% macro add_days(date_expression, days) -%}
    cast({{ dbt.dateadd('day', '(' ~ days ~ ')', date_expression) }} as date)
{%- endmacro %}

{% macro end_of_day(date_expression) -%}
    cast({{ dbt.dateadd('day', 1, date_expression) }} as {{ livelake.type_local_timestamp() }})
{%- endmacro %}

{% macro taipei_wall_time(instant_expression) -%}
    {{ 'datetime(' ~ instant_expression ~ ", 'Asia/Taipei')" if target.type == 'bigquery'
        else "cast(timezone('Asia/Taipei', " ~ instant_expression ~ ') as ' ~ livelake.type_local_timestamp() ~ ')' }}
{%- endmacro %}

{% macro taipei_date(instant_expression) -%}
    cast({{ livelake.taipei_wall_time(instant_expression) }} as date)
{%- endmacro %}
