{#
    The lake's change log: the (user, local date) places whose facts a
    classification batch of the base models may change. A base model re-classifies
    every version of what a new lake row touches (every version of a re-exported
    order, every export of a re-exported report date) and stamps those rows with the
    build's snapshot (`_batch_run_id`). Here each re-exported order or user-day
    compares its winning row with the previous winner (the best of the rows of the
    runs already logged: run_id up to this table's watermark): a row repeated as it was is no change; a changed order is
    logged where it was and where it is (a corrected user_id or time moves it). A
    full build logs every row. Channel Stats and the pre / post-deduction reports
    log their report date (no user).

    Incremental models read their work here (livelake.user_change_cuts,
    livelake.changed_dates, livelake.changed_since): the entries logged after
    their own watermark. An append-only incremental table (a merge without a key): a run reads only the
    base rows stamped after its last entry (the newest rows of each base table, so
    DuckDB's zone maps skip the rest): finding what changed costs the size of the
    change, not of the lake.
#}
{{
    config(
        materialized='incremental',
        incremental_strategy='merge',
        cluster_by=livelake.clustered(['_batch_run_id', 'lake_table']),
        on_schema_change='fail'
    )
}}

{# The newest batch already logged (a literal: the base tables' new rows are their last row groups). #}
{% set logged_until = livelake.model_watermark() if is_incremental() else none %}

with

{# The facts a re-export may change: the content columns of the lake contract (livelake.lake_content_columns). #}
{% set topup_content = livelake.lake_content_columns('top_up', exclude=['order_id']) %}
{% set activity_content = livelake.lake_content_columns('user_activity', exclude=['report_date', 'user_id']) %}

{% for table in livelake.lake_tables() %}

    {{ table }}_batch as (

        select lake_rows.*
        from {{ ref('base_lake__' ~ table) }} as lake_rows
        {% if is_incremental() %}
            where lake_rows._batch_run_id > {{ logged_until }}
        {% endif %}

    ),

{% endfor %}

{% if is_incremental() %}

    {#
        A re-export changes the facts only where its winning row differs from the
        one that won before (the best of the rows already logged): an order or a
        user-day re-exported as it was changes nothing but lineage, and is not
        logged. A changed order is logged where it was and where it is.
    #}
    previous_topups as (

        select
            top_up_batch.*,
            row_number() over (
                partition by top_up_batch.order_id
                order by {{ livelake.export_order(relation_alias='top_up_batch') }}
            ) as previous_rank
        from top_up_batch
        where top_up_batch.run_id <= {{ logged_until }}

    ),

    topup_versions as (

        select
            current_rows._batch_run_id,
            current_rows.order_id,
            current_rows.user_id,
            cast(current_rows.topup_at as date) as change_date,
            previous_rows.user_id as previous_user_id,
            cast(previous_rows.topup_at as date) as previous_change_date,
            previous_rows.order_id is not null as was_seen,
            (
                {% for column in topup_content %}
                    current_rows.{{ column }} is not distinct from previous_rows.{{ column }}
                    {{- ' and' if not loop.last }}
                {% endfor %}
            ) as is_unchanged
        from top_up_batch as current_rows
        left join previous_topups as previous_rows
            on
                current_rows.order_id = previous_rows.order_id
                and previous_rows.previous_rank = 1
        where current_rows.row_disposition = 'loaded'

    ),

    top_up_changes as (

        select
            _batch_run_id,
            'top_up' as lake_table,
            user_id,
            change_date
        from topup_versions
        where not (was_seen and is_unchanged)

        union all by name

        select
            _batch_run_id,
            'top_up' as lake_table,
            previous_user_id as user_id,
            previous_change_date as change_date
        from topup_versions
        where was_seen and not is_unchanged

    ),

    previous_exports as (

        select
            report_date,
            exported_at,
            ingested_at,
            file_sha256,
            row_number() over (
                partition by report_date
                order by {{ livelake.export_order(grain='export') }}
            ) as previous_rank
        from (
            select distinct
                user_activity_batch.report_date,
                user_activity_batch.exported_at,
                user_activity_batch.ingested_at,
                user_activity_batch.file_sha256
            from user_activity_batch
            where user_activity_batch.run_id <= {{ logged_until }}
        ) as exports

    ),

    previous_activity as (

        select distinct
            user_activity_batch.report_date,
            user_activity_batch.user_id,
            {# sqlfluff misreads the indent of a rendered column loop #}
            -- noqa: disable=LT02
            {% for column in activity_content %}
                user_activity_batch.{{ column }}{{ ',' if not loop.last }}
            {% endfor %}
        -- noqa: enable=LT02
        from user_activity_batch
        inner join previous_exports
            on
                user_activity_batch.report_date = previous_exports.report_date
                and user_activity_batch.exported_at = previous_exports.exported_at
                and user_activity_batch.ingested_at = previous_exports.ingested_at
                and user_activity_batch.file_sha256 = previous_exports.file_sha256
                and previous_exports.previous_rank = 1

    ),

    current_activity as (

        select distinct
            report_date,
            user_id,
            {# sqlfluff misreads the indent of a rendered column loop #}
            -- noqa: disable=LT02
            {% for column in activity_content %}
                {{ column }}{{ ',' if not loop.last }}
            {% endfor %}
        -- noqa: enable=LT02
        from user_activity_batch
        where row_disposition = 'loaded'

    ),

    user_activity_changes as (

        select
            (
                select max(user_activity_batch._batch_run_id) as newest_batch
                from user_activity_batch
            ) as _batch_run_id,
            'user_activity' as lake_table,
            coalesce(current_activity.user_id, previous_activity.user_id) as user_id,
            coalesce(current_activity.report_date, previous_activity.report_date) as change_date
        from current_activity
        full outer join previous_activity
            on
                current_activity.report_date = previous_activity.report_date
                and current_activity.user_id = previous_activity.user_id
        where
            current_activity.user_id is null
            or previous_activity.user_id is null
            or not (
                {% for column in activity_content %}
                    current_activity.{{ column }} is not distinct from previous_activity.{{ column }}
                    {{- ' and' if not loop.last }}
                {% endfor %}
            )

    ),

{% else %}

    top_up_changes as (

        select
            _batch_run_id,
            'top_up' as lake_table,
            user_id,
            cast(topup_at as date) as change_date
        from top_up_batch

    ),

    user_activity_changes as (

        select
            _batch_run_id,
            'user_activity' as lake_table,
            user_id,
            report_date as change_date
        from user_activity_batch

    ),

{% endif %}

{% for table in ['channel_stats', 'pre_deduction', 'post_deduction'] %}

    {{ table }}_changes as (

        select
            _batch_run_id,
            '{{ table }}' as lake_table,
            cast(null as {{ dbt.type_string() }}) as user_id,
            report_date as change_date
        from {{ table }}_batch

    ),

{% endfor %}

final as (

    select * from top_up_changes
    union distinct
    select * from user_activity_changes
    union distinct
    select * from channel_stats_changes
    union distinct
    select * from pre_deduction_changes
    union distinct
    select * from post_deduction_changes

)

select * from final
