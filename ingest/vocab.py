"""Raw spellings of each enumerated column and the canonical value they mean.

Keys are compared after `ingest.text.fold` (NFKC, lower case, single spaces), so
`Apple IAP`, ` apple  iap ` and `ＡＰＰＬＥ ＩＡＰ` are one spelling. An unknown spelling
is bad input for its row, never a new category (docs/input-contract.md, Vocabularies).
"""

from __future__ import annotations

from ingest.text import fold

# vocabulary -> canonical value -> the raw spellings the back office writes for it
SPELLINGS: dict[str, dict[str, tuple[str, ...]]] = {
    "payment_method": {
        "apple_iap": ("Apple IAP", "App Store"),
        "google_play": ("Google Play",),
        "credit_card": ("Credit Card", "信用卡"),
        "line_pay": ("LINE Pay",),
        "jko_pay": ("JKO Pay", "街口支付"),
        "convenience_store": ("Convenience Store", "超商代碼", "超商"),
        "mycard": ("MyCard",),
    },
    "platform": {"ios": ("iOS",), "android": ("Android",), "web": ("Web",)},
    "status": {
        "success": ("Success", "成功"),
        "failed": ("Failed", "失敗"),
        "refunded": ("Refunded", "已退款", "退款"),
        "pending": ("Pending", "處理中"),
    },
    "settlement_status": {
        "pending": ("Pending", "待結算"),
        "settled": ("Settled", "已結算"),
        "on_hold": ("On Hold", "暫緩", "保留"),
    },
    "category": {
        "music": ("Music", "音樂"),
        "gaming": ("Gaming", "遊戲"),
        "chat": ("Chat", "聊天"),
        "outdoor": ("Outdoor", "戶外"),
        "talent": ("Talent", "才藝"),
    },
    "membership_level": {
        "regular": ("Regular", "一般", "VIP0"),
        "silver": ("Silver", "銀卡", "VIP1"),
        "gold": ("Gold", "金卡", "VIP2"),
        "platinum": ("Platinum", "白金", "VIP3"),
        "diamond": ("Diamond", "鑽石", "VIP4"),
    },
}

# The membership levels, lowest first: their order is their rank (0..4), the one
# statement of it (the simulator, dbt's macros/lake_contract.sql and the docs read it).
LEVELS: tuple[str, ...] = tuple(SPELLINGS["membership_level"])
LEVEL_RANK: dict[str, int] = {level: rank for rank, level in enumerate(LEVELS)}


def _build() -> dict[str, dict[str, str]]:
    table: dict[str, dict[str, str]] = {}
    for name, values in SPELLINGS.items():
        mapping: dict[str, str] = {}
        for canonical, spellings in values.items():
            # The canonical value itself (and its spaced form) is always accepted.
            for spelling in (canonical, canonical.replace("_", " "), *spellings):
                mapping[fold(spelling)] = canonical
        table[name] = mapping
    return table


VOCABULARIES: dict[str, dict[str, str]] = _build()
