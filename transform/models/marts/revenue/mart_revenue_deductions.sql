{#
    Per local date, platform-wide (agency null) and per agency: totals of gross
    (pre and post), fees, tax, net, the effective take rate, and take_rate_z, its
    deviation from the mean of the {{ var('take_rate_window_days') }} days before d (d
    excluded) in population standard deviations. z is null with fewer than
    {{ var('take_rate_min_days') }} earlier days that have a take rate, or with a zero
    deviation (< 1e-12 counts as zero); |z| >= {{ var('take_rate_z_threshold') }} is
    flagged. The band the dashboard draws, take_rate_band_low / _high = mean ∓
    threshold × std, exists where z does (its coverage: take_rate_days_trailing of the
    {{ var('take_rate_window_days') }} days); flagged_take_rate repeats the take rate
    on flagged days only (the markers on the line). agency_label names the
    platform-wide row 'Platform'.
#}
{% set window_days = var('take_rate_window_days') %}

with

daily as (

    select * from {{ ref('int_revenue_deductions_daily') }}

),

history as (

    select
        daily.revenue_date,
        daily.agency,
        avg(earlier.take_rate) as trailing_mean,
        stddev_pop(earlier.take_rate) as trailing_std,
        count(earlier.take_rate) as trailing_days
    from daily
    inner join daily as earlier
        on
            coalesce(daily.agency, '') = coalesce(earlier.agency, '')
            and (daily.agency is null) = (earlier.agency is null)
            and daily.revenue_date > earlier.revenue_date
            and earlier.revenue_date >= {{ livelake.add_days('daily.revenue_date', -window_days) }}
    group by 1, 2

),

scored as (

    select
        daily.*,
        history.trailing_mean,
        history.trailing_std,
        coalesce(history.trailing_days, 0) as trailing_days,
        case
            when
                coalesce(history.trailing_days, 0) >= {{ var('take_rate_min_days') }}
                and history.trailing_std > 1e-12
                -- rounded to 1e-9: the |z| >= 3 flag must not depend on the order in
                -- which the engine happens to sum floats (3.0 vs 3.000000000000001)
                then round((daily.take_rate - history.trailing_mean) / history.trailing_std, 9)
        end as take_rate_z
    from daily
    left join history
        on
            daily.revenue_date = history.revenue_date
            and coalesce(daily.agency, '') = coalesce(history.agency, '')
            and (daily.agency is null) = (history.agency is null)

),

final as (

    select
        revenue_date as date,
        agency,
        gross_pre,
        gross_post,
        platform_fee,
        payment_fee,
        tax_withheld,
        net_revenue,
        take_rate,
        {{ livelake.to_double('take_rate_z') }} as take_rate_z,
        coalesce(abs(take_rate_z) >= {{ var('take_rate_z_threshold') }}, false) as is_flagged,
        mismatches,
        arithmetic_breaks,
        deductions,
        streamer_days,
        {{ livelake.to_double('trailing_mean') }} as take_rate_mean_trailing,
        {{ livelake.to_double('trailing_std') }} as take_rate_std_trailing,
        cast(trailing_days as {{ dbt.type_bigint() }}) as take_rate_days_trailing,
        coalesce(agency, 'Platform') as agency_label,
        case
            when take_rate_z is not null
                then {{ livelake.to_double('trailing_mean - ' ~ var('take_rate_z_threshold') ~ ' * trailing_std') }}
        end as take_rate_band_low,
        case
            when take_rate_z is not null
                then {{ livelake.to_double('trailing_mean + ' ~ var('take_rate_z_threshold') ~ ' * trailing_std') }}
        end as take_rate_band_high,
        case
            when abs(take_rate_z) >= {{ var('take_rate_z_threshold') }} then take_rate
        end as flagged_take_rate
    from scored

)

select * from final
