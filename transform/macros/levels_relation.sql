{# The membership levels as an inline relation (membership_level, membership_rank). #}
{% macro membership_levels_relation() -%}
    {%- for level in livelake.membership_levels() %}
    select
        '{{ level }}' as membership_level,
        {{ loop.index0 }} as membership_rank
    {%- if not loop.last %}
    union all by name
    {%- endif %}
    {%- endfor %}
{%- endmacro %}
