{#
    Every row satisfies a boolean SQL expression (rows where it is false or null
    fail). On a column, the expression is appended to the column name, e.g.
    `expression: ">= 0"`.
#}
{% test expression_is_true(model, expression, column_name=none) %}

with

validation as (

    select *
    from {{ model }}
    where not coalesce(
        {% if column_name %}{{ column_name }} {% endif %}{{ expression }},
        false
    )

)

select * from validation

{% endtest %}
