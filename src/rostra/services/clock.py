"""The real clock; tests pass their own ``Clock`` to move time."""

from __future__ import annotations

from datetime import UTC, datetime


class SystemClock:
    """Wall-clock time in UTC."""

    def now(self) -> datetime:
        """The current time."""
        return datetime.now(UTC)
