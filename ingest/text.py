"""Text folding shared by header matching and vocabulary look-ups.

The back office mixes full-width and half-width characters, non-breaking spaces and
case freely; folding maps all of those spellings of one word to one key.
"""

from __future__ import annotations

import functools
import re
import unicodedata

import polars as pl

_SPACES = re.compile(r"\s+")
_BRACKETED = re.compile(r"\([^)]*\)")


def fold(value: str) -> str:
    """NFKC (full-width -> half-width, NBSP -> space), lower case, single spaces."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", value)).strip().lower()


@functools.lru_cache(maxsize=4096)
def header_key(value: str) -> str:
    """The key a header is matched on: folded, without its bracketed unit.

    `Amount (TWD)`, ` AMOUNT ` and `金額（元）` give `amount` and `金額`; underscores
    count as spaces so ` Report_Date ` matches `Report Date`. Cached: the same few
    labels (and title lines) come back on every sheet.
    """
    folded = _BRACKETED.sub(" ", unicodedata.normalize("NFKC", value)).replace("_", " ")
    return _SPACES.sub(" ", folded).strip().lower()


def nfkc_expr(expr: pl.Expr) -> pl.Expr:
    """NFKC of a text column, computed only on its cells that are not ASCII (the only
    ones it can change): NFKC is costly, and polars skips the cells masked to null."""
    ascii_ = expr.str.len_bytes() == expr.str.len_chars()
    return pl.coalesce(
        pl.when(ascii_).then(expr), pl.when(~ascii_).then(expr).str.normalize("NFKC")
    )
