"""The back office's words: canonical values, their raw spellings, and headers.

Everything here mirrors the input contract (``docs/input-contract.md``). The simulator writes raw
spellings and header aliases from these tables; the tests check that every one
of them appears somewhere in the ``small`` inbox, so adding a spelling to the
contract means adding it here.
"""

from __future__ import annotations

from typing import Literal

from ingest.vocab import LEVELS

Table = Literal["top_up", "pre_deduction", "post_deduction", "channel_stats", "user_activity"]
TABLES: tuple[Table, ...] = (
    "top_up",
    "pre_deduction",
    "post_deduction",
    "channel_stats",
    "user_activity",
)

PAYMENT_METHODS = (
    "apple_iap",
    "google_play",
    "credit_card",
    "line_pay",
    "jko_pay",
    "convenience_store",
    "mycard",
)
PLATFORMS = ("ios", "android", "web")
CATEGORIES = ("music", "gaming", "chat", "outdoor", "talent")

# canonical value -> raw spellings; index 0 is the English "title" spelling.
# ``zh`` lists the Traditional Chinese spellings (empty: none exists).
RAW_EN: dict[str, dict[str, tuple[str, ...]]] = {
    "payment_method": {
        "apple_iap": ("Apple IAP", "App Store"),
        "google_play": ("Google Play",),
        "credit_card": ("Credit Card",),
        "line_pay": ("LINE Pay",),
        "jko_pay": ("JKO Pay",),
        "convenience_store": ("Convenience Store",),
        "mycard": ("MyCard",),
    },
    "platform": {"ios": ("iOS",), "android": ("Android",), "web": ("Web",)},
    "status": {
        "success": ("Success", "SUCCESS"),
        "failed": ("Failed",),
        "refunded": ("Refunded",),
        "pending": ("Pending",),
    },
    "settlement_status": {
        "pending": ("Pending",),
        "settled": ("Settled",),
        "on_hold": ("On Hold",),
    },
    "category": {
        "music": ("Music",),
        "gaming": ("Gaming",),
        "chat": ("Chat",),
        "outdoor": ("Outdoor",),
        "talent": ("Talent",),
    },
    "membership_level": {
        "regular": ("Regular",),
        "silver": ("Silver",),
        "gold": ("Gold",),
        "platinum": ("Platinum",),
        "diamond": ("Diamond",),
    },
}
RAW_ZH: dict[str, dict[str, tuple[str, ...]]] = {
    "payment_method": {
        "credit_card": ("信用卡",),
        "jko_pay": ("街口支付",),
        "convenience_store": ("超商代碼", "超商"),
    },
    "platform": {},
    "status": {
        "success": ("成功",),
        "failed": ("失敗",),
        "refunded": ("已退款", "退款"),
        "pending": ("處理中",),
    },
    "settlement_status": {
        "pending": ("待結算",),
        "settled": ("已結算",),
        "on_hold": ("暫緩", "保留"),
    },
    "category": {
        "music": ("音樂",),
        "gaming": ("遊戲",),
        "chat": ("聊天",),
        "outdoor": ("戶外",),
        "talent": ("才藝",),
    },
    "membership_level": {
        "regular": ("一般",),
        "silver": ("銀卡",),
        "gold": ("金卡",),
        "platinum": ("白金",),
        "diamond": ("鑽石",),
    },
}
VIP_SPELLING = {lvl: f"VIP{rank}" for rank, lvl in enumerate(LEVELS)}

# which canonical columns carry which vocabulary
VOCAB_OF_COLUMN = {
    "payment_method": "payment_method",
    "platform": "platform",
    "status": "status",
    "settlement_status": "settlement_status",
    "category": "category",
    "membership_level": "membership_level",
}


def all_raw_spellings(vocab: str) -> dict[str, str]:
    """Every documented spelling of ``vocab`` -> canonical value (for tests and coverage)."""
    out: dict[str, str] = {}
    for table in (RAW_EN, RAW_ZH):
        for canon, spellings in table[vocab].items():
            for s in spellings:
                out[s] = canon
    if vocab == "membership_level":
        out.update({v: k for k, v in VIP_SPELLING.items()})
    return out


