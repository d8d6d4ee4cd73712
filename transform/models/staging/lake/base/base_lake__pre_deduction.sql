{# Incremental per report date: see livelake.classify_daily_export_incrementally. #}
{{ livelake.classify_daily_export_incrementally('pre_deduction', cluster_by=['streamer_id']) }}
