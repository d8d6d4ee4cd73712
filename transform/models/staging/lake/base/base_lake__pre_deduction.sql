{# Incremental per report date: see livelake.classify_daily_export_incrementally. #}
{{ livelake.classify_daily_export_incrementally(
    'pre_deduction',
    content_columns=[
        'streamer_id', 'streamer_name', 'channel_id', 'channel_name', 'agency',
        'gift_count', 'gift_coins', 'gross_revenue', 'extra_columns'
    ]
) }}
