"""The set of services an adapter (web, CLI) is handed by the composition root."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field

from rostra.services.accounts import AccountService
from rostra.services.anchors import AnchorService
from rostra.services.avatars import AvatarService
from rostra.services.campaigns import CampaignService
from rostra.services.chat_alerts import ChatAlertService
from rostra.services.comments import CommentService
from rostra.services.demo import DemoKit
from rostra.services.dsa import DsaService
from rostra.services.dsa_appeals import AppealService
from rostra.services.editorial import EditorialService
from rostra.services.exports import ExportService
from rostra.services.feeds import FeedService
from rostra.services.images import ImageService
from rostra.services.imports import ImportService
from rostra.services.live import LiveService
from rostra.services.mentions import MentionService
from rostra.services.metrics import MetricsService
from rostra.services.moderation import ModerationService
from rostra.services.notifications import NotificationService
from rostra.services.oidc import OidcService
from rostra.services.page_cache import AnswerShelf
from rostra.services.reactions import ReactionService
from rostra.services.reader_history import ReaderHistoryService
from rostra.services.readiness import ReadinessService
from rostra.services.screening import ScreeningService
from rostra.services.sites import SiteService
from rostra.services.staff import StaffService
from rostra.services.staff_digests import StaffDigestService
from rostra.services.subscriptions import SubscriptionService
from rostra.services.tokens import Keyring
from rostra.services.votes import VoteService
from rostra.services.webhooks import WebhookService


async def _no_token() -> Hashable | None:
    return None


@dataclass(frozen=True, slots=True)
class Services:
    """Wired services plus the few adapter handles the web layer needs directly."""

    comments: CommentService
    votes: VoteService
    reactions: ReactionService
    mentions: MentionService
    sites: SiteService
    live: LiveService
    keyring: Keyring
    check_health: Callable[[], Awaitable[None]]
    anchors: AnchorService
    on_shutdown: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    images: ImageService | None = None  # uploads; None where nothing is uploaded
    imports: ImportService | None = None  # importing from other systems
    exports: ExportService | None = None  # JSON Lines export
    staff: StaffService | None = None  # staff accounts and sessions
    moderation: ModerationService | None = None  # staff decisions
    editorial: EditorialService | None = None  # per-article settings and editor's picks
    subscriptions: SubscriptionService | None = None  # "Notify of" subscriptions
    notifications: NotificationService | None = None  # outbox and delivery
    # Run when the app starts (the embedded outbox worker), before serving
    on_startup: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    screening: ScreeningService | None = None  # automatic screening (add_exemplar)
    # Scheduled staff digests of the moderation queue; None when turned off
    staff_digests: StaffDigestService | None = None
    metrics: MetricsService | None = None  # /metrics and request metrics
    accounts: AccountService | None = None  # reader accounts and personal data
    oidc: OidcService | None = None  # sign-in with an OpenID Connect provider
    avatars: AvatarService | None = None  # readers' uploaded pictures
    campaigns: CampaignService | None = None  # reader support (campaigns, payments)
    # Only `rostra demo`: its pretend payment desk and caught-mail folder (/demo/… pages)
    demo: DemoKit | None = None
    # A token that moves with every commit (Database.answer_token); None: no counter
    answer_token: Callable[[], Awaitable[Hashable | None]] = _no_token
    # Where workers share the answers made under one token (PostgreSQL with Redis); None: none
    answer_shelf: AnswerShelf | None = None
    readiness: ReadinessService | None = None  # GET /readyz
    reader_history: ReaderHistoryService | None = None  # authors' records, staff notes
    dsa: DsaService | None = None  # EU Digital Services Act notices
    appeals: AppealService | None = None  # EU DSA appeals against removals
    webhooks: WebhookService | None = None  # endpoints, events, signed deliveries
    feeds: FeedService | None = None  # RSS and Atom of the latest published comments
    chat_alerts: ChatAlertService | None = None  # staff alerts to Slack or Matrix