# ---------------------------------------------------------------- columns
# Column order as the back office writes it by default, per table.
COLUMNS: dict[Table, tuple[str, ...]] = {
    "top_up": (
        "order_id",
        "user_id",
        "topup_at",
        "amount",
        "coins",
        "bonus_coins",
        "payment_method",
        "platform",
        "status",
        "channel_id",
        "membership_level",
        "promo_code",
    ),
    "pre_deduction": (
        "report_date",
        "streamer_id",
        "streamer_name",
        "channel_id",
        "channel_name",
        "agency",
        "gift_count",
        "gift_coins",
        "gross_revenue",
    ),
    "post_deduction": (
        "report_date",
        "streamer_id",
        "channel_id",
        "gross_revenue",
        "platform_fee",
        "payment_fee",
        "tax_withheld",
        "net_revenue",
        "settlement_status",
    ),
    "channel_stats": (
        "report_date",
        "channel_id",
        "channel_name",
        "category",
        "live_minutes",
        "unique_viewers",
        "peak_concurrent_viewers",
        "new_followers",
        "chat_messages",
        "gift_senders",
    ),
    "user_activity": (
        "report_date",
        "user_id",
        "registered_at",
        "membership_level",
        "watch_minutes",
        "channels_watched",
        "messages_sent",
        "gifts_sent_coins",
    ),
}

# Header aliases per table and column: (english, chinese). The canonical name
# itself is a third "language" handled by :func:`canonical_header`.
HEADERS: dict[Table, dict[str, tuple[tuple[str, ...], tuple[str, ...]]]] = {
    "top_up": {
        "order_id": (("Order ID", "Order No"), ("訂單編號",)),
        "user_id": (("User ID", "UID"), ("會員ID", "用戶ID")),
        "topup_at": (("Top-up Time", "Created At"), ("儲值時間", "交易時間")),
        "amount": (("Amount (TWD)", "Amount"), ("金額", "儲值金額")),
        "coins": (("Coins",), ("點數",)),
        "bonus_coins": (("Bonus Coins",), ("贈送點數",)),
        "payment_method": (("Payment Method",), ("付款方式",)),
        "platform": (("Platform",), ("平台",)),
        "status": (("Status",), ("狀態",)),
        "channel_id": (("Channel ID", "Room ID"), ("頻道ID", "直播間ID")),
        "membership_level": (("VIP Level", "Membership"), ("會員等級",)),
        "promo_code": (("Promo Code",), ("優惠碼",)),
    },
    "pre_deduction": {
        "report_date": (("Date", "Report Date"), ("日期",)),
        "streamer_id": (("Streamer ID",), ("主播ID",)),
        "streamer_name": (("Streamer", "Streamer Name"), ("主播名稱",)),
        "channel_id": (("Channel ID",), ("頻道ID",)),
        "channel_name": (("Channel", "Channel Name"), ("頻道名稱",)),
        "agency": (("Agency",), ("經紀公司",)),
        "gift_count": (("Gifts", "Gift Count"), ("禮物數",)),
        "gift_coins": (("Gift Coins",), ("禮物點數",)),
        "gross_revenue": (("Gross Revenue", "Revenue (TWD)"), ("總收益", "扣除前收益")),
    },
    "post_deduction": {
        "report_date": (("Date",), ("日期",)),
        "streamer_id": (("Streamer ID",), ("主播ID",)),
        "channel_id": (("Channel ID",), ("頻道ID",)),
        "gross_revenue": (("Gross Revenue",), ("總收益",)),
        "platform_fee": (("Platform Fee",), ("平台抽成",)),
        "payment_fee": (("Payment Fee", "Channel Fee"), ("通路手續費",)),
        "tax_withheld": (("Tax", "Tax Withheld"), ("代扣稅額",)),
        "net_revenue": (("Net Revenue",), ("實收金額", "扣除後收益")),
        "settlement_status": (("Settlement",), ("結算狀態",)),
    },
    "channel_stats": {
        "report_date": (("Date", "Report Date"), ("日期",)),
        "channel_id": (("Channel ID",), ("頻道ID",)),
        "channel_name": (("Channel", "Channel Name"), ("頻道名稱",)),
        "category": (("Category",), ("分類",)),
        "live_minutes": (("Live Minutes",), ("直播分鐘數",)),
        "unique_viewers": (("Unique Viewers",), ("不重複觀眾數",)),
        "peak_concurrent_viewers": (
            ("Peak Concurrent Viewers", "Peak Viewers"),
            ("最高同時觀看數",),
        ),
        "new_followers": (("New Followers",), ("新增追蹤數",)),
        "chat_messages": (("Chat Messages",), ("聊天訊息數",)),
        "gift_senders": (("Gift Senders",), ("送禮人數",)),
    },
    "user_activity": {
        "report_date": (("Date", "Report Date"), ("日期",)),
        "user_id": (("User ID", "UID"), ("會員ID", "用戶ID")),
        "registered_at": (("Registered At", "Registration Date"), ("註冊日期",)),
        "membership_level": (("VIP Level", "Membership"), ("會員等級",)),
        "watch_minutes": (("Watch Minutes",), ("觀看分鐘數",)),
        "channels_watched": (("Channels Watched",), ("觀看頻道數",)),
        "messages_sent": (("Messages Sent",), ("發送訊息數",)),
        "gifts_sent_coins": (("Gifts Sent (Coins)",), ("送禮點數",)),
    },
}

