{{ livelake.classify_latest_export_per_date(
    source('lake', 'user_activity'),
    date_column='report_date',
    content_columns=[
        'user_id', 'registered_at', 'membership_level', 'watch_minutes',
        'channels_watched', 'messages_sent', 'gifts_sent_coins', 'extra_columns'
    ]
) }}
