"""Superset's EVENT_LOGGER: each event one line of the log, nothing in the metadata database.

Superset's default (DBEventLogger) inserts every request's events into the `logs`
table of the metadata database and commits: on SQLite that was about a seventh of a
chart's answer time, and livelake never reads those rows (no "recent activity", no
audit built on them). Here an event is one INFO line in `superset.log` (who, what,
which dashboard and chart, how long), so it is still there to read.
"""

from __future__ import annotations

import logging
from typing import Any

from superset.utils.log import AbstractEventLogger

_log = logging.getLogger("livelake.events")


class LogEventLogger(AbstractEventLogger):
    """Events to Python logging (superset.log) instead of the metadata database."""

    def log(  # noqa: PLR0913 - Superset's signature
        self,
        user_id: int | None,
        action: str,
        dashboard_id: int | None,
        duration_ms: int | None,
        slice_id: int | None,
        referrer: str | None,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        _log.info(
            "event %s user=%s dashboard=%s chart=%s %sms",
            action,
            user_id,
            dashboard_id,
            slice_id,
            duration_ms,
        )
