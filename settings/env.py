"""Numbers read from the environment, one way: a blank or unset variable takes the
default, anything else must be a positive number, or the command fails naming the
variable and what was wrong (never a silent fallback).

Stdlib only: the ingest's run process and its sources read their limits with it
before importing anything heavy.
"""

from __future__ import annotations

import os


class SettingError(ValueError):
    """An environment variable holds something its setting cannot be."""


def positive_number(name: str, default: float, *, unit: str = "") -> float:
    """`name` as a positive float; unset or blank: `default`. `unit` ("seconds") is
    named in the error, so the operator knows what the number means."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return float(default)
    what = f"a number of {unit}" if unit else "a number"
    try:
        value = float(raw)
    except ValueError:
        raise SettingError(f"{name}={raw!r} is not {what}") from None
    if value <= 0 or value != value or value == float("inf"):
        raise SettingError(f"{name}={raw!r} must be positive ({what})")
    return value
