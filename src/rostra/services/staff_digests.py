"""Scheduled staff digests of the moderation queue.

Every outbox worker (the one inside ``rostra serve`` and each ``rostra worker``) calls
``send_due`` on each pass. Once per digest period, it counts the comments held for moderation
per site and, for each site with any, queues one email to every active staff account. With many
workers, a row per site in the database (``StaffDigestLedger.claim``) lets exactly one of them
queue a given site's digest of a given period; the claim and the emails share one transaction.
"""

from __future__ import annotations

from datetime import timedelta

import structlog

from rostra.domain.staff_digests import digest_period
from rostra.services.notifications import NotificationService
from rostra.services.ports import Clock
from rostra.services.staff_digest_ports import DigestStorage

log = structlog.get_logger("rostra.notify")


class StaffDigestService:
    """Tells staff, at most once per ``interval`` and site, how many comments wait for them."""

    def __init__(
        self,
        storage: DigestStorage,
        clock: Clock,
        notifications: NotificationService,
        interval: timedelta,
    ) -> None:
        if interval <= timedelta(0):
            raise ValueError("A digest interval must be positive; leave the service out instead.")
        self._storage = storage
        self._clock = clock
        self._notifications = notifications
        self._interval = interval
        # The last period this process looked at: the database is asked once per period, not
        # on every pass of the worker.
        self._checked: int | None = None

    @property
    def interval(self) -> timedelta:
        """The digest period."""
        return self._interval

    async def send_due(self) -> int:
        """Queue the current period's digests unless this process did already; returns how
        many emails it queued (0 when another worker had queued them, or nothing waits)."""
        if not self._notifications.enabled:
            return 0
        period = digest_period(self._clock.now(), self._interval)
        if self._checked is not None and period <= self._checked:
            return 0
        queued = await self.queue_digests(period)
        # Only after success: a database that was away is asked again on the next pass.
        self._checked = period
        return queued

    async def queue_digests(self, period: int) -> int:
        """Queue period ``period``'s digest of every site with held comments whose digest of
        this period nobody queued yet; returns how many emails were queued. Safe to call from
        any number of workers at once: each (site, period) is queued by one."""
        async with self._storage.write(bulk=True) as tx:
            waiting = await tx.staff_digests.pending_by_site()
            if not waiting:
                return 0
            recipients = [user.email for user in await tx.users.list_all() if not user.disabled]
            if not recipients:
                return 0
            queued = 0
            # Sorted: concurrent workers claim sites in the same order and never deadlock.
            for site, pending in sorted(waiting.items()):
                if await tx.staff_digests.claim(site, period, pending):
                    await self._notifications.queue_staff_digest(tx, recipients, site, pending)
                    queued += len(recipients)
                    log.info("staff_digest_queued", site=site, pending=pending, period=period)
        return queued
