{#
    Every non-null value of each listed column is accepted: dbt's accepted_values and
    accepted_range of a model's columns as one test of the model, one scan, as
    not_null_columns does for not-null (a test node costs dbt ~0.1 s, far more than
    the query).
    - `values`: column -> its accepted values, a list; an item `@name` stands for a
      named list of the lake contract (livelake.named_values: a vocabulary of
      ingest/vocab.py, or `@lake_table`), so the membership levels, statuses, lake
      tables, ... are never listed again: `'@membership_level'`,
      `['@lake_table', 'unknown']`.
    - `ranges`: column -> {min_value, max_value} (either optional, inclusive).
    One scan: a failing row names the (first) column that broke a rule, and its value.
#}
{% test accepted_columns(model, values={}, ranges={}) %}

{% set checks = [] %}
{% for column_name, accepted in values.items() %}
    {% set quoted = [] %}
    {% for item in ([accepted] if accepted is string else accepted) %}
        {% for value in (livelake.named_values(item[1:]) if item is string and item.startswith('@') else [item]) %}
            {% do quoted.append(value if value is number else "'" ~ value ~ "'") %}
        {% endfor %}
    {% endfor %}
    {% do checks.append((column_name, column_name ~ ' not in (' ~ quoted | join(', ') ~ ')')) %}
{% endfor %}
{% for column_name, bounds in ranges.items() %}
    {% set broken = [] %}
    {% if bounds.min_value is defined and bounds.min_value is not none %}
        {% do broken.append(column_name ~ ' < ' ~ bounds.min_value) %}
    {% endif %}
    {% if bounds.max_value is defined and bounds.max_value is not none %}
        {% do broken.append(column_name ~ ' > ' ~ bounds.max_value) %}
    {% endif %}
    {% do checks.append((column_name, broken | join(' or '))) %}
{% endfor %}

with

validation as (

    select
        case
            {% for column_name, broken in checks -%}
                when {{ column_name }} is not null and ({{ broken }}) then '{{ column_name }}'
            {% endfor %}
        end as column_name,
        case
            {% for column_name, broken in checks -%}
                when {{ column_name }} is not null and ({{ broken }})
                    then cast({{ column_name }} as {{ dbt.type_string() }})
            {% endfor %}
        end as value_in_error
    from {{ model }}
    where
        {% for column_name, broken in checks -%}
            ({{ column_name }} is not null and ({{ broken }})){% if not loop.last %} or{% endif %}
        {% endfor %}

)

select * from validation

{% endtest %}
