"""Webhooks: endpoints a site registers, events written to the outbox with the change that caused
them, and their signed delivery with retries.

An event is an outbox row per interested endpoint, inserted in the transaction of the comment,
decision, report or payment it tells of: nothing is announced that did not commit, and nothing
committed goes unannounced. The request that caused it never waits on a receiver; the outbox
worker (inside ``rostra serve`` and in each ``rostra worker``) claims due deliveries under a
lease, posts them, and records the answer. A 2xx answer marks the row sent, so it is never
claimed again; any other outcome is tried again with exponential backoff. A worker that dies
between the receiver's 2xx and that record leaves the row to be sent once more after its lease:
receivers should drop an ``id`` they already handled (docs/integrations.md).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

import structlog
from cryptography.fernet import Fernet, InvalidToken

from rostra.domain.errors import NotFoundError, ValidationError
from rostra.domain.staff import Role, StaffAction, StaffUser, require_role
from rostra.domain.subscriptions import JobStatus, MailJob, MailKind, NewMailJob
from rostra.domain.webhooks import (
    MAX_ATTEMPTS,
    MAX_ENDPOINTS_PER_SITE,
    SIGNATURE_HEADER,
    TEST_EVENT,
    Delivery,
    DeliveryResult,
    UnsafeDestinationError,
    WebhookEndpoint,
    retry_delay,
    sign,
    validate_description,
    validate_events,
    validate_url,
)
from rostra.services.chat_alerts import ChatAlertService
from rostra.services.ports import Clock, Outbox, Storage, Transaction
from rostra.services.tokens import Keyring
from rostra.services.webhook_ports import ChatAlertRepository, WebhookRepository, WebhookSender

log = structlog.get_logger("rostra.webhooks")

KINDS = (MailKind.WEBHOOK.value, MailKind.CHAT.value)
OPERATOR = "operator (command line)"
MAX_LISTED = 100


class EventTransaction(Protocol):
    """What emitting an event needs of the caller's transaction."""

    webhooks: WebhookRepository
    outbox: Outbox
    chat_alerts: ChatAlertRepository


@dataclass(frozen=True, slots=True)
class WebhookPolicy:
    """How deliveries are leased, and whether private destinations are allowed."""

    # Far longer than one delivery (its timeout is 10 s): a lease only runs out when its
    # worker is gone.
    lease: timedelta = timedelta(minutes=5)
    claim_size: int = 20
    # The operator's ROSTRA_WEBHOOKS_ALLOW_PRIVATE: receivers on loopback, private or
    # link-local addresses (and plain http) for a receiver on the same machine or network.
    allow_private: bool = False


