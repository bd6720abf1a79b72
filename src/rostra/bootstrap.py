"""Composition root: settings in, wired services and the ASGI app out."""

from __future__ import annotations

import asyncio
import functools
import os
from collections.abc import Awaitable, Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from rostra.config import MediaLocation, Settings, SettingsError, load_settings, media_location
from rostra.domain.images import ImageLimits
from rostra.live.relay import LogRelayEventBus
from rostra.notify.mail import SmtpMailer
from rostra.notify.webhooks import HttpWebhookSender
from rostra.notify.worker import OutboxWorker
from rostra.providers.oidc import AuthlibOidcProvider
from rostra.screening import (
    EmbeddingScreen,
    ProfanityModel,
    SemanticModel,
    TrainedModel,
    profanity_available,
    semantic_available,
)
from rostra.services.accounts import AccountPolicy, AccountService
from rostra.services.anchors import AnchorService
from rostra.services.avatars import AvatarService
from rostra.services.campaign_ports import PaymentProvider
from rostra.services.campaigns import CampaignService
from rostra.services.chat_alerts import ChatAlertService
from rostra.services.clock import SystemClock
from rostra.services.comments import CommentPolicy, CommentService
from rostra.services.demo import DemoKit
from rostra.services.dsa import DsaService
from rostra.services.dsa_appeals import AppealService
from rostra.services.dsa_statements import StatementService
from rostra.services.editorial import EditorialService
from rostra.services.exports import ExportService
from rostra.services.feeds import FeedService
from rostra.services.housekeeping import Housekeeper
from rostra.services.images import ImageService
from rostra.services.imports import ImportService
from rostra.services.live import LiveService
from rostra.services.mentions import MentionService
from rostra.services.metrics import MetricsService
from rostra.services.moderation import ModerationService
from rostra.services.notifications import NotificationPolicy, NotificationService
from rostra.services.oidc import OidcService
from rostra.services.ports import Clock, ImageStore, RateLimiter, ToxicityModel
from rostra.services.reactions import ReactionService
from rostra.services.reader_history import ReaderHistoryService
from rostra.services.readiness import Probe, ReadinessService
from rostra.services.registry import Services
from rostra.services.screening import ScreeningService
from rostra.services.sites import SiteService
from rostra.services.staff import StaffService
from rostra.services.staff_digests import StaffDigestService
from rostra.services.subscriptions import LinkPolicy, SubscriptionLinks, SubscriptionService
from rostra.services.tokens import Keyring
from rostra.services.votes import VoteService
from rostra.services.webhooks import WebhookPolicy, WebhookService
from rostra.storage.database import Database
from rostra.storage.images import LocalImageStore, PillowImageCodec
from rostra.storage.rate_limits import LimitsRateLimiter, NoRateLimits
from rostra.storage.urls import sqlite_file
from rostra.web.logs import configure_logging
from rostra.web.loop_lag import LoopLagWatcher, settle_collector
from rostra.web.metrics import PrometheusMetrics
from rostra.web.middleware.cors import ASGIApp

if TYPE_CHECKING:
    from rostra.live.redis import RedisEventBus

# Adapters that only some commands or settings need (Litestar for serving, Redis, Stripe) are
# imported where they are built: every `rostra` command starts here, and importing them all
# cost about half a second per command.

T = TypeVar("T")


