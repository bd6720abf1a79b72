"""Chat alerts to staff (Slack incoming webhooks, Matrix rooms) when a site's moderation queue
reaches a size or a comment reaches a number of reports.

The trigger runs in the transaction of the held comment or the report (``WebhookService.emit``
calls ``on_event``) and writes one outbox row per chat service; the outbox worker sends them
with the same leases and backoff as webhook deliveries. An alert fires when the count *reaches*
the threshold, so a queue that stays long does not repeat it on every comment.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import asdict, dataclass, replace
from typing import Protocol
from urllib.parse import urlencode

from cryptography.fernet import Fernet

from rostra.domain.chat_alerts import (
    ChatAlertSettings,
    matrix_request,
    queue_message,
    report_message,
    slack_request,
    validate_settings,
)
from rostra.domain.errors import NotFoundError, ValidationError
from rostra.domain.staff import Role, StaffAction, StaffUser, require_role
from rostra.domain.subscriptions import MailJob, MailKind, NewMailJob, excerpt, one_line
from rostra.domain.webhooks import DeliveryResult, UnsafeDestinationError
from rostra.services.ports import Clock, Outbox, SiteRepository
from rostra.services.staff_ports import StaffRecords
from rostra.services.tokens import Keyring
from rostra.services.webhook_ports import ChatAlertRepository, WebhookSender


class ChatTransaction(Protocol):
    chat_alerts: ChatAlertRepository
    outbox: Outbox


class ChatAdminTransaction(ChatTransaction, Protocol):
    sites: SiteRepository
    staff_records: StaffRecords


class ChatStorage(Protocol):
    def read(self) -> AbstractAsyncContextManager[ChatAdminTransaction]: ...

    def write(self, *, bulk: bool = False) -> AbstractAsyncContextManager[ChatAdminTransaction]: ...


@dataclass(frozen=True, slots=True)
class ChatAlertView:
    """A site's alerts as admins see them: where they go, never the secrets themselves."""

    slack: bool
    matrix_homeserver: str | None
    matrix_room: str | None
    queue_threshold: int
    report_threshold: int


