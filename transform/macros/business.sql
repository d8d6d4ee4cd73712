{# kpis.md: topup_day_segment by local hour. #}
{% macro topup_day_segment(hour_expression) -%}
    case
        when {{ hour_expression }} < 6 then 'late_night'
        when {{ hour_expression }} < 12 then 'morning'
        when {{ hour_expression }} < 18 then 'afternoon'
        else 'evening'
    end
{%- endmacro %}

{# reports.md: membership levels ranked 0..4, lowest first (ingest/vocab.py LEVELS, via the lake contract). #}
{% macro membership_levels() -%}
    {{ return(livelake.lake_contract().vocabularies.membership_level) }}
{%- endmacro %}

{% macro membership_rank(level_expression) -%}
    case {{ level_expression }}
    {%- for level in livelake.membership_levels() %}
        when '{{ level }}' then {{ loop.index0 }}
    {%- endfor %}
    end
{%- endmacro %}

{# Label of a blank agency (reports.md: blank = independent). #}
{% macro independent_agency() -%}
    'independent'
{%- endmacro %}

{#
    kpis.md: at equal instants a User Activity observation (end of its day) comes
    before a top-up; a user's observations are ordered by (observed_at, kind_order,
    order_id).
#}
{% macro observation_kind_order(kind_expression) -%}
    case when {{ kind_expression }} = 'user_activity' then 0 else 1 end
{%- endmacro %}
