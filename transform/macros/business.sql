{% macro membership_rank(level_expression) -%}
    case {{ level_expression }}
    {%- for level in livelake.named_values('membership_level') %}
        when '{{ level }}' then {{ loop.index0 }}
    {%- endfor %}
    end
{%- endmacro %}

{% macro membership_levels_relation() -%}
    {%- for level in livelake.named_values('membership_level') %}
    select '{{ level }}' as membership_level, {{ loop.index0 }} as membership_rank {{ 'union all by name' if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{% macro observation_kind_order(kind_expression) -%}
    case when {{ kind_expression }} = 'user_activity' then 0 else 1 end
{%- endmacro %}
