{% macro trailing_active(grid, user_days, since=none, versions=none) -%}
    {%- set by = 'membership_level, ' if versions else '' -%}
    {%- set start = 'greatest(days.activity_date, versions.valid_from_date)' if versions else 'days.activity_date' -%}
    {%- set cut = 'least(coalesce(versions.valid_to_date, days.span_end), days.span_end)' if versions else 'days.span_end' -%}
    select
        grid.*,
        cast(sum(coalesce(changes.wau_change, 0)) over running as {{ dbt.type_bigint() }}) as wau,
        cast(sum(coalesce(changes.mau_change, 0)) over running as {{ dbt.type_bigint() }}) as mau
    from {{ grid }} as grid
    left join (
        select
            {{ by }}case edge when 0 then span_start when 1 then wau_end else mau_end end as edge_date,
            sum(case edge when 0 then 1 when 1 then -1 else 0 end) as wau_change,
            sum(case edge when 0 then 1 when 1 then 0 else -1 end) as mau_change
        from (
            select
                {{ 'versions.' ~ by if versions }}{{ start }} as span_start,
                greatest({{ start }}, least({{ cut }}, {{ livelake.add_days('days.activity_date', 7) }})) as wau_end,
                {{ cut }} as mau_end
            from (
                select user_id, activity_date, least({{ livelake.add_days('activity_date', 30) }}, coalesce(
                    lead(activity_date) over (partition by user_id order by activity_date),
                    {{ livelake.add_days('activity_date', 30) }})) as span_end
                from {{ user_days }}
                where is_dau {% if since is not none %}and activity_date >= {{ since }}{% endif %}
            ) as days
            {% if versions %}inner join {{ versions }} as versions on days.user_id = versions.user_id and
                versions.valid_from_date < days.span_end and {{ cut }} > days.activity_date{% endif %}
        ) as spans cross join (select 0 as edge union all select 1 as edge union all select 2 as edge) as edges
        group by {{ by }}edge_date
    ) as changes on grid.date_day = changes.edge_date {{ 'and grid.membership_level = changes.membership_level' if versions }}
    window running as ({% if versions %}partition by grid.membership_level {% endif %}order by grid.date_day)
{%- endmacro %}
