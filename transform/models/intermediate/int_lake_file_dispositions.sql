{#
    The lake's ledger per file: for each lake table, partition date, source file and
    export stamp, the rows the lake holds and how the base models account for them
    (row_disposition: loaded = the winning export's row, superseded, duplicate). The
    data-health marts read this instead of every base row.

    Incremental, by (lake_table, partition_date): a base model
    re-classifies whole report dates (daily domains) or every version of a touched
    order (top_up, whose versions' partitions it re-reads), and stamps the rows it
    re-classified with its batch. A run re-aggregates only the partitions holding
    rows stamped after this table's watermark for that lake table
    (`_batch_aggregated_run_id`, the newest base batch it has aggregated), read as
    literals so DuckDB skips the other row groups of the date-ordered base tables.
    A lake row never changes partition, so the rest of the table stays right and a
    file's row never goes: merged on the row's key.
#}
{{
    config(
        materialized='incremental',
        incremental_strategy='merge',
        unique_key=['lake_table', 'partition_date', 'file_sha256', 'exported_at'],
        cluster_by=livelake.clustered(['lake_table', 'partition_date']),
        on_schema_change='fail'
    )
}}

{#
    Incremental: the partitions to re-aggregate, per lake table, in two queries (the
    watermarks, then the partitions of the rows stamped after them, by literal
    bounds), read when the model runs.
#}
{% set reclassified = {} %}
{% if is_incremental() and execute %}
    {% set watermarks = {} %}
    {% for table, until in run_query(
        'select lake_table, coalesce(max(_batch_aggregated_run_id), 0) from ' ~ this ~ ' group by 1'
    ).rows %}
        {% do watermarks.update({table: until}) %}
    {% endfor %}
    {% set partitions = [] %}
    {% for table in livelake.lake_tables() %}
        {% set partition_column = livelake.lake_partition_date_column(table) %}
        {% do partitions.append(
            "select distinct '" ~ table ~ "' as lake_table, cast(" ~ partition_column ~ ' as '
            ~ dbt.type_string() ~ ') as partition_date from ' ~ ref('base_lake__' ~ table)
            ~ ' where _batch_run_id > ' ~ watermarks.get(table, 0)
        ) %}
    {% endfor %}
    {% for table, day in run_query(partitions | join(' union all ')).rows %}
        {% do reclassified.setdefault(table, []).append("cast('" ~ day ~ "' as date)") %}
    {% endfor %}
{% endif %}

with

{# Each base model and the column its rows are partitioned (and re-classified) by (the lake contract). #}
{% for table in livelake.lake_tables() %}
    {% set partition_column = livelake.lake_partition_date_column(table) %}

    {% set reclassified_dates = reclassified.get(table, []) %}

    {{ table }}_rows as (

        select
            {{ partition_column }} as partition_date,
            file_sha256,
            source_file,
            exported_at,
            row_disposition,
            _batch_run_id
        from {{ ref('base_lake__' ~ table) }}
        {% if is_incremental() %}
            {% if reclassified_dates %}
                where {{ partition_column }} in ({{ reclassified_dates | join(', ') }})
            {% else %}
                where 1 = 0
            {% endif %}
        {% endif %}

    ),

    {{ table }}_files as (

        select
            '{{ table }}' as lake_table,
            partition_date,
            file_sha256,
            source_file,
            exported_at,
            count(*) as rows_loaded,
            sum(case when row_disposition = 'loaded' then 1 else 0 end) as rows_winning,
            sum(case when row_disposition = 'superseded' then 1 else 0 end) as rows_superseded,
            sum(case when row_disposition = 'duplicate' then 1 else 0 end) as rows_duplicate,
            max(max(_batch_run_id)) over () as _batch_aggregated_run_id
        from {{ table }}_rows
        group by 2, 3, 4, 5

    ),

{% endfor %}

final as (

    {% for table in livelake.lake_tables() %}
        select * from {{ table }}_files
        {% if not loop.last %}union all by name{% endif %}
    {% endfor %}

)

select * from final
