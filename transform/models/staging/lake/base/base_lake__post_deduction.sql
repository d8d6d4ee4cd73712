{# Incremental per report date: see livelake.classify_daily_export_incrementally. #}
{{ livelake.classify_daily_export_incrementally(
    'post_deduction',
    content_columns=[
        'streamer_id', 'channel_id', 'gross_revenue', 'platform_fee', 'payment_fee',
        'tax_withheld', 'net_revenue', 'settlement_status', 'extra_columns'
    ]
) }}
