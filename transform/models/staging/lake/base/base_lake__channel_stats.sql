{{ livelake.classify_latest_export_per_date(
    source('lake', 'channel_stats'),
    date_column='report_date',
    content_columns=[
        'channel_id', 'channel_name', 'category', 'live_minutes', 'unique_viewers',
        'peak_concurrent_viewers', 'new_followers', 'chat_messages', 'gift_senders',
        'extra_columns'
    ]
) }}
