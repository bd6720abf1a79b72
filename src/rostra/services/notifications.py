"""Notification use cases: turn published comments into outbox jobs, and deliver due jobs.

Jobs are written in the transaction of the change that caused them (the comment, the
subscription), so a crash never loses one. Delivery is at least once: a worker leases jobs,
sends, and records ``sent`` right after the mail server accepted; a worker that dies before
that record lets its lease run out and another worker sends again, with the same
``Message-ID`` (see docs/notifications.md for the remaining window).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from urllib.parse import urlencode

import structlog

from rostra.domain.comments import Comment, CommentStatus
from rostra.domain.errors import ValidationError
from rostra.domain.sites import Site
from rostra.domain.subscriptions import (
    MAIL_KINDS,
    MAX_ATTEMPTS,
    JobStatus,
    MailDeferredError,
    MailJob,
    MailKind,
    MailRejectedError,
    NewMailJob,
    OutboxSummary,
    OutgoingMail,
    Recipient,
    Subscription,
    SubscriptionKind,
    SubscriptionStatus,
    article_url,
    excerpt,
    one_line,
    retry_delay,
    validate_notify,
)
from rostra.domain.threads import Thread
from rostra.services.ports import Clock, Mailer, Storage, Transaction
from rostra.services.subscriptions import SubscriptionService
from rostra.services.tokens import Keyring

log = structlog.get_logger("rostra.notify")


@dataclass(frozen=True, slots=True)
class NotificationPolicy:
    """How often followers may be mailed and how workers lease jobs."""

    batch_interval: timedelta = timedelta(minutes=15)
    # Far longer than one SMTP conversation (its timeout is 60 s): a lease only runs out when
    # its worker is gone.
    lease: timedelta = timedelta(minutes=5)
    claim_size: int = 20


class NotificationService:
    """Who hears about what, and the delivery of what is due."""

    def __init__(
        self,
        storage: Storage,
        clock: Clock,
        keyring: Keyring,
        subscriptions: SubscriptionService,
        mailer: Mailer | None,
        policy: NotificationPolicy,
    ) -> None:
        self._storage = storage
        self._clock = clock
        self._keyring = keyring
        self._subscriptions = subscriptions
        self._mailer = mailer
        self._policy = policy

    @property
    def enabled(self) -> bool:
        """True when a mail server is configured."""
        return self._mailer is not None

    def check_choice(self, notify: str, email: str | None) -> SubscriptionKind | None:
        """Validate the comment form's ``notify`` before anything is stored."""
        kind = validate_notify(notify)
        if kind is None:
            return None
        self._subscriptions.require_enabled(field="notify")
        if email is None:
            raise ValidationError(
                "Give your email address to be notified.",
                field="author_email",
            )
        return kind

    async def comment_posted(
        self,
        tx: Transaction,
        site: Site,
        thread: Thread,
        comment: Comment,
        *,
        email: str | None,
        notify: str = "none",
        lang: str = "",
    ) -> None:
        """Within the comment's transaction: the author's subscription (pending until
        confirmed) and, when the comment is published, the notifications it causes."""
        kind = self.check_choice(notify, email)
        if kind is not None and email is not None:
            await self._subscriptions.add_in(tx, site.name, thread.page, email, kind, lang)
        if comment.status is CommentStatus.PUBLISHED:
            await self.comment_published(tx, site, thread, comment)

    async def comment_approved(self, tx: Transaction, comment: Comment) -> None:
        """Within the moderator's transaction: a comment held for moderation was published,
        so readers hear of it now (the moderation service calls this on approval)."""
        thread = await tx.threads.get_by_id(comment.thread_id)
        site = await tx.sites.get(thread.site)
        if site is not None:
            # The caller may hold the comment as it was read before approval.
            published = replace(comment, status=CommentStatus.PUBLISHED)
            await self.comment_published(tx, site, thread, published)

    async def comment_featured(self, tx: Transaction, comment: Comment, note: str | None) -> None:
        """Within the editor's transaction: tell the author, when they subscribed with an
        address on the site, that staff featured their comment."""
        if not self.enabled:
            return
        thread = await tx.threads.get_by_id(comment.thread_id)
        site = await tx.sites.get(thread.site)
        recipient = await tx.subscriptions.author_subscription(thread.site, comment.id)
        if site is None or recipient is None:
            return
        now = self._clock.now()
        item = {
            "id": comment.id,
            "author": one_line(comment.author_name, 100),
            "excerpt": excerpt(comment.body),
            "url": article_url(site.origins, thread.page, comment.id),
            "note": note or "",
        }
        await tx.outbox.enqueue(
            NewMailJob(
                kind=MailKind.FEATURED,
                recipient=recipient.email,
                subscription_id=recipient.subscription_id,
                payload={"site": site.name, "page": thread.page, "items": [item]},
                available_at=now,
                created_at=now,
            )
        )

    async def comment_published(
        self, tx: Transaction, site: Site, thread: Thread, comment: Comment
    ) -> None:
        """Queue mail for the confirmed subscribers a published comment concerns: the parent's
        author (``replies``, at once) and the page's followers (``all``, batched). The author
        of the comment is never told of it. One indexed query when nobody subscribes."""
        if not self.enabled or comment.status is not CommentStatus.PUBLISHED:
            return
        recipients = await tx.subscriptions.recipients(
            site.name, thread.page, comment.id, comment.parent_id
        )
        # Mentioned authors hear of it like the author replied to, in the same single mail.
        mentioned = await tx.subscriptions.mentioned(
            site.name, thread.page, comment.id, comment.mentions
        )
        if not recipients and not mentioned:
            return
        now = self._clock.now()
        item: dict[str, object] = {
            "id": comment.id,
            "author": one_line(comment.author_name, 100),
            "excerpt": excerpt(comment.body),
            "url": article_url(site.origins, thread.page, comment.id),
        }
        told_of_reply = {r.email.lower() for r in recipients if r.kind is SubscriptionKind.REPLIES}
        addressed = {r.email.lower() for r in mentioned}
        direct = [r for r in recipients if r.kind is SubscriptionKind.REPLIES]
        for recipient in mentioned:  # one subscription per address (a reply's first)
            if recipient.email.lower() not in {r.email.lower() for r in direct}:
                direct.append(recipient)
        for recipient in direct:
            mention = recipient.email.lower() in addressed
            await tx.outbox.enqueue(
                NewMailJob(
                    kind=MailKind.REPLY,
                    recipient=recipient.email,
                    subscription_id=recipient.subscription_id,
                    payload={
                        "site": site.name,
                        "page": thread.page,
                        "items": [{**item, "mention": True} if mention else item],
                    },
                    available_at=now,
                    created_at=now,
                )
            )
        for recipient in recipients:
            if recipient.kind is SubscriptionKind.REPLIES:
                continue
            if recipient.email.lower() not in told_of_reply | addressed:
                await self._batch(tx, recipient.subscription_id, recipient, site, thread, item)

    async def _batch(
        self,
        tx: Transaction,
        subscription_id: str,
        recipient: Recipient,
        site: Site,
        thread: Thread,
        item: dict[str, object],
    ) -> None:
        """Add to the follower's waiting mail, or start one that leaves no earlier than one
        interval after the previous one."""
        if await tx.outbox.add_to_waiting(subscription_id, MailKind.THREAD.value, item):
            return
        now = self._clock.now()
        leaves_at = max(now, recipient.next_digest_at)
        await tx.outbox.enqueue(
            NewMailJob(
                kind=MailKind.THREAD,
                recipient=recipient.email,
                subscription_id=subscription_id,
                payload={"site": site.name, "page": thread.page, "items": [item]},
                available_at=leaves_at,
                created_at=now,
            )
        )
        await tx.subscriptions.set_next_digest(
            subscription_id, leaves_at + self._policy.batch_interval
        )

    async def queue_staff_digest(
        self, tx: Transaction, recipients: Sequence[str], site: str, pending: int
    ) -> None:
        """Within the caller's transaction: tell staff how many comments wait for moderation
        on ``site``, linking to the dashboard's queue of that site (``StaffDigestService``
        calls this once per digest period)."""
        if not self.enabled or pending <= 0:
            return
        now = self._clock.now()
        for address in recipients:
            await tx.outbox.enqueue(
                NewMailJob(
                    kind=MailKind.STAFF_DIGEST,
                    recipient=address,
                    subscription_id=None,
                    payload={
                        "site": site,
                        "page": "",
                        "pending": pending,
                        "dashboard_url": self._subscriptions.public_link(
                            "/admin?" + urlencode({"site": site})
                        ),
                    },
                    available_at=now,
                    created_at=now,
                )
            )

    async def queue_personal(
        self, tx: Transaction, kind: MailKind, recipient: str, payload: dict[str, object]
    ) -> bool:
        """Within the caller's transaction: one message to one address that is tied to no
        subscription (EU DSA notices and their decisions); False when mail is off."""
        if not self.enabled:
            return False
        now = self._clock.now()
        await tx.outbox.enqueue(
            NewMailJob(
                kind=kind,
                recipient=recipient,
                subscription_id=None,
                payload=payload,
                available_at=now,
                created_at=now,
            )
        )
        return True

    async def send_staff_digest(self, recipients: Sequence[str], site: str, pending: int) -> None:
        """``queue_staff_digest`` in a transaction of its own (for a scheduled job)."""
        async with self._storage.write() as tx:
            await self.queue_staff_digest(tx, recipients, site, pending)

    async def deliver_due(self, worker: str, stopping: Callable[[], bool] = lambda: False) -> int:
        """Lease the jobs that are due and send them, one at a time. Returns how many were
        claimed (0: nothing to do, the worker may rest). Once ``stopping()`` is true, the
        jobs not started yet are released for other workers (a stopping host hands its
        claim over instead of sitting on it until the lease runs out)."""
        if self._mailer is None:
            return 0
        now = self._clock.now()
        async with self._storage.write() as tx:
            jobs = await tx.outbox.claim(
                now, now + self._policy.lease, worker, self._policy.claim_size, MAIL_KINDS
            )
        for done, job in enumerate(jobs):
            if stopping():
                await self._release(jobs[done:], worker)
                break
            await self._deliver(self._mailer, job, worker)
        return len(jobs)

    async def _release(self, jobs: Sequence[MailJob], worker: str) -> None:
        async with self._storage.write() as tx:
            released = await tx.outbox.release([job.id for job in jobs], worker)
        log.info("outbox_released", worker=worker, jobs=released)

    async def outbox_summary(self) -> OutboxSummary:
        """Counts by state and the latest permanent failures (for admins)."""
        async with self._storage.read() as tx:
            return await tx.outbox.summary()

    async def _deliver(self, mailer: Mailer, job: MailJob, worker: str) -> None:
        site_name = str(job.payload.get("site", ""))
        page = str(job.payload.get("page", ""))
        async with self._storage.read() as tx:
            subscription = (
                await tx.subscriptions.get(job.subscription_id) if job.subscription_id else None
            )
            site = await tx.sites.get(site_name)
        reason = _why_not(job, subscription)
        if reason is not None:
            async with self._storage.write() as tx:
                await tx.outbox.finish(job.id, worker, JobStatus.CANCELLED.value, reason)
            return
        try:
            await mailer.send(self._compose(job, subscription, site, site_name, page))
        except MailRejectedError as exc:
            await self._end(job, worker, JobStatus.FAILED, str(exc))
            log.warning("mail_rejected", job=job.id, kind=job.kind.value, error=str(exc))
            return
        except MailDeferredError as exc:
            if job.attempts >= MAX_ATTEMPTS:
                await self._end(job, worker, JobStatus.FAILED, f"gave up: {exc}")
                return
            retry_at = self._clock.now() + retry_delay(job.attempts)
            async with self._storage.write() as tx:
                await tx.outbox.retry(job.id, worker, retry_at, str(exc))
            log.info("mail_deferred", job=job.id, attempts=job.attempts, error=str(exc))
            return
        except Exception as exc:
            # A bug (a template that cannot render): retrying would fail the same way forever.
            log.exception("mail_failed", job=job.id, kind=job.kind.value)
            await self._end(job, worker, JobStatus.FAILED, f"internal error: {exc!r}")
            return
        # The crash window: a worker dying between the server's acceptance and this write
        # makes the job claimable again after its lease, and it is sent a second time.
        async with self._storage.write() as tx:
            await tx.outbox.mark_sent(job.id, worker, self._clock.now())

    async def _end(self, job: MailJob, worker: str, status: JobStatus, error: str) -> None:
        async with self._storage.write() as tx:
            await tx.outbox.finish(job.id, worker, status.value, error)

    def _compose(
        self,
        job: MailJob,
        subscription: Subscription | None,
        site: Site | None,
        site_name: str,
        page: str,
    ) -> OutgoingMail:
        origins = site.origins if site else ()
        context: dict[str, object] = {
            "site_title": one_line((site.title if site else "") or site_name, 100),
            "page": page,
            "page_url": article_url(origins, page),
            **job.payload,
        }
        unsubscribe_url = None
        to = job.recipient
        if subscription is not None:
            to = subscription.email
            unsubscribe_url = self._subscriptions.link("unsubscribe", subscription.id)
            context["kind"] = subscription.kind.value
            context["lang"] = subscription.lang
            context["unsubscribe_url"] = unsubscribe_url
            context["manage_url"] = self._subscriptions.manage_url_for(subscription.email)
            if job.kind is MailKind.CONFIRM:
                context["confirm_url"] = self._subscriptions.link("confirm", subscription.id)
        key = self._keyring.digest("message-id", str(job.id))[:16]
        return OutgoingMail(
            template=job.kind.value,
            to=to,
            message_key=f"rostra.{job.id}.{key}",
            context=context,
            unsubscribe_url=unsubscribe_url,
        )


PERSONAL = (
    MailKind.STAFF_DIGEST,
    MailKind.SIGN_IN,
    MailKind.NOTICE_RECEIVED,
    MailKind.NOTICE_DECIDED,
    MailKind.STATEMENT,
    MailKind.APPEAL_DECIDED,
)


def _why_not(job: MailJob, subscription: Subscription | None) -> str | None:
    """Why a job must not be sent any more, or None."""
    if job.kind in PERSONAL:  # not tied to a subscription
        return None
    if subscription is None:
        return "the subscription ended before sending"
    if job.kind is MailKind.CONFIRM:
        if subscription.status is SubscriptionStatus.CONFIRMED:
            return "already confirmed"
        return None
    if subscription.status is not SubscriptionStatus.CONFIRMED:
        return "the subscription is not confirmed"
    return None
