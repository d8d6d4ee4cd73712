-- The ledger of money: mart revenue = fact revenue = the lake's winning rows.
-- The winning rows are recomputed here independently of the staging macro: for
-- each order, the row(s) of its latest export (max exported_at); an order whose
-- latest export disagrees with itself would show up as a difference.
with

lake as (

    select * from {{ source('lake', 'top_up') }}

),

latest_export as (

    select
        order_id,
        max(exported_at) as latest_exported_at
    from lake
    group by 1

),

winning_orders as (

    select distinct
        lake.order_id,
        lake.status,
        lake.amount
    from lake
    inner join latest_export
        on
            lake.order_id = latest_export.order_id
            and lake.exported_at = latest_export.latest_exported_at

),

lake_total as (

    select coalesce(sum(amount), 0) as revenue
    from winning_orders
    where status = 'success'

),

fact_total as (

    select coalesce(sum(successful_amount), 0) as revenue
    from {{ ref('fct_topup') }}

),

mart_total as (

    select coalesce(sum(topup_revenue), 0) as revenue
    from {{ ref('mart_daily_kpis') }}

),

final as (

    select
        lake_total.revenue as lake_revenue,
        fact_total.revenue as fact_revenue,
        mart_total.revenue as mart_revenue
    from lake_total
    cross join fact_total
    cross join mart_total
    where
        lake_total.revenue != fact_total.revenue
        or fact_total.revenue != mart_total.revenue

)

select * from final
