{#
    The combination of columns is unique (null-safe: nulls group together).
    Returns each duplicated combination with its count.
#}
{% test unique_combination_of_columns(model, combination_of_columns) %}

with

validation as (

    select
        {{ combination_of_columns | join(', ') }},
        count(*) as occurrences
    from {{ model }}
    group by {{ combination_of_columns | join(', ') }}
    having count(*) > 1

)

select * from validation

{% endtest %}
