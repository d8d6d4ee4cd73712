{# Incremental per report date: see livelake.classify_daily_export_incrementally. #}
{{ livelake.classify_daily_export_incrementally(
    'user_activity',
    content_columns=[
        'user_id', 'registered_at', 'membership_level', 'watch_minutes',
        'channels_watched', 'messages_sent', 'gifts_sent_coins', 'extra_columns'
    ]
) }}
