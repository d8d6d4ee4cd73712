"""The contract of the back office's reports (docs/input-contract.md), as data.

Everything the ingest knows about a domain lives here: its canonical columns, their
types, which are required, what a blank means, and every header that names them.
The reader, the header finder and the row checker all read this one table, so a new
alias or column is a one-line change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Kind(StrEnum):
    """How a raw cell is parsed into a typed lake value."""

    ID = "id"  # text; numbers such as 1234567.0 become "1234567"
    TEXT = "text"
    MONEY = "money"  # exact decimal(18,2)
    INT = "int"
    TIMESTAMP = "timestamp"  # naive Asia/Taipei wall time
    DATE = "date"
    ENUM = "enum"


# The lake's schema, stated once: the DuckDB type of each kind's lake column (what a
# reader of the parquet sees), and the lineage every report table's rows carry after
# the contract's columns. The writers' polars types are derived from these
# (ingest.values.POLARS_TYPES); dbt reads them from transform/macros/lake_contract.sql,
# which ingest.dbt_contract writes from this module.
KIND_TYPES: dict[Kind, str] = {
    Kind.ID: "varchar",
    Kind.TEXT: "varchar",
    Kind.MONEY: "decimal(18,2)",
    Kind.INT: "bigint",
    Kind.TIMESTAMP: "timestamp",  # naive Asia/Taipei wall time
    Kind.DATE: "date",
    Kind.ENUM: "varchar",
}
LINEAGE: tuple[tuple[str, str], ...] = (
    ("source_file", "varchar"),  # relative to the inbox, posix
    ("source_sheet", "varchar"),
    ("source_row", "bigint"),  # Excel row, 1-based
    ("file_sha256", "varchar"),
    ("exported_at", "timestamp with time zone"),
    ("ingested_at", "timestamp with time zone"),  # the run's start
    ("extra_columns", "varchar"),  # JSON object of the cells under unknown headers
    ("run_id", "bigint"),  # the run that committed the row (lake.runs)
)


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    aliases: tuple[str, ...]
    required: bool = False
    # What a blank cell means: None keeps null; any other value replaces it.
    blank: str | int | None = None
    vocab: str | None = None  # key into ingest.vocab.VOCABULARIES for ENUM columns
    non_negative: bool = False


@dataclass(frozen=True)
class Domain:
    """One lake table: the columns a sheet of this domain may carry."""

    table: str
    columns: tuple[Column, ...]
    partition_by: str  # column whose local date is the hive partition `dt`
    # What one row stands for: the same key twice in one sheet is an exact repeat (a
    # duplicate row) or a conflict (both rows quarantined). The first names the column
    # a conflict is reported on.
    key: tuple[str, ...] = field(default=())

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


_REPORT_DATE = Column("report_date", Kind.DATE, ("Date", "Report Date", "日期"), required=True)
_CHANNEL_NAME = Column("channel_name", Kind.TEXT, ("Channel", "Channel Name", "頻道名稱"))
_USER_ID = Column("user_id", Kind.ID, ("User ID", "UID", "會員ID", "用戶ID"), required=True)
_LEVEL = Column(
    "membership_level", Kind.ENUM, ("VIP Level", "Membership", "會員等級"), vocab="membership_level"
)
_MONEY_FEE = dict(kind=Kind.MONEY, blank="0")

TOP_UP = Domain(
    table="top_up",
    partition_by="topup_at",
    key=("order_id",),
    columns=(
        Column("order_id", Kind.ID, ("Order ID", "Order No", "訂單編號"), required=True),
        _USER_ID,
        Column(
            "topup_at",
            Kind.TIMESTAMP,
            ("Top-up Time", "Created At", "儲值時間", "交易時間"),
            required=True,
        ),
        Column(
            "amount",
            Kind.MONEY,
            ("Amount (TWD)", "Amount", "金額", "儲值金額"),
            required=True,
            non_negative=True,
        ),
        Column("coins", Kind.INT, ("Coins", "點數")),
        Column("bonus_coins", Kind.INT, ("Bonus Coins", "贈送點數"), blank=0),
        Column("payment_method", Kind.ENUM, ("Payment Method", "付款方式"), vocab="payment_method"),
        Column("platform", Kind.ENUM, ("Platform", "平台"), vocab="platform"),
        Column("status", Kind.ENUM, ("Status", "狀態"), required=True, vocab="status"),
        Column("channel_id", Kind.ID, ("Channel ID", "Room ID", "頻道ID", "直播間ID")),
        _LEVEL,
        Column("promo_code", Kind.TEXT, ("Promo Code", "優惠碼")),
    ),
)

PRE_DEDUCTION = Domain(
    table="pre_deduction",
    partition_by="report_date",
    key=("streamer_id", "channel_id", "report_date"),
    columns=(
        _REPORT_DATE,
        Column("streamer_id", Kind.ID, ("Streamer ID", "主播ID"), required=True),
        Column("streamer_name", Kind.TEXT, ("Streamer", "Streamer Name", "主播名稱")),
        Column("channel_id", Kind.ID, ("Channel ID", "頻道ID"), required=True),
        _CHANNEL_NAME,
        Column("agency", Kind.TEXT, ("Agency", "經紀公司")),
        Column("gift_count", Kind.INT, ("Gifts", "Gift Count", "禮物數")),
        Column("gift_coins", Kind.INT, ("Gift Coins", "禮物點數")),
        Column(
            "gross_revenue",
            Kind.MONEY,
            ("Gross Revenue", "Revenue (TWD)", "總收益", "扣除前收益"),
            required=True,
        ),
    ),
)

POST_DEDUCTION = Domain(
    table="post_deduction",
    partition_by="report_date",
    key=("streamer_id", "channel_id", "report_date"),
    columns=(
        _REPORT_DATE,
        Column("streamer_id", Kind.ID, ("Streamer ID", "主播ID"), required=True),
        Column("channel_id", Kind.ID, ("Channel ID", "頻道ID"), required=True),
        Column("gross_revenue", Kind.MONEY, ("Gross Revenue", "總收益")),
        Column("platform_fee", aliases=("Platform Fee", "平台抽成"), **_MONEY_FEE),
        Column("payment_fee", aliases=("Payment Fee", "Channel Fee", "通路手續費"), **_MONEY_FEE),
        Column("tax_withheld", aliases=("Tax", "Tax Withheld", "代扣稅額"), **_MONEY_FEE),
        Column("net_revenue", Kind.MONEY, ("Net Revenue", "實收金額", "扣除後收益"), required=True),
        Column(
            "settlement_status",
            Kind.ENUM,
            ("Settlement", "結算狀態"),
            vocab="settlement_status",
        ),
    ),
)

CHANNEL_STATS = Domain(
    table="channel_stats",
    partition_by="report_date",
    key=("channel_id", "report_date"),
    columns=(
        _REPORT_DATE,
        Column("channel_id", Kind.ID, ("Channel ID", "頻道ID"), required=True),
        _CHANNEL_NAME,
        Column("category", Kind.ENUM, ("Category", "分類"), vocab="category"),
        Column("live_minutes", Kind.INT, ("Live Minutes", "直播分鐘數")),
        Column("unique_viewers", Kind.INT, ("Unique Viewers", "不重複觀眾數")),
        Column(
            "peak_concurrent_viewers",
            Kind.INT,
            ("Peak Concurrent Viewers", "Peak Viewers", "最高同時觀看數"),
        ),
        Column("new_followers", Kind.INT, ("New Followers", "新增追蹤數")),
        Column("chat_messages", Kind.INT, ("Chat Messages", "聊天訊息數")),
        Column("gift_senders", Kind.INT, ("Gift Senders", "送禮人數")),
    ),
)

USER_ACTIVITY = Domain(
    table="user_activity",
    partition_by="report_date",
    key=("user_id", "report_date"),
    columns=(
        _REPORT_DATE,
        _USER_ID,
        Column("registered_at", Kind.DATE, ("Registered At", "Registration Date", "註冊日期")),
        _LEVEL,
        Column("watch_minutes", Kind.INT, ("Watch Minutes", "觀看分鐘數")),
        Column("channels_watched", Kind.INT, ("Channels Watched", "觀看頻道數")),
        Column("messages_sent", Kind.INT, ("Messages Sent", "發送訊息數")),
        Column("gifts_sent_coins", Kind.INT, ("Gifts Sent (Coins)", "送禮點數")),
    ),
)

DOMAINS: tuple[Domain, ...] = (TOP_UP, PRE_DEDUCTION, POST_DEDUCTION, CHANNEL_STATS, USER_ACTIVITY)
DOMAINS_BY_TABLE: dict[str, Domain] = {d.table: d for d in DOMAINS}


def lake_schema(table: str) -> dict[str, str]:
    """A report table's full column list in the lake, in order, with DuckDB types: the
    contract's columns, then the lineage (run_id last). The hive partition `dt` is
    not a column of the parts."""
    domain = DOMAINS_BY_TABLE[table]
    return {**{c.name: KIND_TYPES[c.kind] for c in domain.columns}, **dict(LINEAGE)}


def recognise(columns: set[str]) -> Domain | None:
    """The domain a header row belongs to, from its canonical columns (docs/input-contract.md).

    top_up has order_id and topup_at; post_deduction has net_revenue; pre_deduction
    has gross_revenue and no net_revenue; channel_stats has live_minutes or
    unique_viewers; user_activity has watch_minutes. File and sheet names never count.
    """
    if {"order_id", "topup_at"} <= columns:
        return TOP_UP
    if "net_revenue" in columns:
        return POST_DEDUCTION
    if "gross_revenue" in columns:
        return PRE_DEDUCTION
    if "watch_minutes" in columns:
        return USER_ACTIVITY
    if columns & {"live_minutes", "unique_viewers"}:
        return CHANNEL_STATS
    return None
