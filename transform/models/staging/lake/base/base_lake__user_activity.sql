{# Every User Activity lake row with its row_disposition: livelake.classify_daily_export. #}
{{ config(livelake.daily_export_config('user_activity', cluster_by=['user_id'])) }}

{{ livelake.classify_daily_export('user_activity') }}
