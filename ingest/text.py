"""Text folding shared by header matching, IDs, codes and vocabulary look-ups.

The back office mixes full-width and half-width characters, non-breaking spaces and
case freely; folding maps all of those spellings of one word to one key. Exports that
went through a web page or a copy-paste also carry invisible format characters (a
byte-order mark, a zero-width space, a soft hyphen): they are not part of a header,
an ID or a code (docs/input-contract.md, "Hostile input"), so they are stripped before
anything is compared.
"""

from __future__ import annotations

import functools
import re
import unicodedata

import polars as pl

# Invisible format characters no name needs: soft hyphen, combining grapheme joiner,
# Arabic letter mark, Mongolian vowel separator, zero-width space, LRM/RLM, the bidi
# embeddings and isolates, word joiner and invisible operators, zero-width no-break
# space (the BOM).
INVISIBLE = (
    "\u00ad\u034f\u061c\u180e\u200b\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    "\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\ufeff"
)
# Zero-width (non-)joiners shape emoji and scripts inside names, so they are kept in
# free text and stripped only from headers, IDs and codes.
JOINERS = "\u200c\u200d"
_INVISIBLE_RE = re.compile(f"[{INVISIBLE}{JOINERS}]")
INVISIBLE_PATTERN = f"[{INVISIBLE}]"  # for polars (Rust regex): the characters themselves
INVISIBLE_AND_JOINERS_PATTERN = f"[{INVISIBLE}{JOINERS}]"

# Bracketed units that still name the canonical (TWD) column: `Amount (TWD)`,
# `金額（元）`. Any other bracketed text (`Amount (USD)`) makes the header a different
# column, kept aside as an extra.
MONEY_UNITS: tuple[str, ...] = ("TWD", "NT$", "NTD", "NT", "元", "新台幣", "新臺幣", "台幣", "臺幣")
_MONEY_UNIT_KEYS = frozenset(u.lower() for u in MONEY_UNITS)

_SPACES = re.compile(r"\s+")
_BRACKETED = re.compile(r"[(\[]([^)\]]*)[)\]]")


def strip_invisible(value: str) -> str:
    """`value` without invisible format characters (joiners included)."""
    return _INVISIBLE_RE.sub("", value)


def fold(value: str) -> str:
    """NFKC (full-width -> half-width, NBSP -> space), no invisible characters, lower
    case, single spaces."""
    return _SPACES.sub(" ", strip_invisible(unicodedata.normalize("NFKC", value))).strip().lower()


def _unit(match: re.Match[str]) -> str:
    inner = _SPACES.sub("", match.group(1)).lower()
    return " " if inner in _MONEY_UNIT_KEYS or not inner else f" ({inner}) "


@functools.lru_cache(maxsize=4096)
def header_key(value: str) -> str:
    """The key a header is matched on: folded, without a TWD unit in brackets.

    `Amount (TWD)`, ` AMOUNT ` and `金額（元）` give `amount` and `金額`, but
    `Amount (USD)` gives `amount (usd)`, which names no contract column. Underscores
    count as spaces so ` Report_Date ` matches `Report Date`. Cached: the same few
    labels (and title lines) come back on every sheet.
    """
    text = strip_invisible(unicodedata.normalize("NFKC", value)).replace("_", " ")
    text = _BRACKETED.sub(_unit, text)
    return _SPACES.sub(" ", text).strip().lower()


def nfkc_expr(expr: pl.Expr) -> pl.Expr:
    """NFKC of a text column without invisible characters, computed only on its cells
    that are not ASCII (the only ones it can change): NFKC is costly, and polars skips
    the cells masked to null."""
    ascii_ = expr.str.len_bytes() == expr.str.len_chars()
    return pl.coalesce(
        pl.when(ascii_).then(expr),
        pl.when(~ascii_)
        .then(expr)
        .str.replace_all(INVISIBLE_AND_JOINERS_PATTERN, "")
        .str.normalize("NFKC"),
    )


def strip_invisible_expr(expr: pl.Expr) -> pl.Expr:
    """A text column without invisible format characters, joiners kept (free text such
    as names may need them); only its non-ASCII cells are searched."""
    ascii_ = expr.str.len_bytes() == expr.str.len_chars()
    return pl.coalesce(
        pl.when(ascii_).then(expr),
        pl.when(~ascii_).then(expr).str.replace_all(INVISIBLE_PATTERN, ""),
    )
