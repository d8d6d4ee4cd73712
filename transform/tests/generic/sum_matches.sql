{#
    Sum reconciliation: sum(column_name) over the model (optionally filtered) equals
    sum(compare_column) over compare_model (optionally filtered), within tolerance.
#}
{% test sum_matches(model, column_name, compare_model, compare_column, model_where=none, compare_where=none, tolerance=0.005) %}

with

model_sum as (

    select coalesce(sum({{ column_name }}), 0) as model_total
    from {{ model }}
    {% if model_where %}where {{ model_where }}{% endif %}

),

compare_sum as (

    select coalesce(sum({{ compare_column }}), 0) as compare_total
    from {{ compare_model }}
    {% if compare_where %}where {{ compare_where }}{% endif %}

),

validation as (

    select
        model_sum.model_total,
        compare_sum.compare_total
    from model_sum
    cross join compare_sum
    where abs(model_sum.model_total - compare_sum.compare_total) > {{ tolerance }}

)

select * from validation

{% endtest %}