class WebhookService:
    """Endpoints (admins, or the operator on the command line), events and deliveries."""

    def __init__(
        self,
        storage: Storage,
        clock: Clock,
        keyring: Keyring,
        sender: WebhookSender | None,
        policy: WebhookPolicy,
        chat: ChatAlertService | None = None,
    ) -> None:
        self._chat = chat  # staff alerts ride on the same events and outbox
        self._storage = storage
        self._clock = clock
        self._keyring = keyring
        self._sender = sender
        self._policy = policy
        # Signing secrets are kept encrypted under a key derived from the instance secret, so
        # a copy of the database alone (a backup) does not let anyone forge deliveries.
        seal_key = bytes.fromhex(keyring.digest("seal", "webhook-secrets"))
        self._fernet = Fernet(base64.urlsafe_b64encode(seal_key))

    @property
    def allow_private(self) -> bool:
        return self._policy.allow_private

    async def add_endpoint(
        self,
        user: StaffUser | None,
        site: str,
        url: str | None,
        events: list[str] | None,
        description: str | None = None,
    ) -> tuple[WebhookEndpoint, str]:
        """Register ``url`` for ``events`` of ``site``; returns the endpoint and its signing
        secret, shown this once. ``user`` None is the operator on the command line."""
        if user is not None:
            require_role(user, Role.ADMIN)
        checked_url = validate_url(url, allow_private=self._policy.allow_private)
        chosen = validate_events(events)
        note = validate_description(description)
        if self._sender is not None:
            try:
                await self._sender.check(checked_url)
            except UnsafeDestinationError as exc:
                raise ValidationError(str(exc), field="url") from None
        secret = "whsec_" + self._keyring.new_token()
        now = self._clock.now()
        endpoint = WebhookEndpoint(
            id=self._keyring.new_id(),
            site=site,
            url=checked_url,
            events=chosen,
            description=note,
            created_at=now,
            sealed_secret=self._fernet.encrypt(secret.encode()).decode(),
        )
        async with self._storage.write() as tx:
            if await tx.sites.get(site) is None:
                raise NotFoundError(f"There is no site called {site!r}.", field="site")
            if len(await tx.webhooks.list_endpoints(site)) >= MAX_ENDPOINTS_PER_SITE:
                raise ValidationError(
                    f"A site has at most {MAX_ENDPOINTS_PER_SITE} webhook endpoints.", field="url"
                )
            await tx.webhooks.add_endpoint(endpoint)
            await tx.staff_records.audit(
                _actor(user), StaffAction.WEBHOOK, site, f"added {checked_url}", now
            )
        return endpoint, secret

    async def list_endpoints(
        self, user: StaffUser | None, site: str | None = None
    ) -> list[WebhookEndpoint]:
        """The endpoints (of ``site``), oldest first; secrets stay sealed."""
        if user is not None:
            require_role(user, Role.ADMIN)
        async with self._storage.read() as tx:
            if site is not None and await tx.sites.get(site) is None:
                raise NotFoundError(f"There is no site called {site!r}.", field="site")
            return await tx.webhooks.list_endpoints(site)

    async def remove_endpoint(self, user: StaffUser | None, endpoint_id: str) -> WebhookEndpoint:
        """Stop sending to an endpoint; deliveries still waiting for it are cancelled."""
        if user is not None:
            require_role(user, Role.ADMIN)
        async with self._storage.write() as tx:
            endpoint = await self._endpoint(tx, endpoint_id)
            await tx.webhooks.remove_endpoint(endpoint_id)
            await tx.staff_records.audit(
                _actor(user),
                StaffAction.WEBHOOK,
                endpoint.site,
                f"removed {endpoint.url}",
                self._clock.now(),
            )
        return endpoint

    async def deliveries(
        self, user: StaffUser | None, site: str, limit: int = 50
    ) -> list[tuple[Delivery, WebhookEndpoint]]:
        """The latest deliveries to ``site``'s endpoints, newest first."""
        if user is not None:
            require_role(user, Role.ADMIN)
        if not 1 <= limit <= MAX_LISTED:
            raise ValidationError(f"'limit' is 1 to {MAX_LISTED}.", field="limit")
        async with self._storage.read() as tx:
            if await tx.sites.get(site) is None:
                raise NotFoundError(f"There is no site called {site!r}.", field="site")
            endpoints = {e.id: e for e in await tx.webhooks.list_endpoints(site)}
            found = await tx.webhooks.deliveries(list(endpoints), limit)
        return [(delivery, endpoints[delivery.endpoint_id]) for delivery in found]

    async def delivery(self, user: StaffUser | None, delivery_id: int) -> Delivery:
        """One delivery's state."""
        if user is not None:
            require_role(user, Role.ADMIN)
        async with self._storage.read() as tx:
            found = await tx.webhooks.delivery(delivery_id)
        if found is None:
            raise NotFoundError("There is no such delivery.", field="id")
        return found[0]

    async def deliveries_site(self, user: StaffUser | None, delivery_id: int) -> str | None:
        """The site a delivery belongs to (None once its endpoint is gone)."""
        delivery = await self.delivery(user, delivery_id)
        async with self._storage.read() as tx:
            endpoint = await tx.webhooks.get_endpoint(delivery.endpoint_id)
        return endpoint.site if endpoint else None

    async def resend(self, user: StaffUser | None, delivery_id: int) -> int:
        """Queue the event of a delivery once more to the same endpoint (with the same event
        id, so a receiver that did get it can tell); returns the new delivery's id."""
        if user is not None:
            require_role(user, Role.ADMIN)
        async with self._storage.write() as tx:
            found = await tx.webhooks.delivery(delivery_id)
            if found is None:
                raise NotFoundError("There is no such delivery.", field="id")
            delivery, payload = found
            endpoint = await self._endpoint(tx, delivery.endpoint_id)
            new_id = await self._enqueue(tx, endpoint.id, payload)
            await tx.staff_records.audit(
                _actor(user),
                StaffAction.WEBHOOK,
                endpoint.site,
                f"sent delivery {delivery_id} again to {endpoint.url}",
                self._clock.now(),
            )
        return new_id

    async def send_test(self, user: StaffUser | None, endpoint_id: str) -> int:
        """Queue a ``webhook.test`` event to one endpoint; returns the delivery's id."""
        if user is not None:
            require_role(user, Role.ADMIN)
        async with self._storage.write() as tx:
            endpoint = await self._endpoint(tx, endpoint_id)
            event = self._event(endpoint.site, TEST_EVENT, {"endpoint": endpoint.id})
            return await self._enqueue(tx, endpoint.id, {"site": endpoint.site, "event": event})

    async def emit(
        self, tx: EventTransaction, site: str, event_type: str, data: dict[str, object]
    ) -> int:
        """Within the caller's transaction: one delivery of the event to every endpoint of
        ``site`` that asked for it, and the chat alerts it makes due; returns how many
        deliveries. One indexed query when no endpoint asked for it."""
        if self._chat is not None:
            await self._chat.on_event(tx, site, event_type, data)
        endpoints = await tx.webhooks.endpoints_for(site, event_type)
        if not endpoints:
            return 0
        event = self._event(site, event_type, data)
        for endpoint in endpoints:
            await self._enqueue(tx, endpoint.id, {"site": site, "event": event})
        return len(endpoints)

    async def deliver_due(self, worker: str) -> int:
        """Lease the deliveries that are due and send them, one at a time; returns how many
        were claimed (0: nothing to do, the worker may rest)."""
        if self._sender is None:
            return 0
        now = self._clock.now()
        async with self._storage.read() as tx:
            # A read first: an idle worker does not take SQLite's write lock every few seconds.
            if not await tx.webhooks.any_due(KINDS, now):
                return 0
        async with self._storage.write() as tx:
            jobs = await tx.outbox.claim(
                now, now + self._policy.lease, worker, self._policy.claim_size, KINDS
            )
        for job in jobs:
            if job.kind is MailKind.CHAT:
                await self._alert(self._sender, job, worker)
            else:
                await self._deliver(self._sender, job, worker)
        return len(jobs)

    def body(self, payload: dict[str, object]) -> bytes:
        """The bytes posted for an outbox payload: its event as compact JSON."""
        return json.dumps(payload.get("event", {}), separators=(",", ":")).encode()

    async def _deliver(self, sender: WebhookSender, job: MailJob, worker: str) -> None:
        async with self._storage.read() as tx:
            endpoint = await tx.webhooks.get_endpoint(job.recipient)
        if endpoint is None:
            await self._end(job, worker, JobStatus.CANCELLED, "the endpoint was removed", None)
            return
        try:
            secret = self._fernet.decrypt(endpoint.sealed_secret.encode()).decode()
        except InvalidToken:
            await self._end(
                job,
                worker,
                JobStatus.FAILED,
                "the secret key changed; add the endpoint again",
                None,
            )
            return
        event = job.payload.get("event", {})
        event_type = str(event.get("type", "")) if isinstance(event, dict) else ""
        event_id = str(event.get("id", "")) if isinstance(event, dict) else ""
        body = self.body(job.payload)
        timestamp = int(self._clock.now().timestamp())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Rostra-Webhooks/1",
            SIGNATURE_HEADER: sign(secret, timestamp, body),
            "Rostra-Event": event_type,
            "Rostra-Event-Id": event_id,
            "Rostra-Delivery": str(job.id),
        }
        try:
            result = await sender.post(endpoint.url, body, headers)
        except UnsafeDestinationError as exc:
            # Resolved to a private address since it was registered (DNS rebinding, or a
            # changed record): nothing was sent, and trying again would not change that.
            await self._end(job, worker, JobStatus.FAILED, str(exc), None)
            log.warning("webhook_refused", delivery=job.id, error=str(exc))
            return
        except Exception as exc:
            log.exception("webhook_failed", delivery=job.id)
            await self._end(job, worker, JobStatus.FAILED, f"internal error: {exc!r}", None)
            return
        await self._settle(job, worker, result)

    async def _alert(self, sender: WebhookSender, job: MailJob, worker: str) -> None:
        """Send one chat alert, with the same checks and retries as a delivery."""
        try:
            result = await self._chat.send(sender, job) if self._chat is not None else None
        except UnsafeDestinationError as exc:
            await self._end(job, worker, JobStatus.FAILED, str(exc), None)
            return
        except Exception as exc:
            log.exception("chat_alert_failed", job=job.id)
            await self._end(job, worker, JobStatus.FAILED, f"internal error: {exc!r}", None)
            return
        if result is None:
            await self._end(
                job, worker, JobStatus.CANCELLED, "the site no longer sends alerts there", None
            )
            return
        await self._settle(job, worker, result)

    async def _settle(self, job: MailJob, worker: str, result: DeliveryResult) -> None:
        """Record a 2xx as sent for good; try anything else again later, up to the limit."""
        if result.ok:
            async with self._storage.write() as tx:
                await tx.webhooks.set_response(job.id, result.status_code)
                await tx.outbox.mark_sent(job.id, worker, self._clock.now())
            return
        error = result.error or f"the receiver answered HTTP {result.status_code}"
        if job.attempts >= MAX_ATTEMPTS:
            await self._end(job, worker, JobStatus.FAILED, f"gave up: {error}", result.status_code)
            return
        async with self._storage.write() as tx:
            await tx.webhooks.set_response(job.id, result.status_code)
            await tx.outbox.retry(
                job.id, worker, self._clock.now() + retry_delay(job.attempts), error
            )
        log.info("webhook_deferred", delivery=job.id, attempts=job.attempts, error=error)

    async def _end(
        self, job: MailJob, worker: str, status: JobStatus, error: str, code: int | None
    ) -> None:
        async with self._storage.write() as tx:
            await tx.webhooks.set_response(job.id, code)
            await tx.outbox.finish(job.id, worker, status.value, error)

    async def _endpoint(self, tx: Transaction, endpoint_id: str) -> WebhookEndpoint:
        endpoint = await tx.webhooks.get_endpoint(endpoint_id)
        if endpoint is None:
            raise NotFoundError("There is no such webhook endpoint.", field="id")
        return endpoint

    def _event(self, site: str, event_type: str, data: dict[str, object]) -> dict[str, object]:
        return {
            "id": "evt_" + self._keyring.new_id(),
            "type": event_type,
            "created": self._clock.now().isoformat().replace("+00:00", "Z"),
            "site": site,
            "data": data,
        }

    async def _enqueue(
        self, tx: EventTransaction, endpoint_id: str, payload: dict[str, object]
    ) -> int:
        now = self._clock.now()
        return await tx.outbox.enqueue(
            NewMailJob(
                kind=MailKind.WEBHOOK,
                recipient=endpoint_id,
                subscription_id=None,
                payload=payload,
                available_at=now,
                created_at=now,
            )
        )


def _actor(user: StaffUser | None) -> str:
    return user.email if user is not None else OPERATOR