MONEY_COLUMNS = frozenset(
    {"amount", "gross_revenue", "platform_fee", "payment_fee", "tax_withheld", "net_revenue"}
)
INT_COLUMNS = frozenset(
    {
        "coins",
        "bonus_coins",
        "gift_count",
        "gift_coins",
        "live_minutes",
        "unique_viewers",
        "peak_concurrent_viewers",
        "new_followers",
        "chat_messages",
        "gift_senders",
        "watch_minutes",
        "channels_watched",
        "messages_sent",
        "gifts_sent_coins",
    }
)
ID_COLUMNS = frozenset({"order_id", "user_id", "streamer_id", "channel_id"})
DATE_COLUMNS = frozenset({"report_date", "registered_at"})
TIMESTAMP_COLUMNS = frozenset({"topup_at"})
# columns whose blank means a default value (0) rather than null
BLANK_ZERO = frozenset({"bonus_coins", "platform_fee", "payment_fee", "tax_withheld"})

# Units that a money header may carry (matching ignores the bracketed unit).
UNITS_EN = ("(TWD)", "(NT$)")
UNIT_ZH = "（元）"

# Two-row merged headers: group label -> member columns (by language).
GROUPS: dict[Table, tuple[tuple[str, str, tuple[str, ...]], ...]] = {
    "top_up": (
        ("Order Info", "訂單資訊", ("order_id", "topup_at", "status")),
        ("Member Info", "會員資訊", ("user_id", "membership_level")),
        (
            "Payment Info",
            "金流資訊",
            ("amount", "coins", "bonus_coins", "payment_method", "platform"),
        ),
    ),
    "pre_deduction": (
        ("Streamer Info", "主播資訊", ("streamer_id", "streamer_name", "agency")),
        ("Channel Info", "頻道資訊", ("channel_id", "channel_name")),
        ("Gift Info", "禮物資訊", ("gift_count", "gift_coins", "gross_revenue")),
    ),
    "post_deduction": (
        ("Streamer Info", "主播資訊", ("streamer_id", "channel_id")),
        ("Deductions", "扣除項目", ("platform_fee", "payment_fee", "tax_withheld")),
    ),
    "channel_stats": (
        ("Channel Info", "頻道資訊", ("channel_id", "channel_name", "category")),
        ("Audience", "觀眾資訊", ("unique_viewers", "peak_concurrent_viewers", "new_followers")),
    ),
    "user_activity": (
        ("Member Info", "會員資訊", ("user_id", "registered_at", "membership_level")),
        ("Engagement", "互動資訊", ("watch_minutes", "channels_watched", "messages_sent")),
    ),
}

# Columns the contract does not name, added by "newer back-office versions".
EXTRA_COLUMNS_EN = ("Remark", "Export Batch")
EXTRA_COLUMNS_ZH = ("備註", "操作人員")

SHEET_NAMES = {
    "channel_stats": ("Channel Stats", "頻道數據"),
    "user_activity": ("User Activity", "用戶活躍"),
}
TITLES = {
    "top_up": ("Top-up Orders", "儲值紀錄"),
    "pre_deduction": ("Streamer Gift Revenue (Pre-deduction)", "主播禮物收益（扣除前）"),
    "post_deduction": ("Streamer Settlement (Post-deduction)", "主播結算（扣除後）"),
    "channel_stats": ("Channel Statistics", "頻道數據統計"),
    "user_activity": ("User Activity", "用戶活躍報表"),
}
