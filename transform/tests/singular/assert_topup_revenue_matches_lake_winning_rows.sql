-- The ledger of money, per date: mart revenue = fact revenue = the lake's winning
-- rows. The winning rows are recomputed here independently of the staging macro:
-- for each order, the row(s) of its latest export (max exported_at); an order whose
-- latest export disagrees with itself shows up as a difference. base_lake__top_up
-- holds every lake row (its lake_ledger_balances test ties it to the lake).
-- Checked for the dates of the mart's newest batch: every date after
-- --full-refresh, the rebuilt dates after an incremental run. Their first date is a
-- literal, so only the lake's partitions from it on are read whole; the latest
-- export of an order is found among all its versions (the order's id and export time).
{% set first_date = livelake.query_literal(
    'select min(kpis.date) as value_of_query from ' ~ livelake.newest_batch(ref('mart_daily_kpis')) ~ ' as kpis',
    'date'
) %}

with

mart as (

    select
        kpis.date,
        kpis.topup_revenue
    from {{ livelake.newest_batch(ref('mart_daily_kpis')) }} as kpis

),

lake as (

    select
        order_id,
        status,
        amount,
        exported_at,
        cast(topup_at as date) as topup_date
    from {{ ref('base_lake__top_up') }}
    where dt >= {{ first_date }}

),

checked_rows as (

    select lake.*
    from lake
    inner join mart
        on lake.topup_date = mart.date

),

latest_export as (

    select
        every_version.order_id,
        max(every_version.exported_at) as latest_exported_at
    from {{ ref('base_lake__top_up') }} as every_version
    where every_version.order_id in (select checked_rows.order_id from checked_rows)
    group by 1

),

winning_orders as (

    select distinct
        lake.order_id,
        lake.status,
        lake.amount,
        lake.topup_date
    from checked_rows as lake
    inner join latest_export
        on
            lake.order_id = latest_export.order_id
            and lake.exported_at = latest_export.latest_exported_at

),

lake_daily as (

    select
        topup_date,
        sum(amount) as revenue
    from winning_orders
    where status = 'success'
    group by 1

),

fact_daily as (

    select
        topup_date,
        sum(successful_amount) as revenue
    from {{ ref('fct_topup') }}
    where topup_date >= {{ first_date }} and topup_date in (select mart.date from mart)
    group by 1

),

final as (

    select
        mart.date,
        coalesce(lake_daily.revenue, 0) as lake_revenue,
        coalesce(fact_daily.revenue, 0) as fact_revenue,
        mart.topup_revenue as mart_revenue
    from mart
    left join lake_daily
        on mart.date = lake_daily.topup_date
    left join fact_daily
        on mart.date = fact_daily.topup_date
    where
        coalesce(lake_daily.revenue, 0) != coalesce(fact_daily.revenue, 0)
        or coalesce(fact_daily.revenue, 0) != mart.topup_revenue

)

select * from final