class ChatAlertService:
    """Settings per site (admins), triggers, and the message each outbox row carries."""

    def __init__(
        self,
        storage: ChatStorage,
        clock: Clock,
        keyring: Keyring,
        *,
        allow_private: bool,
        public_url: str,
        sender: WebhookSender | None = None,
    ) -> None:
        self._sender = sender  # resolves the destinations when they are set
        self._storage = storage
        self._clock = clock
        self._allow_private = allow_private
        self._public_url = public_url.rstrip("/")
        # The Slack hook's URL is itself its credential; both it and the Matrix token are
        # sealed under the instance key like the webhook secrets.
        seal_key = bytes.fromhex(keyring.digest("seal", "chat-secrets"))
        self._fernet = Fernet(base64.urlsafe_b64encode(seal_key))

    async def settings(self, user: StaffUser, site: str) -> ChatAlertView:
        require_role(user, Role.ADMIN)
        async with self._storage.read() as tx:
            await self._site(tx, site)
            return _view(_settings(await tx.chat_alerts.get(site)))

    async def configure(
        self, user: StaffUser, site: str, settings: ChatAlertSettings
    ) -> ChatAlertView:
        """Replace the site's alerts (admins only; audited). Secrets left empty turn that
        service off."""
        require_role(user, Role.ADMIN)
        checked = validate_settings(settings, allow_private=self._allow_private)
        if self._sender is not None:
            for field, url in (
                ("slack_url", checked.slack_url),
                ("matrix_homeserver", checked.matrix_homeserver),
            ):
                if url:
                    try:
                        await self._sender.check(url)
                    except UnsafeDestinationError as exc:
                        raise ValidationError(str(exc), field=field) from None
        sealed = replace(
            checked,
            slack_url=self._seal(checked.slack_url),
            matrix_token=self._seal(checked.matrix_token),
        )
        now = self._clock.now()
        async with self._storage.write() as tx:
            await self._site(tx, site)
            await tx.chat_alerts.put(site, asdict(sealed), int(now.timestamp() * 1_000_000))
            await tx.staff_records.audit(
                user.email,
                StaffAction.SETTINGS,
                site,
                f"chat alerts: {', '.join(checked.services) or 'off'}",
                now,
            )
        return _view(checked)

    async def on_event(
        self, tx: ChatTransaction, site: str, event_type: str, data: Mapping[str, object]
    ) -> None:
        """Within the event's transaction: queue the alerts this event makes due."""
        comment = data.get("comment")
        if not isinstance(comment, dict):
            return
        held = event_type == "comment.created" and comment.get("status") == "pending"
        if not held and event_type != "report.created":
            return
        stored = await tx.chat_alerts.get(site)
        settings = _settings(stored)
        if not settings.services:
            return
        link = self._public_url + "/admin?" + urlencode({"site": site})
        threshold = settings.queue_threshold
        if held and threshold and await tx.chat_alerts.pending_count(site) == threshold:
            await self._queue(tx, site, settings, queue_message(site, threshold, link))
        reports = settings.report_threshold
        if event_type == "report.created" and reports and data.get("report_count") == reports:
            text = report_message(
                site,
                one_line(str(comment.get("author", "")), 100),
                excerpt(str(comment.get("body", "")), 200),
                reports,
                link,
            )
            await self._queue(tx, site, settings, text)

    async def send(self, sender: WebhookSender, job: MailJob) -> DeliveryResult | None:
        """Post one alert; None when its site no longer sends to that service."""
        site = str(job.payload.get("site", ""))
        service = str(job.payload.get("service", ""))
        text = str(job.payload.get("text", ""))
        async with self._storage.read() as tx:
            settings = _settings(await tx.chat_alerts.get(site))
        headers = {"Content-Type": "application/json", "User-Agent": "Rostra-Alerts/1"}
        if service == "slack" and settings.slack_url:
            method, url, body = slack_request(self._unseal(settings.slack_url), text)
        elif service == "matrix" and "matrix" in settings.services:
            method, url, body = matrix_request(
                settings.matrix_homeserver or "",
                settings.matrix_room or "",
                f"rostra-{job.id}",
                text,
            )
            headers["Authorization"] = f"Bearer {self._unseal(settings.matrix_token or '')}"
        else:
            return None
        return await sender.post(url, body, headers, method=method)

    async def _queue(
        self, tx: ChatTransaction, site: str, settings: ChatAlertSettings, text: str
    ) -> None:
        now = self._clock.now()
        for service in settings.services:
            await tx.outbox.enqueue(
                NewMailJob(
                    kind=MailKind.CHAT,
                    recipient=f"{site}:{service}",
                    subscription_id=None,
                    payload={"site": site, "service": service, "text": text},
                    available_at=now,
                    created_at=now,
                )
            )

    def _seal(self, secret: str | None) -> str | None:
        return self._fernet.encrypt(secret.encode()).decode() if secret else None

    def _unseal(self, sealed: str) -> str:
        return self._fernet.decrypt(sealed.encode()).decode()

    @staticmethod
    async def _site(tx: ChatAdminTransaction, site: str) -> None:
        if await tx.sites.get(site) is None:
            raise NotFoundError(f"There is no site called {site!r}.", field="site")


def _settings(stored: Mapping[str, object] | None) -> ChatAlertSettings:
    if not stored:
        return ChatAlertSettings()
    known = set(ChatAlertSettings.__dataclass_fields__)
    return ChatAlertSettings(**{k: v for k, v in stored.items() if k in known})  # type: ignore[arg-type]


def _view(settings: ChatAlertSettings) -> ChatAlertView:
    return ChatAlertView(
        slack=bool(settings.slack_url),
        matrix_homeserver=settings.matrix_homeserver,
        matrix_room=settings.matrix_room,
        queue_threshold=settings.queue_threshold,
        report_threshold=settings.report_threshold,
    )
