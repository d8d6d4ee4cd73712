{#
    Row-count reconciliation: the model (optionally filtered) has as many rows as
    compare_model (optionally filtered). Returns one row with both counts on failure.
#}
{% test row_count_matches(model, compare_model, model_where=none, compare_where=none) %}

with

model_count as (

    select count(*) as model_rows
    from {{ model }}
    {% if model_where %}where {{ model_where }}{% endif %}

),

compare_count as (

    select count(*) as compare_rows
    from {{ compare_model }}
    {% if compare_where %}where {{ compare_where }}{% endif %}

),

validation as (

    select
        model_count.model_rows,
        compare_count.compare_rows
    from model_count
    cross join compare_count
    where model_count.model_rows != compare_count.compare_rows

)

select * from validation

{% endtest %}
