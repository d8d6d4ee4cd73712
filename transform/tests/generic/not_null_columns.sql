{#
    No row has a null in any of `column_names`: the not_null of each column, as one
    test of the model. A daily build pays dbt's fixed cost per test node (compiling,
    logging, a connection; ~0.1 s) far more than the query, and a model's
    not-null columns share one scan. A failing row says which column is null.
#}
{% test not_null_columns(model, column_names) %}

with

validation as (

    select *
    from {{ model }}
    where
        {% for column_name in column_names -%}
            {{ column_name }} is null{% if not loop.last %} or{% endif %}
        {% endfor %}

)

select * from validation

{% endtest %}
