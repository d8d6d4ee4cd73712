{# Incremental per report date: see livelake.classify_daily_export_incrementally. #}
{{ livelake.classify_daily_export_incrementally('channel_stats', cluster_by=['channel_id']) }}
