{# Incremental per report date: see livelake.classify_daily_export_incrementally. #}
{{ livelake.classify_daily_export_incrementally('user_activity', cluster_by=['user_id']) }}
