{# ISO week start (Monday) of a date, as a date. #}
{% macro week_start(date_expression) -%}
    {{ return(adapter.dispatch('week_start', 'livelake')(date_expression)) }}
{%- endmacro %}

{% macro default__week_start(date_expression) -%}
    cast({{ dbt.date_trunc('week', date_expression) }} as date)
{%- endmacro %}

{% macro bigquery__week_start(date_expression) -%}
    date_trunc({{ date_expression }}, isoweek)
{%- endmacro %}

{# First day of the month of a date, as a date. #}
{% macro month_start(date_expression) -%}
    cast({{ dbt.date_trunc('month', date_expression) }} as date)
{%- endmacro %}

{# Date n days after a date, as a date. #}
{% macro add_days(date_expression, days) -%}
    cast({{ dbt.dateadd('day', '(' ~ days ~ ')', date_expression) }} as date)
{%- endmacro %}

{# Local hour (0..23) of a naive local timestamp. #}
{% macro hour_of(timestamp_expression) -%}
    {{ return(adapter.dispatch('hour_of', 'livelake')(timestamp_expression)) }}
{%- endmacro %}

{% macro default__hour_of(timestamp_expression) -%}
    cast(extract(hour from {{ timestamp_expression }}) as {{ dbt.type_int() }})
{%- endmacro %}

{# Midnight starting the day after a date: the instant "end of that day". #}
{% macro end_of_day(date_expression) -%}
    {{ return(adapter.dispatch('end_of_day', 'livelake')(date_expression)) }}
{%- endmacro %}

{% macro default__end_of_day(date_expression) -%}
    cast({{ dbt.dateadd("day", 1, date_expression) }} as {{ livelake.type_local_timestamp() }})
{%- endmacro %}

{% macro bigquery__end_of_day(date_expression) -%}
    datetime(date_add({{ date_expression }}, interval 1 day))
{%- endmacro %}

{#
    An absolute instant (exported_at, ingested_at: UTC) as Asia/Taipei wall-clock time,
    naive: how the reports and the dashboards show time. Taipei keeps no daylight
    saving, but the zone is named rather than offset by hand.
#}
{% macro taipei_wall_time(instant_expression) -%}
    {{ return(adapter.dispatch('taipei_wall_time', 'livelake')(instant_expression)) }}
{%- endmacro %}

{% macro default__taipei_wall_time(instant_expression) -%}
    cast(timezone('Asia/Taipei', {{ instant_expression }}) as {{ livelake.type_local_timestamp() }})
{%- endmacro %}

{% macro bigquery__taipei_wall_time(instant_expression) -%}
    datetime({{ instant_expression }}, 'Asia/Taipei')
{%- endmacro %}

{# The Asia/Taipei date of an absolute instant. #}
{% macro taipei_date(instant_expression) -%}
    cast({{ livelake.taipei_wall_time(instant_expression) }} as date)
{%- endmacro %}
