"""Exact conversions between times and the integer microseconds that storage and cursors use.

Float timestamps would round some microseconds away, and a cursor one microsecond off repeats or
skips a comment; integer arithmetic on timedeltas is exact.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


def to_us(moment: datetime) -> int:
    """A timezone-aware time as integer microseconds since the epoch."""
    return (moment - EPOCH) // MICROSECOND


def from_us(us: int) -> datetime:
    """Integer microseconds since the epoch as a UTC time."""
    return EPOCH + timedelta(microseconds=us)
