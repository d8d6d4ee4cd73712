{#
    WAU / MAU as spans (kpis.md): each DAU day a of a user opens a WAU span [a, a + 7)
    and a MAU span [a, a + 30), cut at the user's next DAU day, so one user's spans
    never overlap and the number of spans covering d is the number of distinct users
    in the trailing 7 / 30 days' DAU sets. The KPI marts count them as running sums
    over dim_date, with no date x user-day join.

    `user_days` is a relation with fct_user_activity's columns. With `since` (a
    date expression), only DAU days from since on open spans: the spans covering any
    date >= since + 30 are all there, which is what an incremental rebuild from
    since + 30 needs. A macro, not a model: a window over every DAU day of the
    history would cost each incremental run the whole table.
#}
{% macro activity_spans(user_days, since=none) -%}
    select
        user_id,
        activity_date as span_start,
        case
            when next_dau_date < {{ livelake.add_days('activity_date', 7) }} then next_dau_date
            else {{ livelake.add_days('activity_date', 7) }}
        end as wau_span_end,
        case
            when next_dau_date < {{ livelake.add_days('activity_date', 30) }} then next_dau_date
            else {{ livelake.add_days('activity_date', 30) }}
        end as mau_span_end
    from (
        select
            user_id,
            activity_date,
            lead(activity_date) over (partition by user_id order by activity_date) as next_dau_date
        from {{ user_days }}
        where
            is_dau
            {% if since is not none %}
                and activity_date >= {{ since }}
            {% endif %}
    ) as dau_days
{%- endmacro %}
