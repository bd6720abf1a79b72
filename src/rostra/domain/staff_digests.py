"""Staff digests of the moderation queue: the periods they are counted in.

Time is cut into periods of the configured length, counted from the Unix epoch, so every worker
on every host names the same period the same way without talking to the others: a 60-minute
digest period starts on the hour (UTC). At most one digest per site leaves in each period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from rostra.domain.times import EPOCH, from_us, to_us

DISABLED = timedelta(0)


def digest_period(moment: datetime, interval: timedelta) -> int:
    """The number of the period ``moment`` falls in (periods of ``interval`` since the epoch)."""
    if interval <= DISABLED:
        raise ValueError("A digest interval must be positive.")
    return to_us(moment) // to_us(EPOCH + interval)


def period_start(period: int, interval: timedelta) -> datetime:
    """When period number ``period`` begins."""
    return from_us(period * to_us(EPOCH + interval))


@dataclass(frozen=True, slots=True)
class DigestClaim:
    """The record that a site's digest for one period was queued: the cross-worker guard."""

    site: str
    period: int
    pending: int

    def supersedes(self, period: int) -> bool:
        """True when this claim is for ``period`` or a later one: nothing is due for it."""
        return self.period >= period
