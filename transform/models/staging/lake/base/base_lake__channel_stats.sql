{# Every Channel Stats lake row with its row_disposition: livelake.classify_daily_export. #}
{{ config(livelake.daily_export_config('channel_stats', cluster_by=['channel_id'])) }}

{{ livelake.classify_daily_export('channel_stats') }}
