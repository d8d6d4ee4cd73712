{% macro kpi_first_rebuilt_date(new_users, keys=['date']) -%}
    {%- set first_rebuilt_date -%}
        select min(date_day) as value_of_query
        from (
            select {{ livelake.changed_since() }} as date_day
            union all
            select coalesce(computed.date, built.date) as date_day
            from ({{ new_users }}) as computed
            full outer join (select * from {{ this }} where new_users > 0) as built
                on {% for key in keys %}{{ 'and ' if not loop.first }}computed.{{ key }} = built.{{ key }} {% endfor %}
            where computed.new_users is distinct from built.new_users
        ) as rebuilt
    {%- endset -%}
    {{ return(livelake.query_literal(first_rebuilt_date, 'date')) }}
{%- endmacro %}
