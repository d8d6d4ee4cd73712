{#
    The first date a daily KPI mart rebuilds, a literal: the earliest change since
    its watermark, or an earlier date whose new-user count differs from the built
    row (a corrected registration date moves a user's count to any date) or that has
    no row yet. Every date from it on is rebuilt. `new_users`: a query of
    (registered_at, new_users), with membership_level too when `by_level`.
#}
{% macro kpi_first_rebuilt_date(new_users, by_level=false) -%}
    {%- set first_rebuilt_date -%}
        select min(date_day) as value_of_query
        from (
            select {{ livelake.changed_since() }} as date_day

            union all by name

            select dates.date_day
            from {{ ref('dim_date') }} as dates
            {% if by_level -%}
                cross join ({{ livelake.membership_levels_relation() }}) as levels
            {%- endif %}
            left join ({{ new_users }}) as new_users
                on
                    dates.date_day = new_users.registered_at
                    {% if by_level %}and levels.membership_level = new_users.membership_level{% endif %}
            left join {{ this }} as built
                on
                    dates.date_day = built.date
                    {% if by_level %}and levels.membership_level = built.membership_level{% endif %}
            where built.date is null or built.new_users != coalesce(new_users.new_users, 0)
        ) as rebuilt
    {%- endset -%}
    {{ return(livelake.query_literal(first_rebuilt_date, 'date')) }}
{%- endmacro %}
