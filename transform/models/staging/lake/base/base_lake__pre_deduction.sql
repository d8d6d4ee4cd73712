{{ livelake.classify_latest_export_per_date(
    source('lake', 'pre_deduction'),
    date_column='report_date',
    content_columns=[
        'streamer_id', 'streamer_name', 'channel_id', 'channel_name', 'agency',
        'gift_count', 'gift_coins', 'gross_revenue', 'extra_columns'
    ]
) }}
