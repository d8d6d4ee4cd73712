"""Find a sheet's header row under any title block, and what each column means.

The header is the first row (within the first rows of the sheet) whose labels name
enough of one domain's columns to recognise it (contracts.recognise). A header may
span two rows of merged cells: a group label over the column labels, or a label
merged vertically. The lower label names a column; where it is empty, the upper one
does. The rows above the header are the title block, which may say when the file
was exported.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field

from ingest.contracts import DOMAINS, Column, Domain, Kind, recognise
from ingest.text import header_key, strip_invisible
from ingest.values import parse_cells

SCAN_ROWS = 30  # a header further down than this is not a report we know
MIN_MATCHED = 2


def _alias_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for domain in DOMAINS:
        for column in domain.columns:
            for label in (column.name, *column.aliases):
                key = header_key(label)
                known = index.setdefault(key, column.name)
                if known != column.name:  # a contract error, caught at import
                    raise ValueError(f"header {label!r} names both {known} and {column.name}")
    return index


ALIASES: dict[str, str] = _alias_index()


@dataclass
class Header:
    domain: Domain
    first_row: int  # grid index of the (upper) header row
    data_start: int  # grid index of the first row below the header
    labels: list[str | None]  # the label naming each grid column
    canonical: dict[int, str]  # grid column index -> contract column
    extras: dict[int, str]  # grid column index -> unknown label kept aside
    # (canonical column, first label, second label): two headers naming one column,
    # which rejects the sheet (no silent choice between them).
    duplicates: list[tuple[str, str, str]] = field(default_factory=list)
    title: list[str] = field(default_factory=list)  # non-empty title-block lines

    @property
    def missing_required(self) -> list[str]:
        present = set(self.canonical.values())
        return [c.name for c in self.domain.columns if c.required and c.name not in present]


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = strip_invisible(value).replace("\u00a0", " ").strip()
    return value or None


def _match(labels: list[str | None]) -> dict[int, str]:
    return {
        i: ALIASES[header_key(label)]
        for i, label in enumerate(labels)
        if label is not None and header_key(label) in ALIASES
    }


def _combine(upper: list[str | None], lower: list[str | None]) -> list[str | None]:
    return [lo if lo is not None else up for up, lo in zip(upper, lower, strict=True)]


def _domain_of(matched: dict[int, str]) -> Domain | None:
    domain = recognise(set(matched.values()))
    if domain is None:
        return None
    in_domain = set(matched.values()) & set(domain.column_names)
    return domain if len(in_domain) >= MIN_MATCHED else None


def _candidate(labels: list[str | None]) -> tuple[Domain, int] | None:
    """The domain these labels name and how many of its columns they name."""
    matched = _match(labels)
    domain = _domain_of(matched)
    if domain is None:
        return None
    return domain, len(set(matched.values()) & set(domain.column_names))


def find_header(rows: list[list[str | None]]) -> Header | None:
    """The header of a sheet given its first rows as text, or None if none is known.

    At each row from the top, a two-row header (this row's labels with the next
    row's below them) wins when it names more columns than either row alone;
    otherwise the row itself, if it names a domain, is the header.
    """
    raw = rows[:SCAN_ROWS]
    cleaned: list[list[str | None]] = []  # rows are cleaned as far down as looked at only

    def row(i: int) -> list[str | None]:
        while len(cleaned) <= i:
            cleaned.append([_clean(v) for v in raw[len(cleaned)]])
        return cleaned[i]

    for r in range(len(raw)):
        labels = row(r)
        single = _candidate(labels)
        if r + 1 < len(raw):
            combo = _candidate(_combine(labels, row(r + 1)))
            below = _candidate(row(r + 1))
            alone = max(single[1] if single else 0, below[1] if below else 0)
            if combo is not None and combo[1] > alone:
                merged = _combine(labels, row(r + 1))
                return _build(combo[0], r, r + 2, merged, cleaned[:r])
        if single is not None:
            return _build(single[0], r, r + 1, labels, cleaned[:r])
    return None


def _build(
    domain: Domain, first: int, data_start: int, labels: list[str | None], above: list[list]
) -> Header:
    canonical: dict[int, str] = {}
    extras: dict[int, str] = {}
    duplicates: list[tuple[str, str, str]] = []
    wanted = set(domain.column_names)
    first_label: dict[str, str] = {}
    for i, label in enumerate(labels):
        if label is None:
            continue
        name = ALIASES.get(header_key(label))
        if name in wanted and name not in first_label:
            canonical[i] = name
            first_label[name] = label
        else:
            if name in first_label:
                duplicates.append((name, first_label[name], label))
            extras[i] = label
    title = [" ".join(v for v in row if v) for row in above if any(row)]
    return Header(domain, first, data_start, labels, canonical, extras, duplicates, title)


_TAIPEI = dt.timezone(dt.timedelta(hours=8))
# The labels the back office has written before an export time, then a colon (or, with
# no colon, the time itself: `Exported at 2025-03-02 ...`; the time may sit in the next
# cell). Case does not matter.
EXPORTED_LABELS: tuple[str, ...] = (
    "Exported at",
    "Exported on",
    "Export time",
    "Export date",
    "Export at",
    "Export on",
    "匯出時間",
    "匯出日期",
    "匯出於",
    "導出時間",
    "导出时间",
    "產出時間",
    "產生時間",
)
_EXPORTED = re.compile(
    "(?:"
    + "|".join(re.escape(label).replace(r"\ ", r"\s*") for label in EXPORTED_LABELS)
    + r")\s*(?:[:：]\s*(.+)|(\d.*))$",
    re.I,
)
# Exported-at texts are parsed by the data's own timestamp parser; a date alone (no
# time) is read as that day's midnight, Asia/Taipei.
_STAMP = Column("exported_at", Kind.TIMESTAMP, ())
_DAY = Column("exported_at", Kind.DATE, ())


def exported_at_texts(title: list[str]) -> list[str]:
    """The text after each `Exported at` label of a title block, in order."""
    folded = (strip_invisible(unicodedata.normalize("NFKC", line)) for line in title)
    return [
        (found.group(1) or found.group(2)).strip()
        for line in folded
        if (found := _EXPORTED.search(line))
    ]


def parse_exported_at(texts: list[str]) -> list[dt.datetime | None]:
    """`Exported at` texts as UTC instants, Asia/Taipei unless an offset says; None for a
    text that cannot be read (the caller rejects its file, naming the text).

    Through the same parser as the data, all the texts of a batch in one query.
    """
    if not texts:
        return []
    stamps = parse_cells(texts, _STAMP)["value"].to_list()
    dateless = [i for i, stamp in enumerate(stamps) if stamp is None]
    if dateless:  # rare: a date without its time, or no date at all
        days = parse_cells([texts[i] for i in dateless], _DAY)["value"].to_list()
        for i, day in zip(dateless, days, strict=True):
            if day is not None:
                stamps[i] = dt.datetime.combine(day, dt.time())
    return [
        None if stamp is None else stamp.replace(tzinfo=_TAIPEI).astimezone(dt.UTC)
        for stamp in stamps
    ]
