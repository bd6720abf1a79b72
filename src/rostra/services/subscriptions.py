"""Subscription use cases: subscribe (double opt-in), confirm, unsubscribe, manage.

Links are signed with itsdangerous under the instance key, each with a salt of its own, so a
confirmation token cannot unsubscribe and an unsubscribe token cannot open the manage page.
They expire (``LinkPolicy``). Addresses are stored because mail must be sent to them; lookups
go through their keyed digest, and no public answer ever contains an address.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import quote

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from rostra.domain.errors import NotFoundError, RateLimitedError
from rostra.domain.languages import reader_language
from rostra.domain.subscriptions import (
    LinkError,
    MailKind,
    NewMailJob,
    NewSubscription,
    NotificationsDisabledError,
    Subscription,
    SubscriptionKind,
    SubscriptionStatus,
    validate_kind,
    validate_subscriber,
)
from rostra.domain.threads import validate_page, validate_site_page
from rostra.services.callers import Caller, check_origin
from rostra.services.ports import Clock, RateLimiter, Storage, Transaction
from rostra.services.tokens import Keyring

API = "/api/v1/subscriptions"


@dataclass(frozen=True, slots=True)
class LinkPolicy:
    """Where links point and how long they work."""

    public_url: str = "http://127.0.0.1:8080"
    confirm_max_age: timedelta = timedelta(days=7)
    unsubscribe_max_age: timedelta = timedelta(days=180)
    manage_max_age: timedelta = timedelta(days=30)


class SubscriptionLinks:
    """Signed, expiring, single-purpose links for confirm, unsubscribe and manage."""

    PURPOSES = ("confirm", "unsubscribe", "manage")

    def __init__(self, keyring: Keyring, policy: LinkPolicy, clock: Clock) -> None:
        secret = keyring.digest("signed-links", "subscriptions")

        class ClockSigner(TimestampSigner):
            # Signing and expiry follow the services' clock (tests move it; so can replays).
            def get_timestamp(self) -> int:
                return int(clock.now().timestamp())

        self._serializers = {
            purpose: URLSafeTimedSerializer(
                secret, salt=f"rostra.subscriptions.{purpose}", signer=ClockSigner
            )
            for purpose in self.PURPOSES
        }
        self._max_age = {
            "confirm": policy.confirm_max_age,
            "unsubscribe": policy.unsubscribe_max_age,
            "manage": policy.manage_max_age,
        }
        self.public_url = policy.public_url.rstrip("/")
        self._base = self.public_url + API

    def token(self, purpose: str, value: str) -> str:
        """A token for ``purpose`` carrying ``value`` (a subscription id or an address digest)."""
        return str(self._serializers[purpose].dumps(value))

    def url(self, purpose: str, value: str) -> str:
        """The absolute link for ``purpose``."""
        return f"{self._base}/{purpose}?token={quote(self.token(purpose, value))}"

    def read(self, purpose: str, token: str) -> str:
        """The value inside a token for ``purpose``; raises ``LinkError`` when it is expired,
        tampered with, or made for another purpose."""
        serializer = self._serializers[purpose]
        max_age = int(self._max_age[purpose].total_seconds())
        try:
            value = serializer.loads(token, max_age=max_age)
        except SignatureExpired:
            raise LinkError(
                "This link has expired; subscribe again, or use the link in a newer email.",
                field="token",
                code="link_expired",
            ) from None
        except BadSignature:
            raise LinkError(
                "This link is not valid: it was changed, or it is meant for something else.",
                field="token",
            ) from None
        if not isinstance(value, str):
            raise LinkError("This link is not valid.", field="token")
        return value


@dataclass(frozen=True, slots=True)
class SubscriptionRequest:
    """A reader's wish to be notified, as submitted."""

    site: str
    page: str
    email: str | None
    kind: str
    lang: str | None = None  # the widget's language; the mail and pages speak it


@dataclass(frozen=True, slots=True)
class ManagedSubscriptions:
    """What the manage page shows: the address's subscriptions (the address itself is only
    shown to whoever holds the signed link)."""

    email: str | None
    subscriptions: list[Subscription]
    token: str


