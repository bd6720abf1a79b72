"""The outbox worker: the same loop runs inside ``rostra serve`` (a background task) and as
``rostra worker`` (a process of its own, for scale-out). Any number may run at once. It sends
mail, webhook deliveries and chat alerts: one queue, each kind claimed by its own service."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import socket

import structlog

from rostra.services.notifications import NotificationService
from rostra.services.staff_digests import StaffDigestService
from rostra.services.webhooks import WebhookService

log = structlog.get_logger("rostra.notify")


def worker_name() -> str:
    """Unique per process and start: shows who holds a lease."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


class OutboxWorker:
    """Sends due outbox jobs (mail; with ``webhooks`` deliveries and chat alerts too),
    resting ``poll_seconds`` when there are none; with ``digests``,
    also queues the staff digests of the moderation queue when their period comes."""

    def __init__(
        self,
        notifications: NotificationService,
        *,
        poll_seconds: float = 5.0,
        digests: StaffDigestService | None = None,
        webhooks: WebhookService | None = None,
    ):
        self._notifications = notifications
        self._digests = digests
        self._webhooks = webhooks
        self._poll = poll_seconds
        self.name = worker_name()
        self._stop = asyncio.Event()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def run_once(self) -> int:
        """Queue the staff digests when due, then deliver what is due now; returns how many
        jobs were claimed."""
        if self._digests is not None:
            try:
                await self._digests.send_due()
            except Exception:
                # Mail that is already queued must still leave; the digest is tried again on
                # the next pass.
                log.exception("staff_digest_error", worker=self.name)
        claimed = await self._notifications.deliver_due(self.name, self._stop.is_set)
        if self._webhooks is not None:
            claimed += await self._webhooks.deliver_due(self.name)
        return claimed

    def wake(self) -> None:
        """Look at the outbox now instead of at the end of the rest."""
        self._wake.set()

    async def run(self) -> None:
        """Loop until ``stop``; an error (database away) is logged and retried after a rest."""
        while not self._stop.is_set():
            try:
                claimed = await self.run_once()
            except Exception:
                log.exception("outbox_worker_error", worker=self.name)
                claimed = 0
            if claimed:
                continue
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._poll):
                    stop = asyncio.create_task(self._stop.wait())
                    wake = asyncio.create_task(self._wake.wait())
                    try:
                        await asyncio.wait({stop, wake}, return_when=asyncio.FIRST_COMPLETED)
                    finally:
                        stop.cancel()
                        wake.cancel()

    async def start(self) -> None:
        """Run in the background (the app's startup hook)."""
        if self._task is None:
            self._stop.clear()
            self._task = asyncio.create_task(self.run(), name=f"outbox-worker {self.name}")

    def request_stop(self) -> None:
        """Make ``run`` return after the message in hand, releasing the rest of its claim (a
        signal handler)."""
        self._stop.set()

    async def stop(self) -> None:
        """Finish the current message, release the other claimed ones and stop (the app's
        shutdown hook)."""
        self._stop.set()
        if self._task is not None:
            log.info("outbox_worker_stopping", worker=self.name)
            task, self._task = self._task, None
            await task
