"""Staff decisions on comments: the queue, approve, reject, spam, bans, pins, reports, audit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from rostra.domain.comments import Comment, CommentStatus
from rostra.domain.errors import (
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ValidationError,
)
from rostra.domain.events import CommentCreated, CommentDeleted, CommentUpdated, ThreadEvent
from rostra.domain.images import StoredImage
from rostra.domain.moderation import ModerationSettings, Reason, Verdict
from rostra.domain.screening import validate_settings
from rostra.domain.staff import (
    BENIGN,
    LEARN_CATEGORIES,
    AuditEntry,
    AuthorBannedError,
    Ban,
    BanKind,
    Role,
    StaffAction,
    StaffUser,
    learn_category,
    require_role,
    validate_reason,
    validate_report_category,
)
from rostra.domain.threads import Thread, validate_read_only_days
from rostra.domain.webhooks import comment_data
from rostra.services.audit import AuditDetail, describe_entries
from rostra.services.callers import Caller, address_key, check_origin, voter_identity
from rostra.services.dsa_statements import StatementService
from rostra.services.images import ImageService
from rostra.services.live import LiveService
from rostra.services.metrics_ports import Metrics, NoMetrics
from rostra.services.notifications import NotificationService
from rostra.services.ports import Clock, RateLimiter, Storage, Transaction
from rostra.services.ports import Decision as ScreeningDecision
from rostra.services.screening import ScreeningService
from rostra.services.staff_ports import QueueItem
from rostra.services.tokens import Keyring
from rostra.services.webhooks import WebhookService

MAX_PAGE = 100
# How far back the bans page looks in the audit log for the comment a ban was made from.
BAN_AUDIT_PAGES = 10
# Past any real queue or log; larger offsets overflow the databases' integers.
MAX_OFFSET = 1_000_000_000
MAX_BULK = 100
MAX_PINNED = 3
SPAM_BAN = timedelta(days=7)
MAX_BAN_DAYS = 3650


@dataclass(frozen=True, slots=True)
class BanDetail:
    """A ban and the comment that caused it (None when no longer known)."""

    ban: Ban
    comment: Comment | None


class Decision(StrEnum):
    """What staff decide about a comment in the queue (also the bulk actions)."""

    APPROVE = "approve"
    REJECT = "reject"
    SPAM = "spam"


@dataclass(frozen=True, slots=True)
class QueuePage:
    """Part of the queue, and the offset of the next part (None at the end)."""

    items: list[QueueItem]
    next_offset: int | None


@dataclass(frozen=True, slots=True)
class BulkResult:
    """Per-comment outcome of a bulk action: ids done, and ids failed with the reason."""

    done: list[str]
    failed: dict[str, str]


async def check_not_banned(
    tx: Transaction, email_hash: str | None, ip_hash: str | None, now: datetime
) -> None:
    """Refuse a new comment from a banned author (by email digest or IP digest)."""
    values: list[tuple[BanKind, str]] = []
    if email_hash:
        values.append((BanKind.EMAIL, email_hash))
    if ip_hash:
        values.append((BanKind.IP, ip_hash))
    if await tx.staff_records.is_banned(values, now):
        raise AuthorBannedError(
            "You cannot comment on this site: the moderators have blocked your comments.",
            field=None,
        )


class ModerationService:
    """What staff do with comments; every action lands in the audit log."""

    def __init__(
        self,
        storage: Storage,
        live: LiveService,
        clock: Clock,
        keyring: Keyring,
        *,
        notifications: NotificationService | None = None,
        images: ImageService | None = None,
        screening: ScreeningService | None = None,
        metrics: Metrics | None = None,
        limiter: RateLimiter | None = None,
        webhooks: WebhookService | None = None,
        statements: StatementService | None = None,
    ) -> None:
        self._statements = statements  # EU DSA: the author of a removed comment is told why
        self._webhooks = webhooks  # decisions and reports, to the site's other systems
        self._limiter = limiter  # reports per client address
        self._metrics = metrics or NoMetrics()  # staff decisions
        self._storage = storage
        self._live = live
        self._clock = clock
        self._keyring = keyring
        self._notifications = notifications  # readers hear of an approved comment
        self._images = images  # deletes the files of a rejected comment's images
        self._screening = screening  # the running screen learns from staff's exemplars

    async def queue(
        self,
        user: StaffUser,
        *,
        site: str | None = None,
        search: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> QueuePage:
        """Held comments and comments readers reported as often as their site's threshold,
        oldest first; ``next_offset`` continues the list."""
        del user  # every staff member sees the queue
        if not 1 <= limit <= MAX_PAGE:
            raise ValidationError(f"'limit' must be between 1 and {MAX_PAGE}.", field="limit")
        if not 0 <= offset <= MAX_OFFSET:
            raise ValidationError(f"'offset' must be between 0 and {MAX_OFFSET:,}.", field="offset")
        search = (search or "").strip()[:200] or None
        async with self._storage.read() as tx:
            thresholds: dict[str, int] = {}
            if site:
                thresholds[site] = (await self._settings(tx, site)).report_threshold
            # Each site has its own threshold: fetch every reported comment, keep those at
            # their site's threshold.
            items = await tx.staff_records.queue(
                site=site, search=search, report_threshold=1, limit=limit, offset=offset
            )
            explained = []
            for item in items:
                if item.comment.status is CommentStatus.PUBLISHED:
                    if item.site not in thresholds:
                        settings = await tx.sites.moderation_settings(item.site)
                        thresholds[item.site] = settings.report_threshold
                    if item.report_count < thresholds[item.site]:
                        continue
                decisions = await tx.screening.decisions(item.comment.id)
                automatic = [d for d in decisions if d.actor is None]
                reasons = automatic[-1].reasons if automatic else ()
                explained.append(replace(item, screening=reasons))
        return QueuePage(explained, offset + limit if len(items) == limit else None)

    async def decide(
        self,
        user: StaffUser,
        comment_id: str,
        decision: Decision,
        reason: str | None = None,
        *,
        reinstate: bool = False,
    ) -> Comment:
        """Approve (publish, or keep a reported comment), reject, or reject as spam (which also
        bans the author's email and address digests for a week). ``reinstate`` lets an
        approval publish a rejected comment again (an upheld appeal against its removal)."""
        note = validate_reason(reason)
        taught = False
        events: list[ThreadEvent] = []
        removed_images: Sequence[StoredImage] = ()
        async with self._storage.write() as tx:
            comment = await self._comment(tx, comment_id)
            thread = await tx.threads.get_by_id(comment.thread_id)
            now = self._clock.now()
            if decision is Decision.APPROVE:
                if comment.status is CommentStatus.PENDING or (
                    reinstate and comment.status is CommentStatus.REJECTED
                ):
                    if comment.parent_id is not None:
                        parent = await tx.comments.get(comment.parent_id)
                        if parent is None or parent.status is not CommentStatus.PUBLISHED:
                            raise ValidationError(
                                "The comment replied to is no longer published.", field="id"
                            )
                    await tx.staff_records.set_status(comment.id, CommentStatus.PUBLISHED)
                    await self._count(tx, comment, +1)
                    taught = await self._teach_benign(tx, thread.site, comment, user, now)
                    events.append(
                        await self._live.record(
                            tx,
                            thread.id,
                            CommentCreated(
                                thread.site, thread.page, comment.id, parent_id=comment.parent_id
                            ),
                        )
                    )
                    if self._notifications is not None:  # same transaction as the approval
                        await self._notifications.comment_approved(tx, comment)
                elif comment.status is not CommentStatus.PUBLISHED:
                    raise ValidationError(f"The comment is {comment.status}.", field="id")
            else:
                if comment.status is CommentStatus.DELETED:
                    raise ValidationError("The comment was deleted.", field="id")
                if comment.status is CommentStatus.PUBLISHED:
                    await self._count(tx, comment, -1)
                    events.append(
                        await self._live.record(
                            tx, thread.id, CommentDeleted(thread.site, thread.page, comment.id)
                        )
                    )
                await tx.staff_records.set_status(comment.id, CommentStatus.REJECTED)
                removed_images = await tx.images.delete_for_comment(comment.id)
                if comment.pinned:
                    await tx.staff_records.set_pinned(comment.id, False)
                if comment.featured_at is not None:  # a rejected comment is nobody's pick
                    await tx.staff_records.set_featured(comment.id, None, None)
                if self._statements is not None and comment.status in (
                    CommentStatus.PUBLISHED,
                    CommentStatus.PENDING,
                ):
                    await self._statements.removed(
                        tx, comment, thread.site, decision.value, note, user.email, now
                    )
                if decision is Decision.SPAM:
                    await self._ban_author(
                        tx,
                        user,
                        comment.id,
                        (BanKind.EMAIL, BanKind.IP),
                        now + SPAM_BAN,
                        note or "spam",
                    )
            await tx.staff_records.clear_reports(comment.id)
            verdict = Verdict.PUBLISH if decision is Decision.APPROVE else Verdict.REJECT
            published = decision is Decision.APPROVE and comment.status in (
                CommentStatus.PENDING,
                CommentStatus.REJECTED,
            )
            if self._webhooks is not None and (published or decision is not Decision.APPROVE):
                await self._emit(
                    tx,
                    comment,
                    thread,
                    "comment.published" if published else "comment.rejected",
                    CommentStatus.PUBLISHED if published else CommentStatus.REJECTED,
                )
            await tx.screening.record_decision(
                ScreeningDecision(
                    comment.id,
                    verdict,
                    (Reason("staff", note or decision.value, verdict),),
                    user.email,
                    now,
                )
            )
            await tx.staff_records.audit(
                user.email, StaffAction(decision.value), comment.id, note, now
            )
            decided = await tx.comments.get(comment.id)
        self._metrics.moderation_decided(decision.value, "staff")
        if taught and self._screening is not None:
            self._screening.add_exemplar(BENIGN, comment.body)
        for event in events:
            await self._live.publish(event)
        if self._images is not None:
            await self._images.delete_files(removed_images)
        assert decided is not None  # noqa: S101 - read inside the same transaction
        return decided

    async def _teach_benign(
        self, tx: Transaction, site: str, comment: Comment, user: StaffUser, now: datetime
    ) -> bool:
        """An approved comment that the screen's model had held is an example of what this
        site allows: stored, so every worker's screen learns it."""
        automatic = [d for d in await tx.screening.decisions(comment.id) if d.actor is None]
        if not automatic or not any(r.rule.startswith("model:") for r in automatic[-1].reasons):
            return False
        text = comment.body.strip()
        if not text:
            return False
        await tx.screening.add_exemplar(site, BENIGN, text, user.id, now)
        return True

    async def decide_many(
        self, user: StaffUser, comment_ids: Sequence[str], decision: Decision, reason: str | None
    ) -> BulkResult:
        """The same decision for up to 100 comments; each succeeds or fails on its own."""
        ids = list(dict.fromkeys(comment_ids))
        if not ids or len(ids) > MAX_BULK:
            raise ValidationError(f"Give 1 to {MAX_BULK} comment ids.", field="ids")
        result = BulkResult([], {})
        for comment_id in ids:
            try:
                await self.decide(user, comment_id, decision, reason)
            except (ValidationError, NotFoundError) as exc:
                result.failed[comment_id] = exc.message
            else:
                result.done.append(comment_id)
        return result

    async def learn(self, user: StaffUser, comment_id: str, category: str) -> bool:
        """Store a comment's text as an example of ``category`` on its site (audited) and
        teach the screen; True when the configured model learns from examples (with
        ``profanity`` or ``none`` the example waits in the database)."""
        known = learn_category(category)
        if known is None:
            raise ValidationError(
                f"'category' must be one of: {', '.join(LEARN_CATEGORIES)}.", field="category"
            )
        category = known
        async with self._storage.write() as tx:
            comment = await tx.comments.get(comment_id)
            if comment is None:
                raise NotFoundError("There is no such comment.", field="id")
            text = comment.body.strip()
            if not text:
                raise ValidationError("The comment has no text to learn from.", field="id")
            thread = await tx.threads.get_by_id(comment.thread_id)
            now = self._clock.now()
            await tx.screening.add_exemplar(thread.site, category, text, user.id, now)
            await tx.staff_records.audit(user.email, StaffAction.LEARN, comment.id, category, now)
        if self._screening is None:
            return False
        return self._screening.add_exemplar(category, text)

    async def ban(
        self,
        user: StaffUser,
        comment_id: str,
        kinds: Sequence[BanKind],
        *,
        days: int | None = None,
        reason: str | None = None,
    ) -> list[Ban]:
        """Ban the author of a comment by email digest and/or IP digest, for ``days`` or for
        good; their next comment is refused with ``author_banned``."""
        if not kinds:
            raise ValidationError("Choose what to ban by: email, ip or both.", field="by")
        if days is not None and not 1 <= days <= MAX_BAN_DAYS:
            raise ValidationError(f"'days' must be between 1 and {MAX_BAN_DAYS}.", field="days")
        note = validate_reason(reason)
        async with self._storage.write() as tx:
            comment = await self._comment(tx, comment_id)
            now = self._clock.now()
            expires = now + timedelta(days=days) if days else None
            count = await self._ban_author(tx, user, comment.id, kinds, expires, note)
            if count == 0:
                raise ValidationError(
                    "Nothing to ban by: the comment has no stored email or address.", field="by"
                )
            bans = await tx.staff_records.list_bans(now)
        return bans[:count]

    async def unban(self, user: StaffUser, ban_id: int, reason: str | None = None) -> None:
        """Lift a ban."""
        note = validate_reason(reason)
        if not 0 < ban_id < 2**63:  # ids are positive 64-bit integers (the fuzzing)
            raise NotFoundError("There is no such ban.", field="id")
        async with self._storage.write() as tx:
            if not await tx.staff_records.remove_ban(ban_id):
                raise NotFoundError("There is no such ban.", field="id")
            await tx.staff_records.audit(
                user.email, StaffAction.UNBAN, str(ban_id), note, self._clock.now()
            )

    async def list_bans(self, user: StaffUser) -> list[Ban]:
        """Bans in force."""
        del user
        async with self._storage.read() as tx:
            return await tx.staff_records.list_bans(self._clock.now())

    async def ban_details(self, user: StaffUser) -> list[BanDetail]:
        """Bans in force, each with the comment it was made from when the audit log still
        names it (a ban and its audit entry share their author and moment)."""
        del user
        async with self._storage.read() as tx:
            bans = await tx.staff_records.list_bans(self._clock.now())
            wanted = {(b.created_by, b.created_at, b.kind.value): b for b in bans}
            origins: dict[int, str] = {}
            for page in range(BAN_AUDIT_PAGES):
                entries = await tx.staff_records.audit_entries(MAX_PAGE, page * MAX_PAGE)
                for entry in entries:
                    kind, _, comment_id = entry.target.partition(":")
                    ban = wanted.get((entry.actor, entry.created_at, kind))
                    if entry.action is StaffAction.BAN and ban is not None:
                        origins.setdefault(ban.id, comment_id)
                if len(entries) < MAX_PAGE or len(origins) == len(bans):
                    break
            comments = {
                ban_id: await tx.comments.get(comment_id) for ban_id, comment_id in origins.items()
            }
        return [BanDetail(b, comments.get(b.id)) for b in bans]

    async def pin(self, user: StaffUser, comment_id: str, pinned: bool) -> Comment:
        """Pin a published top-level comment first on its thread (at most 3), or unpin it."""
        async with self._storage.write() as tx:
            comment = await self._comment(tx, comment_id)
            if pinned:
                if comment.root_id is not None or comment.status is not CommentStatus.PUBLISHED:
                    raise ValidationError(
                        "Only published top-level comments can be pinned.", field="id"
                    )
                if (
                    not comment.pinned
                    and await tx.staff_records.pinned_count(comment.thread_id) >= MAX_PINNED
                ):
                    raise ValidationError(
                        f"A thread can have at most {MAX_PINNED} pinned comments.", field="id"
                    )
            await tx.staff_records.set_pinned(comment.id, pinned)
            thread = await tx.threads.get_by_id(comment.thread_id)
            # The event moves the thread's version on, so cached pages show the new order.
            event = await self._live.record(
                tx, thread.id, CommentUpdated(thread.site, thread.page, comment.id)
            )
            action = StaffAction.PIN if pinned else StaffAction.UNPIN
            await tx.staff_records.audit(user.email, action, comment.id, "", self._clock.now())
            changed = await tx.comments.get(comment.id)
        await self._live.publish(event)
        assert changed is not None  # noqa: S101 - read inside the same transaction
        return changed

    async def report(
        self,
        comment_id: str,
        caller: Caller,
        reason: str | None = None,
        category: str | None = None,
    ) -> bool:
        """A reader reports a published comment, once, with an optional category (spam,
        abuse, …) and note; True when this report reached the site's threshold and put the
        comment in the queue."""
        note = validate_reason(reason)
        kind = validate_report_category(category)
        reporter = voter_identity(caller, self._keyring.digest)
        if not reporter:
            raise PermissionDeniedError(
                "Reporting needs the reader cookie; enable cookies and try again.",
                field=None,
                code="voter_required",
            )
        address = address_key(caller, self._keyring.digest)
        wait = await self._limiter.hit("report-address", address) if self._limiter else None
        if wait is not None:
            raise RateLimitedError(
                f"Too many reports from your address; try again in {wait:.0f} s.",
                retry_after=wait,
            )
        async with self._storage.write() as tx:
            comment = await tx.comments.get(comment_id)
            if comment is None or comment.status is not CommentStatus.PUBLISHED:
                raise NotFoundError("There is no such comment.", field="id")
            thread = await tx.threads.get_by_id(comment.thread_id)
            site = await tx.sites.get(thread.site)
            if site is not None:  # only the site's own pages report its comments
                check_origin(site, caller)
            settings = await self._settings(tx, thread.site)
            added = await tx.staff_records.add_report(
                comment.id, reporter, note, self._clock.now(), kind
            )
            count = await tx.staff_records.report_count(comment.id)
            if added and self._webhooks is not None:
                await self._emit(
                    tx,
                    comment,
                    thread,
                    "report.created",
                    comment.status,
                    {"report_count": count, "reason": note or ""},
                )
        return added and count == settings.report_threshold

    async def audit_log(
        self, user: StaffUser, limit: int = 50, offset: int = 0
    ) -> list[AuditEntry]:
        """Every staff action, newest first."""
        del user
        if not 1 <= limit <= MAX_PAGE:
            raise ValidationError(f"'limit' must be between 1 and {MAX_PAGE}.", field="limit")
        if offset > MAX_OFFSET:
            raise ValidationError(f"'offset' must be between 0 and {MAX_OFFSET:,}.", field="offset")
        async with self._storage.read() as tx:
            return await tx.staff_records.audit_entries(limit, max(0, offset))

    async def audit_details(
        self, user: StaffUser, limit: int = 50, offset: int = 0
    ) -> list[AuditDetail]:
        """The audit log, newest first, each entry with what it acted on (the dashboard)."""
        entries = await self.audit_log(user, limit, offset)
        async with self._storage.read() as tx:
            return await describe_entries(tx, entries)

    async def site_settings(self, user: StaffUser, site: str) -> ModerationSettings:
        """A site's moderation settings (admins only)."""
        require_role(user, Role.ADMIN)
        async with self._storage.read() as tx:
            return await self._settings(tx, site)

    async def update_site_settings(
        self, user: StaffUser, site: str, settings: ModerationSettings, reason: str | None = None
    ) -> ModerationSettings:
        """Replace a site's moderation settings (admins only); audited."""
        require_role(user, Role.ADMIN)
        note = validate_reason(reason)
        _check_settings(settings)
        validate_settings(settings)  # the screening rules' own checks (word lists, ranges)
        async with self._storage.write() as tx:
            current = await self._settings(tx, site)
            if not settings.extra:  # keep what the dashboard does not show
                settings = replace(settings, extra=dict(current.extra))
            await tx.sites.set_moderation_settings(site, settings)
            await tx.staff_records.audit(
                user.email, StaffAction.SETTINGS, site, note, self._clock.now()
            )
            return await tx.sites.moderation_settings(site)

    async def _emit(
        self,
        tx: Transaction,
        comment: Comment,
        thread: Thread,
        event_type: str,
        status: CommentStatus,
        extra: dict[str, object] | None = None,
    ) -> None:
        if self._webhooks is None:
            return
        site = await tx.sites.get(thread.site)
        data = comment_data(comment, thread, site.origins if site else (), status.value)
        await self._webhooks.emit(tx, thread.site, event_type, {**data, **(extra or {})})

    async def _settings(self, tx: Transaction, site: str) -> ModerationSettings:
        if await tx.sites.get(site) is None:
            raise NotFoundError(f"There is no site called {site!r}.", field="site")
        return await tx.sites.moderation_settings(site)

    async def _comment(self, tx: Transaction, comment_id: str) -> Comment:
        found = await tx.comments.get(comment_id)
        if found is None:
            raise NotFoundError("There is no such comment.", field="id")
        await tx.threads.lock(found.thread_id)
        comment = await tx.comments.get(comment_id, for_update=True)
        if comment is None:
            raise NotFoundError("There is no such comment.", field="id")
        return comment

    async def _ban_author(
        self,
        tx: Transaction,
        user: StaffUser,
        comment_id: str,
        kinds: Sequence[BanKind],
        expires: datetime | None,
        reason: str,
    ) -> int:
        email_hash, ip_hash = await tx.staff_records.author_digests(comment_id)
        now = self._clock.now()
        count = 0
        for kind in dict.fromkeys(kinds):
            value = {BanKind.EMAIL: email_hash, BanKind.IP: ip_hash}.get(kind)
            if value is None:
                continue
            await tx.staff_records.add_ban(kind, value, reason, user.email, now, expires)
            await tx.staff_records.audit(
                user.email, StaffAction.BAN, f"{kind}:{comment_id}", reason, now
            )
            count += 1
        return count

    async def _count(self, tx: Transaction, comment: Comment, delta: int) -> None:
        await tx.threads.adjust_count(comment.thread_id, delta)
        if comment.root_id is not None:
            await tx.comments.adjust_descendants(comment.root_id, delta)


def _check_settings(settings: ModerationSettings) -> None:
    if not 0.0 <= settings.hold_threshold <= settings.reject_threshold <= 1.0:
        raise ValidationError(
            "Thresholds must satisfy 0 ≤ hold ≤ reject ≤ 1.", field="hold_threshold"
        )
    if settings.report_threshold < 1:
        raise ValidationError("'report_threshold' must be at least 1.", field="report_threshold")
    if settings.max_links < 0 or settings.min_seconds_to_submit < 0:
        raise ValidationError("Limits cannot be negative.", field="max_links")
    validate_read_only_days(settings.read_only_after_days)
