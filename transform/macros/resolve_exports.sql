{#
    Re-export resolution, shared by the base models. Every lake row gets exactly one
    `row_disposition`:
      loaded      the row staging keeps,
      superseded  a later export replaced it,
      duplicate   an exact copy (same content, same export instant) of a kept or
                  superseded row.
    The ledger test checks lake rows = loaded + superseded + duplicate.
#}

{#
    Every classified row carries `_batch_run_id`, the snapshot the run that
    classified it consumed up to (livelake.lake_snapshot): the rows a run
    (re)classifies are exactly those with the newest stamp, which is how
    int_lake_changes finds every version of what changed without scanning the table.
#}
{% macro classification_batch() -%}
    {{ livelake.lake_snapshot() }} as _batch_run_id
{%- endmacro %}

{#
    Which export is the latest: the one rule every re-export resolution uses
    (here and int_lake_changes). `exported_at`, then `ingested_at` and `file_sha256`
    as deterministic tie-breaks; per row (`grain='row'`) then file, sheet and row.
    `descending=true` puts the latest first; `false` the earliest (the copy kept
    among exact copies). `relation_alias` qualifies the columns.
#}
{% macro export_order(grain='row', relation_alias=none, descending=true) -%}
    {%- set columns = ['exported_at', 'ingested_at', 'file_sha256'] -%}
    {%- if grain == 'row' -%}
        {%- set columns = columns + ['source_file', 'source_sheet', 'source_row'] -%}
    {%- endif -%}
    {%- set prefix = relation_alias ~ '.' if relation_alias else '' -%}
    {%- set ordered = [] -%}
    {%- for column in columns -%}
        {%- do ordered.append(prefix ~ column ~ (' desc' if descending else '')) -%}
    {%- endfor -%}
    {{ ordered | join(', ') }}
{%- endmacro %}

{#
    What makes two rows of one export exact copies: the same content and the same
    columns the contract does not name (extra_columns, kept as lineage).
#}
{% macro copy_columns(content_columns) -%}
    {{ return(content_columns + ['extra_columns']) }}
{%- endmacro %}

{#
    Keyed entities (top_up): per key, the row of the latest export wins
    (exported_at, then ingested_at, file, sheet, row as deterministic tie-breaks).
    `storage_order`: the columns a full build stores the rows in (livelake.storage_order).
#}
{% macro classify_latest_row_per_key(relation, key_columns, content_columns, storage_order=none) -%}
    with source_rows as (

        select * from {{ relation }}

    ),

    copies as (

        select
            *,
            row_number() over (
                partition by exported_at, {{ (key_columns + livelake.copy_columns(content_columns)) | join(', ') }}
                order by {{ livelake.export_order(descending=false) }}
            ) as copy_number
        from source_rows

    ),

    ranked as (

        select
            *,
            case
                when copy_number = 1
                    then row_number() over (
                        partition by {{ key_columns | join(', ') }}, case when copy_number = 1 then 1 else 0 end
                        order by {{ livelake.export_order() }}
                    )
            end as export_rank
        from copies

    ),

    classified as (

        select
            *,
            case
                when copy_number > 1 then 'duplicate'
                when export_rank = 1 then 'loaded'
                else 'superseded'
            end as row_disposition,
            {{ livelake.classification_batch() }}
        from ranked

    )

    select * from classified
    {% if storage_order %}{{ livelake.storage_order(storage_order) }}{% endif %}
{%- endmacro %}

{#
    Daily aggregate domains: per date, the latest export (file) that holds the date
    wins for the whole date; all rows of older exports of that date go. Inside the
    winning export, exact copies of a row are duplicates.
#}
{% macro classify_latest_export_per_date(relation, date_column, content_columns) -%}
    with source_rows as (

        select * from {{ relation }}

    ),

    exports as (

        select
            {{ date_column }} as export_date,
            exported_at,
            ingested_at,
            file_sha256
        from source_rows
        group by 1, 2, 3, 4

    ),

    ranked_exports as (

        select
            *,
            row_number() over (
                partition by export_date
                order by {{ livelake.export_order(grain='export') }}
            ) as export_rank
        from exports

    ),

    ranked as (

        select
            source_rows.*,
            ranked_exports.export_rank,
            row_number() over (
                partition by
                    source_rows.{{ date_column }}, ranked_exports.export_rank,
                    {% for column in livelake.copy_columns(content_columns) -%}
                        source_rows.{{ column }}{{ ', ' if not loop.last }}
                    {%- endfor %}
                order by {{ livelake.export_order(relation_alias='source_rows', descending=false) }}
            ) as copy_number
        from source_rows
        inner join ranked_exports
            on
                source_rows.{{ date_column }} = ranked_exports.export_date
                and source_rows.exported_at = ranked_exports.exported_at
                and source_rows.ingested_at = ranked_exports.ingested_at
                and source_rows.file_sha256 = ranked_exports.file_sha256

    ),

    classified as (

        select
            *,
            case
                when export_rank > 1 then 'superseded'
                when copy_number > 1 then 'duplicate'
                else 'loaded'
            end as row_disposition,
            {{ livelake.classification_batch() }}
        from ranked

    )

    select * from classified
{%- endmacro %}

{#
    A daily aggregate domain's base model: every lake row classified by
    classify_latest_export_per_date, kept as an incremental table. A run
    re-classifies only the report dates that lake rows ingested since the last run
    hold (every export of such a date) and replaces those dates (delete+insert on
    report_date; insert_overwrite of day partitions on BigQuery). Classification is
    per date, so no other row can change.
#}
{% macro classify_daily_export_incrementally(table, cluster_by) -%}
    {{
        config(
            materialized='incremental',
            unique_key=livelake.per_adapter(duckdb='report_date', bigquery=none),
            incremental_strategy=livelake.per_adapter(duckdb='delete+insert', bigquery='insert_overwrite'),
            partition_by=livelake.day_partitioned('report_date'),
            cluster_by=livelake.clustered(cluster_by),
            on_schema_change='fail'
        )
    }}
    {%- set lake_rows = livelake.lake_parts(table) ~ ' as lake_rows' -%}
    {%- if is_incremental() -%}
        {#- The days the new runs' parts hold (their records say; dt is the report date), as literals. -#}
        {%- set new_dates = livelake.lake_new_dates(table, after=livelake.model_watermark()) -%}
        {#- Every committed part of those days: every export of a re-exported date. -#}
        {%- set lake_rows -%}
            (
                select * from {{ livelake.lake_parts(table, dates=new_dates) }} as listed
                where report_date in ({{ (new_dates or ['null']) | join(', ') }})
            ) as lake_rows
        {%- endset -%}
    {%- endif -%}
    {{ livelake.classify_latest_export_per_date(
        lake_rows, date_column='report_date', content_columns=livelake.lake_content_columns(table, exclude=['report_date'])
    ) }}
{%- endmacro %}