class SubscriptionService:
    """Everything readers do with their subscriptions, behind one set of rules."""

    def __init__(
        self,
        storage: Storage,
        clock: Clock,
        keyring: Keyring,
        links: SubscriptionLinks,
        limiter: RateLimiter,
        *,
        enabled: bool,
    ) -> None:
        self._storage = storage
        self._clock = clock
        self._keyring = keyring
        self._links = links
        self._limiter = limiter
        self.enabled = enabled

    def email_hash(self, email: str) -> str:
        """The keyed digest used to find an address's subscriptions (same as comments use)."""
        return self._keyring.digest("email", email.lower())

    def require_enabled(self, field: str | None = None) -> None:
        """Refuse when no mail server is configured: a subscription nobody can confirm would
        silently never work."""
        if not self.enabled:
            raise NotificationsDisabledError(
                "Email notifications are not enabled on this server.", field=field
            )

    async def subscribe(self, request: SubscriptionRequest, caller: Caller) -> None:
        """Store a pending subscription and queue its confirmation email (double opt-in).

        Answers the same whether the address was new, pending or already confirmed, so the
        endpoint tells nobody who subscribes to what."""
        self.require_enabled()
        kind = validate_kind(request.kind)
        page = validate_page(request.page)
        email = validate_subscriber(request.email)
        lang = reader_language(request.lang)
        wait = await self._limiter.hit("subscribe", self.email_hash(email))
        if wait is not None:
            raise RateLimitedError(
                f"Too many confirmation emails for this address; try again in {wait:.0f} s.",
                retry_after=wait,
            )
        if caller.ip:
            # One client mailed 25 addresses; the sender is limited too.
            sender = self._keyring.digest("ip", caller.ip)
            wait = await self._limiter.hit("subscribe-address", sender)
            if wait is not None:
                raise RateLimitedError(
                    f"Too many subscriptions from your address; try again in {wait:.0f} s.",
                    retry_after=wait,
                )
        async with self._storage.write() as tx:
            site = await tx.sites.get(request.site)
            if site is None:
                raise NotFoundError(f"There is no site called {request.site!r}.", field="site")
            check_origin(site, caller)
            # The page is a link in the confirmation mail; only the site's own.
            page = validate_site_page(request.page, site.origins)
            await self.add_in(tx, site.name, page, email, kind, lang)

    async def add_in(
        self,
        tx: Transaction,
        site: str,
        page: str,
        email: str,
        kind: SubscriptionKind,
        lang: str = "",
    ) -> None:
        """Within ``tx``: a pending subscription plus its confirmation job (the comment form
        calls this in the comment's own transaction). Confirmed ones get no new mail."""
        now = self._clock.now()
        subscription_id, status = await tx.subscriptions.add_pending(
            NewSubscription(
                id=self._keyring.new_id(),
                site=site,
                page=page,
                kind=kind,
                email=email,
                email_hash=self.email_hash(email),
                created_at=now,
                lang=lang,
            )
        )
        if status is SubscriptionStatus.CONFIRMED:
            return
        await tx.outbox.enqueue(
            NewMailJob(
                kind=MailKind.CONFIRM,
                recipient=email,
                subscription_id=subscription_id,
                payload={"site": site, "page": page, "kind": kind.value},
                available_at=now,
                created_at=now,
            )
        )

    async def show(self, purpose: str, token: str) -> Subscription:
        """The subscription a confirm or unsubscribe link names (changes nothing: mail
        scanners follow links)."""
        subscription_id = self._links.read(purpose, token)
        async with self._storage.read() as tx:
            subscription = await tx.subscriptions.get(subscription_id)
        if subscription is None:
            raise NotFoundError("This subscription does not exist any more.", field="token")
        return subscription

    async def confirm_subscription(self, token: str) -> Subscription:
        """Confirm the subscription a confirmation link names (idempotent)."""
        subscription_id = self._links.read("confirm", token)
        async with self._storage.write() as tx:
            if not await tx.subscriptions.confirm(subscription_id, self._clock.now()):
                raise NotFoundError("This subscription does not exist any more.", field="token")
            subscription = await tx.subscriptions.get(subscription_id)
        assert subscription is not None  # noqa: S101 - read back inside the same transaction
        return subscription

    async def unsubscribe(self, token: str) -> bool:
        """End the subscription an unsubscribe link names; False when it was already gone
        (unsubscribing twice is harmless)."""
        subscription_id = self._links.read("unsubscribe", token)
        async with self._storage.write() as tx:
            return await tx.subscriptions.remove(subscription_id)

    async def manage(self, token: str) -> ManagedSubscriptions:
        """Every subscription of the address a manage link names."""
        email_hash = self._links.read("manage", token)
        async with self._storage.read() as tx:
            found = await tx.subscriptions.list_for_address(email_hash)
        return ManagedSubscriptions(found[0].email if found else None, found, token)

    async def unsubscribe_managed(self, token: str, subscription_ids: Sequence[str]) -> int:
        """End some (or, given no ids, all) of the subscriptions of the address a manage link
        names; ids of other addresses are ignored. Returns how many ended."""
        email_hash = self._links.read("manage", token)
        removed = 0
        async with self._storage.write() as tx:
            owned = {s.id for s in await tx.subscriptions.list_for_address(email_hash)}
            for subscription_id in subscription_ids or sorted(owned):
                if subscription_id in owned and await tx.subscriptions.remove(subscription_id):
                    removed += 1
        return removed

    def manage_url_for(self, email: str) -> str:
        """The manage link of an address (put in every email)."""
        return self._links.url("manage", self.email_hash(email))

    def public_link(self, path: str) -> str:
        """An absolute link to a page of this server (``ROSTRA_PUBLIC_URL`` + ``path``)."""
        return self._links.public_url + path

    def link(self, purpose: str, value: str) -> str:
        """A signed link (for the mail worker)."""
        return self._links.url(purpose, value)
