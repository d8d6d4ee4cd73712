{{ livelake.classify_latest_export_per_date(
    source('lake', 'post_deduction'),
    date_column='report_date',
    content_columns=[
        'streamer_id', 'channel_id', 'gross_revenue', 'platform_fee', 'payment_fee',
        'tax_withheld', 'net_revenue', 'settlement_status', 'extra_columns'
    ]
) }}
