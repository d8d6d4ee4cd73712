{{ livelake.classify_latest_row_per_key(
    source('lake', 'top_up'),
    key_columns=['order_id'],
    content_columns=[
        'user_id', 'topup_at', 'amount', 'coins', 'bonus_coins', 'payment_method',
        'platform', 'status', 'channel_id', 'membership_level', 'promo_code', 'extra_columns'
    ]
) }}