def run_blocking(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` to completion from sync code, even when an event loop is already running
    in this thread (ASGI servers call app factories from inside their loop)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


async def _stored_secret(url: str) -> str:
    database = Database(url)
    try:
        return await database.secret_key()
    finally:
        await database.close()


def build_database(settings: Settings) -> Database:
    """The storage adapter for the configured URL and read replicas (and, on PostgreSQL with
    Redis, a commit counter there: rostra.storage.change_clock)."""
    return Database(
        settings.database_url, replicas=settings.replica_urls, redis_url=settings.redis_url
    )


def build_event_bus(settings: Settings, database: Database) -> LogRelayEventBus | RedisEventBus:
    """Redis pub/sub when ``ROSTRA_REDIS_URL`` is set; otherwise in-process fan-out plus a
    relay of what other processes on the same database logged."""
    if settings.redis_url:
        from rostra.live.redis import RedisEventBus

        return RedisEventBus(settings.redis_url)
    return LogRelayEventBus(database)


SUBSCRIBE_PER_CLIENT = "5/minute;20/hour;50/day"
# Votes without the voter cookie (each makes a new voter) one client address may cast.
NEW_VOTERS_PER_ADDRESS = "20/minute;100/hour"
# Lookups of a thread's names to mention (the widget asks once per form) per client address.
MENTION_LOOKUPS_PER_ADDRESS = "30/minute;300/hour"


def build_login_limiter(settings: Settings) -> RateLimiter:
    """Staff sign-in attempts, limited even with ``ROSTRA_RATE_LIMITS=off``: they guard
    passwords, not throughput."""
    return LimitsRateLimiter({"login": settings.rate_limit_login}, settings.redis_url)


def build_rate_limiter(settings: Settings) -> RateLimiter:
    """Shared counters in Redis when configured, per-process memory otherwise, or none."""
    if not settings.rate_limits:
        return NoRateLimits()
    rules = {"comment": settings.rate_limit_comments, "vote": settings.rate_limit_votes}
    rules["image"] = settings.rate_limit_images
    rules["checkout"] = settings.rate_limit_checkouts
    # Per client address, whatever voter identities it presents.
    rules["vote-address"] = settings.rate_limit_votes_per_address
    rules["vote-new-voter"] = NEW_VOTERS_PER_ADDRESS
    rules["vote-new-voter-comment"] = "1/day"
    rules["report-address"] = settings.rate_limit_reports
    rules["mentions"] = MENTION_LOOKUPS_PER_ADDRESS
    rules["notice-address"] = settings.rate_limit_reports  # EU DSA notices, per address
    rules["appeal-address"] = settings.rate_limit_reports  # EU DSA appeals, per address
    return LimitsRateLimiter(rules, settings.redis_url)


def media_folder(settings: Settings) -> Path | None:
    """The folder of a file media store: ``ROSTRA_MEDIA_URL=file:///…`` or
    ``ROSTRA_MEDIA_DIR``, else a ``media`` folder next to the SQLite file, else ``./media``.
    None when images are kept in the database or a bucket."""
    location = media_location(settings)
    if location.kind != "file":
        return None
    if location.path:
        return Path(location.path)
    database_file = sqlite_file(settings.database_url)
    return database_file.parent / "media" if database_file else Path("media")


def build_image_store(
    settings: Settings, database: Database, location: MediaLocation | None = None
) -> ImageStore:
    """The image store ``ROSTRA_MEDIA_URL`` (or ``location``) names: a folder by default, the
    database, or an S3-compatible bucket (docs/images.md)."""
    location = location or media_location(settings)
    if location.kind == "database":
        from rostra.storage.media import DatabaseImageStore

        return DatabaseImageStore(database)
    if location.kind == "s3":
        from rostra.storage.media import S3ImageStore, s3_store

        try:
            store = s3_store(location.bucket or "", location.prefix, os.environ)
        except OSError as exc:
            raise SettingsError(f"ROSTRA_MEDIA_URL: {exc}") from exc
        return S3ImageStore(store, str(location))
    folder = Path(location.path) if location.path else media_folder(settings)
    return LocalImageStore(folder or Path("media"))


def build_toxicity_model(settings: Settings) -> ToxicityModel | None:
    """The classifier ``ROSTRA_TOXICITY_MODEL`` names; the server loads it as it starts."""
    if settings.toxicity_model == "none":
        return None
    if settings.toxicity_model == "trained":
        return TrainedModel()
    if not profanity_available():
        raise SettingsError(
            f"ROSTRA_TOXICITY_MODEL={settings.toxicity_model} needs the profanity extra: "
            "pip install 'rostra[profanity]' (scikit-learn, see docs/moderation.md)."
        )
    if settings.toxicity_model == "semantic":
        if not semantic_available():
            raise SettingsError(
                "ROSTRA_TOXICITY_MODEL=semantic needs the semantic extra: "
                "pip install 'rostra[semantic]' (CPU torch, see docs/moderation.md)."
            )
        return SemanticModel(ProfanityModel(), EmbeddingScreen())
    return ProfanityModel()


def build_mailer(settings: Settings) -> SmtpMailer | None:
    """SMTP when ``ROSTRA_SMTP_URL`` is set; without it notifications are off."""
    if not settings.smtp_url:
        return None
    host = urlsplit(settings.public_url or "").hostname or "localhost"
    return SmtpMailer(settings.smtp_url, settings.mail_from or f"rostra@{host}")


def build_notifications(
    settings: Settings, database: Database, clock: Clock, keyring: Keyring
) -> tuple[SubscriptionService, NotificationService]:
    """Subscriptions (signed links under ``ROSTRA_PUBLIC_URL``) and the outbox delivery."""
    mailer = build_mailer(settings)
    links = SubscriptionLinks(
        keyring, LinkPolicy(public_url=settings.public_url or "http://127.0.0.1:8080"), clock
    )
    # Confirmation mails go to addresses strangers type in: a few per address per hour, and
    # a few more per client address.
    rules = {"subscribe": "3/hour;10/day", "subscribe-address": SUBSCRIBE_PER_CLIENT}
    limiter = (
        LimitsRateLimiter(rules, settings.redis_url) if settings.rate_limits else NoRateLimits()
    )
    subscriptions = SubscriptionService(
        database, clock, keyring, links, limiter, enabled=mailer is not None
    )
    notifications = NotificationService(
        database,
        clock,
        keyring,
        subscriptions,
        mailer,
        NotificationPolicy(batch_interval=timedelta(minutes=settings.notify_batch_minutes)),
    )
    return subscriptions, notifications


def build_staff_digests(
    settings: Settings, database: Database, clock: Clock, notifications: NotificationService
) -> StaffDigestService | None:
    """The scheduled staff digest (run by every outbox worker), unless
    ``ROSTRA_STAFF_DIGEST_MINUTES`` is 0 or there is no mail server."""
    if not settings.staff_digest_minutes or not notifications.enabled:
        return None
    return StaffDigestService(
        database, clock, notifications, timedelta(minutes=settings.staff_digest_minutes)
    )


def build_payment_providers(
    settings: Settings, demo: DemoKit | None = None
) -> dict[str, PaymentProvider | None]:
    """Every payment provider Rostra knows, by the name in its webhook URL; None when its keys
    are not set (``ROSTRA_STRIPE_SECRET_KEY``), so donations answer ``payments_disabled``.
    The demo's pretend provider exists only when ``rostra demo`` hands over its kit: no
    setting turns it on."""
    stripe = None
    if settings.stripe_secret_key:
        from rostra.payments.stripe import StripePaymentProvider

        stripe = StripePaymentProvider(
            settings.stripe_secret_key,
            settings.stripe_webhook_secret,
            api_base=settings.stripe_api_base,
        )
    providers: dict[str, PaymentProvider | None] = {"stripe": stripe}
    if demo is not None:  # after Stripe: a demo given Stripe keys takes donations there
        from rostra.payments.demo import DemoPaymentProvider

        providers["demo"] = DemoPaymentProvider(demo.payments)
    return providers


def build_keyring(settings: Settings) -> Keyring:
    """The configured secret key, or the one generated once and kept in the database."""
    key = settings.secret_key or run_blocking(_stored_secret(settings.database_url))
    return Keyring(key)


def build_metrics() -> PrometheusMetrics:
    """Prometheus metrics; across workers when ``rostra serve --workers N`` has set
    ``PROMETHEUS_MULTIPROC_DIR`` (docs/observability.md)."""
    return PrometheusMetrics(os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None)


def build_readiness(
    settings: Settings,
    database: Database,
    closers: list[Callable[[], Awaitable[None]]],
    media: ImageStore,
) -> ReadinessService:
    """``GET /readyz``'s probes: the database, its schema, Redis when configured, and the
    media store."""
    from rostra.storage.readiness import DatabaseProbes, MediaProbe, RedisProbe

    probes = DatabaseProbes(database)
    checks: dict[str, Callable[[], Awaitable[Probe]]] = {"database": probes.database}
    if settings.redis_url:
        redis = RedisProbe(settings.redis_url)
        checks["redis"] = redis
        closers.append(redis.close)
    checks["migrations"] = probes.migrations
    checks["media"] = MediaProbe(media)
    return ReadinessService(checks)


def build_services(
    settings: Settings, *, clock: Clock | None = None, demo: DemoKit | None = None
) -> Services:
    """Every service, wired to the adapters the settings choose (``clock`` for replaying
    history, as the demo's seed does; ``demo`` only from ``rostra demo``)."""
    database = build_database(settings)
    events = build_event_bus(settings, database)
    keyring = build_keyring(settings)
    clock = clock or SystemClock()
    policy = CommentPolicy(
        edit_window=timedelta(minutes=settings.edit_window_minutes),
        max_depth=settings.max_reply_depth,
    )
    limiter = build_rate_limiter(settings)
    live = LiveService(database, events, clock)
    media = build_image_store(settings, database)
    images = ImageService(
        database,
        media,
        PillowImageCodec(),
        clock,
        keyring,
        limiter,
        ImageLimits(settings.image_max_bytes, settings.image_max_pixels, settings.image_max_frames),
        public_url=settings.media_public_url,
    )
    model = build_toxicity_model(settings)
    screening = ScreeningService(model, clock, storage=database)
    metrics = build_metrics()
    subscriptions, notifications = build_notifications(settings, database, clock, keyring)
    lag_watcher = LoopLagWatcher(metrics)
    closers = [lag_watcher.stop, events.close, database.close, metrics.close]
    starters: list[Callable[[], Awaitable[None]]] = []
    if isinstance(events, LogRelayEventBus):
        starters.append(events.start)
    loaded = model.profanity if isinstance(model, SemanticModel) else model
    if isinstance(loaded, ProfanityModel | TrainedModel):
        # Loaded before the first request, not by the first comment: loading under load took
        # seconds (scikit-learn's import) and held the GIL from the worker's health check.
        starters.append(functools.partial(asyncio.to_thread, loaded.load))
    payments = build_payment_providers(settings, demo)  # reader support
    closers.extend(provider.close for provider in payments.values() if provider is not None)
    # Reader accounts, and the hourly purge of IP digests, sessions, used tokens.
    accounts = AccountService(
        database,
        live,
        clock,
        keyring,
        AccountPolicy(settings.ip_hash_days, mail_enabled=notifications.enabled),
        images=images,
        # Sign-in links go to addresses strangers type in: a few per address and client.
        limiter=LimitsRateLimiter({"sign_in_link": "3/hour;10/day"}, settings.redis_url)
        if settings.rate_limits
        else NoRateLimits(),
    )
    staff_digests = build_staff_digests(settings, database, clock, notifications)
    sender = HttpWebhookSender(allow_private=settings.webhooks_allow_private)
    closers.append(sender.close)
    chat = ChatAlertService(
        database,
        clock,
        keyring,
        allow_private=settings.webhooks_allow_private,
        public_url=settings.public_url or "http://127.0.0.1:8080",
        sender=sender,
    )
    webhooks = WebhookService(
        database,
        clock,
        keyring,
        sender,
        WebhookPolicy(allow_private=settings.webhooks_allow_private),
        chat=chat,
    )
    statements = StatementService(clock, keyring, notifications, subscriptions.public_link)
    moderation = ModerationService(
        database,
        live,
        clock,
        keyring,
        notifications=notifications,
        images=images,
        screening=screening,
        metrics=metrics,
        limiter=limiter,
        webhooks=webhooks,
        statements=statements,
    )
    dsa = DsaService(
        database, clock, keyring, moderation, notifications=notifications, limiter=limiter
    )
    appeals = AppealService(
        database, clock, keyring, statements, moderation, notifications, limiter=limiter
    )
    housekeeper = Housekeeper(accounts, dsa)
    starters.append(housekeeper.start)
    closers.insert(0, housekeeper.stop)
    if settings.notify_worker:  # mail when configured; webhooks and chat alerts always
        worker = OutboxWorker(
            notifications,
            poll_seconds=settings.notify_poll_seconds,
            digests=staff_digests,
            webhooks=webhooks,
        )
        starters.append(worker.start)
        closers.insert(0, worker.stop)  # finish the message in hand before the database closes
    starters += [settle_collector, lag_watcher.start]  # last: see settle_collector
    return Services(
        comments=CommentService(
            database,
            live,
            clock,
            keyring,
            policy,
            limiter,
            images=images,
            screening=screening,
            notifications=notifications,
            metrics=metrics,
            webhooks=webhooks,
        ),
        votes=VoteService(database, live, limiter, keyring),
        reactions=ReactionService(database, live, limiter, keyring),
        mentions=MentionService(database, limiter, keyring),
        sites=SiteService(database),
        live=live,
        keyring=keyring,
        check_health=database.ping,
        answer_token=database.answer_token,
        answer_shelf=database.answer_shelf,
        anchors=AnchorService(database, policy.cached_pages),
        on_shutdown=closers,
        images=images,
        imports=ImportService(database, live, keyring),
        exports=ExportService(database),
        staff=StaffService(database, clock, keyring, build_login_limiter(settings)),
        moderation=moderation,
        reader_history=ReaderHistoryService(database, clock),
        dsa=dsa,
        appeals=appeals,
        editorial=EditorialService(database, live, clock, notifications=notifications),
        screening=screening,
        subscriptions=subscriptions,
        notifications=notifications,
        on_startup=starters,
        campaigns=CampaignService(
            database,
            events,
            clock,
            payments,
            public_url=settings.public_url,
            limiter=limiter,
            keyring=keyring,
            webhooks=webhooks,
        ),
        accounts=accounts,
        oidc=OidcService(
            database,
            clock,
            keyring,
            accounts,
            AuthlibOidcProvider(),
            settings.public_url,
            LimitsRateLimiter({"oidc_login": "10/minute;100/day"}, settings.redis_url)
            if settings.rate_limits
            else NoRateLimits(),
        ),
        avatars=AvatarService(database, images, settings.public_url),
        staff_digests=staff_digests,
        metrics=MetricsService(database, metrics, settings.metrics_token),
        demo=demo,
        readiness=build_readiness(settings, database, closers, media),
        webhooks=webhooks,
        feeds=FeedService(database),
        chat_alerts=chat,
    )


def build_app(settings: Settings, demo: DemoKit | None = None) -> ASGIApp:
    """The ASGI app for ``settings`` (and, from ``rostra demo`` only, its kit)."""
    from rostra.web.app import create_app

    return create_app(
        build_services(settings, demo=demo),
        demo=settings.demo,
        max_request_bytes=settings.max_request_bytes,
    )


def asgi_app_from_environment() -> ASGIApp:
    """App factory for ASGI servers, with settings from ``ROSTRA_*`` variables:
    ``uvicorn --factory rostra.bootstrap:asgi_app_from_environment``."""
    settings = load_settings(os.environ)
    configure_logging(settings.log_format)  # worker processes start with logging unset
    return build_app(settings)
