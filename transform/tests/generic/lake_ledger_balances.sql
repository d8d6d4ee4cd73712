{#
    The ledger of a lake table, carried through staging. Applied to a base model
    (every lake row with its row_disposition):
      lake rows = base rows, and every base row is loaded, superseded or duplicate,
      loaded rows = staging rows,
    so lake rows = staging rows + superseded + duplicates. Returns one row with the
    counts when the ledger does not balance.
#}
{% test lake_ledger_balances(model, lake_relation, staging_model) %}

with

lake as (

    select count(*) as lake_rows
    from {{ lake_relation }}

),

dispositions as (

    select
        count(*) as base_rows,
        sum(case when row_disposition = 'loaded' then 1 else 0 end) as loaded_rows,
        sum(case when row_disposition = 'superseded' then 1 else 0 end) as superseded_rows,
        sum(case when row_disposition = 'duplicate' then 1 else 0 end) as duplicate_rows
    from {{ model }}

),

staging as (

    select count(*) as staging_rows
    from {{ staging_model }}

),

validation as (

    select
        lake.lake_rows,
        dispositions.base_rows,
        staging.staging_rows,
        dispositions.loaded_rows,
        dispositions.superseded_rows,
        dispositions.duplicate_rows
    from lake
    cross join dispositions
    cross join staging
    where
        lake.lake_rows != dispositions.base_rows
        or lake.lake_rows != staging.staging_rows
        + coalesce(dispositions.superseded_rows, 0)
        + coalesce(dispositions.duplicate_rows, 0)
        or coalesce(dispositions.loaded_rows, 0) != staging.staging_rows

)

select * from validation

{% endtest %}
