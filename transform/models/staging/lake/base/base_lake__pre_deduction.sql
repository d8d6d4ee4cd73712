{# Every pre-deduction report lake row with its row_disposition: livelake.classify_daily_export. #}
{{ config(livelake.daily_export_config('pre_deduction', cluster_by=['streamer_id'])) }}

{{ livelake.classify_daily_export('pre_deduction') }}
