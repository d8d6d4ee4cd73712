{#
    How fresh each domain is, judged: one row per domain, all five always present
    (a domain the lake holds nothing of is 'missing').

    The five reports share one cadence: the back office exports day D of every
    domain on the morning of D + 1, each domain by its own export time
    (below, Asia/Taipei: the simulator's back office exports op_stats 07:00-09:00,
    top-ups 08:00-10:30, the deduction reports 08:30-11:00; `--vars
    '{freshness_export_times: {...}}'` replaces the table). The judgement is made at the lake's
    newest delivery, not at the build's clock (the sample world, and any replayed
    lake, lies in the past): the lake should hold, in every domain, the newest
    report date any domain holds (`expected_data_date`). A domain that holds it is
    'fresh' when that date's first export arrived by its export time and 'late'
    when it arrived after; a domain that does not hold it is 'missing' (another
    domain's report of that day arrived, this one did not). A stall of the whole
    lake shows in hours_since_export (build time - latest export).

    Also: the latest export the lake holds rows of, the latest report date
    (top-up date for top_up) with a winning row, the files that delivered rows.
    Built every run (a table over the small per-file ledger).
#}
{% set export_times = var('freshness_export_times', {
    'top_up': '10:00',
    'pre_deduction': '10:30',
    'post_deduction': '10:30',
    'channel_stats': '08:30',
    'user_activity': '08:30',
}) %}

with

dispositions as (

    select * from {{ ref('int_lake_file_dispositions') }}

),

cadence as (

    {% for domain, export_time in export_times.items() %}
        {% set hours, minutes = export_time.split(':') %}
        select
            '{{ domain }}' as domain,
            '{{ export_time }}' as export_time,
            {{ hours | int * 60 + minutes | int }} as export_minutes
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

domains as (

    select
        lake_table as domain,
        max(exported_at) as latest_exported_at,
        max(case when rows_winning > 0 then partition_date end) as latest_data_date,
        count(distinct file_sha256) as files_loaded
    from dispositions
    group by 1

),

latest_deliveries as (

    -- when the latest report date first arrived (its earliest export with rows)
    select
        dispositions.lake_table as domain,
        min(dispositions.exported_at) as delivered_at
    from dispositions
    inner join domains
        on
            dispositions.lake_table = domains.domain
            and dispositions.partition_date = domains.latest_data_date
    where dispositions.rows_loaded > 0
    group by 1

),

lake_newest as (

    select max(latest_data_date) as expected_data_date
    from domains

),

build as (

    select {{ livelake.taipei_wall_time(dbt.current_timestamp()) }} as built_at_taipei

),

judged as (

    select
        cadence.domain,
        cadence.export_time,
        domains.latest_exported_at,
        domains.latest_data_date,
        coalesce(domains.files_loaded, 0) as files_loaded,
        lake_newest.expected_data_date,
        {{ dbt.dateadd(
            'minute',
            'cadence.export_minutes',
            livelake.end_of_day('lake_newest.expected_data_date')
        ) }} as expected_by_taipei,
        {{ livelake.taipei_wall_time('latest_deliveries.delivered_at') }} as delivered_at_taipei
    from cadence
    cross join lake_newest
    left join domains
        on cadence.domain = domains.domain
    left join latest_deliveries
        on cadence.domain = latest_deliveries.domain

),

final as (

    select
        judged.domain,
        {{ livelake.taipei_wall_time('judged.latest_exported_at') }} as latest_exported_at_taipei,
        judged.latest_data_date,
        judged.files_loaded,
        build.built_at_taipei,
        {{ livelake.to_double(
            dbt.datediff(livelake.taipei_wall_time('judged.latest_exported_at'), 'build.built_at_taipei', 'second')
        ) }} / 3600 as hours_since_export,
        judged.expected_data_date,
        judged.export_time,
        judged.expected_by_taipei,
        judged.delivered_at_taipei,
        case
            when
                judged.latest_data_date is null
                or judged.expected_data_date is null
                or judged.latest_data_date < judged.expected_data_date
                then 'missing'
            when judged.delivered_at_taipei > judged.expected_by_taipei then 'late'
            else 'fresh'
        end as freshness_status
    from judged
    cross join build

)

select * from final
