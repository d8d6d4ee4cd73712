{# Incremental per report date: see livelake.classify_daily_export_incrementally. #}
{{ livelake.classify_daily_export_incrementally(
    'channel_stats',
    content_columns=[
        'channel_id', 'channel_name', 'category', 'live_minutes', 'unique_viewers',
        'peak_concurrent_viewers', 'new_followers', 'chat_messages', 'gift_senders',
        'extra_columns'
    ]
) }}
