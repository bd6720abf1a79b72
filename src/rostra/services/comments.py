"""Comment use cases: post, edit, delete; reading a thread and counting comments are handed to
``rostra.services.thread_reads``."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from rostra.domain import comments as rules
from rostra.domain.anchors import parse_anchor
from rostra.domain.comments import Comment, CommentStatus
from rostra.domain.errors import (
    CommentRejectedError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ValidationError,
)
from rostra.domain.events import CommentCreated, CommentDeleted, CommentUpdated
from rostra.domain.images import ImageAttachment
from rostra.domain.languages import reader_language
from rostra.domain.mentions import Mention, find_mentions, link_mentions
from rostra.domain.moderation import ModerationSettings, Reason, Screening, Verdict
from rostra.domain.rendering import render_markdown
from rostra.domain.sites import Site
from rostra.domain.threads import (
    Thread,
    validate_page,
    validate_site_page,
    validate_title,
)
from rostra.domain.webhooks import comment_data
from rostra.services.callers import Caller, author_key, check_origin
from rostra.services.images import ImageService, attach_images, with_images
from rostra.services.live import LiveService
from rostra.services.metrics_ports import Metrics, NoMetrics
from rostra.services.moderation import check_not_banned
from rostra.services.notifications import NotificationService
from rostra.services.ports import (
    Clock,
    NewComment,
    RateLimiter,
    Storage,
    Transaction,
)
from rostra.services.screening import ScreeningService, Subject, rejection_message
from rostra.services.thread_reads import (
    PageRevision,
    ThreadPage,
    ThreadQuery,
    ThreadReader,
    no_such_site,
    site_named,
)
from rostra.services.tokens import Keyring
from rostra.services.webhooks import WebhookService


@dataclass(frozen=True, slots=True)
class CommentDraft:
    """A comment as a reader submitted it, before any rule ran."""

    site: str
    page: str
    body: str
    author_name: str
    page_title: str | None = None
    parent_id: str | None = None
    author_email: str | None = None
    author_url: str | None = None
    anchor: dict[str, Any] | None = None
    honeypot: str | None = None
    elapsed_ms: int | None = None  # form opened → sent, as the widget measured it (screening)
    # Uploads to show with the comment. Moderation hook: a non-empty tuple means the
    # comment carries images, which screening may hold for untrusted authors.
    images: tuple[ImageAttachment, ...] = ()
    notify: str = "none"  # "Notify of": none | replies | all (needs author_email)
    lang: str | None = None  # the widget's language, for the mail a subscription brings


@dataclass(frozen=True, slots=True)
class PostedComment:
    """A stored comment and the secret that lets its author edit it."""

    comment: Comment
    edit_token: str
    editable_until: datetime


@dataclass(frozen=True, slots=True)
class CommentPolicy:
    """Instance-wide settings that shape comment rules."""

    edit_window: timedelta = timedelta(minutes=15)
    max_depth: int = 4
    cached_pages: int = 1024


async def _apply_thread_settings(
    tx: Transaction,
    thread: Thread,
    screening: Screening,
    draft: CommentDraft,
    now: datetime,
    reader_id: str | None,
    ip_hash: str | None,
) -> Screening:
    """The article's own settings (docs/editorial-controls.md): refuse a comment on a closed
    thread, images where they are off, a second comment within the slow mode's minutes; hold
    every comment of a pre-moderated article."""
    if thread.is_closed(now):
        raise PermissionDeniedError(
            "Comments are closed on this article.", field=None, code="thread_closed"
        )
    settings = thread.settings
    if draft.images and not settings.images:
        raise ValidationError("Images are turned off on this article.", field="images")
    if settings.slow_minutes:
        last = await tx.comments.last_by_author(thread.id, reader_id=reader_id, ip_hash=ip_hash)
        if last is not None and now < last + timedelta(minutes=settings.slow_minutes):
            wait = (last + timedelta(minutes=settings.slow_minutes) - now).total_seconds()
            minutes = max(1, math.ceil(wait / 60))
            slow = settings.slow_minutes
            # Whole sentences, not "minute" + "s": each one translates as it is.
            raise RateLimitedError(
                f"This article is in slow mode: one comment every {slow} minutes. "
                "You can comment again in 1 minute."
                if minutes == 1
                else f"This article is in slow mode: one comment every {slow} minutes. "
                f"You can comment again in {minutes} minutes.",
                retry_after=wait,
                code="slow_mode",
            )
    if settings.premoderated and screening.verdict is Verdict.PUBLISH:
        held = Reason("thread", "every comment on this article is reviewed", Verdict.HOLD)
        return Screening((*screening.reasons, held))
    return screening


class CommentService:
    """Everything readers do with comments, behind one set of rules."""

    def __init__(
        self,
        storage: Storage,
        live: LiveService,
        clock: Clock,
        keyring: Keyring,
        policy: CommentPolicy,
        limiter: RateLimiter,
        images: ImageService | None = None,
        screening: ScreeningService | None = None,
        notifications: NotificationService | None = None,
        metrics: Metrics | None = None,
        webhooks: WebhookService | None = None,
    ) -> None:
        self._webhooks = webhooks  # events to the site's other systems, in the same transaction
        self._metrics = metrics or NoMetrics()  # comments posted, screening verdicts
        self._notifications = notifications  # subscriptions and the mail outbox
        # Without a model the rules still run (word lists, links, modes, timing, duplicates).
        self._screening = screening or ScreeningService(None, clock)
        self._images = images  # deletes the files of a deleted comment's images
        self._storage = storage
        self._live = live
        self._clock = clock
        self._keyring = keyring
        self._policy = policy
        self._limiter = limiter
        self._reader = ThreadReader(
            storage, policy.cached_pages, policy.max_depth, self._metrics, clock
        )

    async def post_comment(self, draft: CommentDraft, caller: Caller) -> PostedComment:
        """Validate and store a new comment (or reply) and tell the thread's live readers."""
        page = validate_page(draft.page)
        body = rules.validate_body(draft.body)
        # A signed-in reader writes as their account, on the account's own site only
        # (elsewhere, as a guest).
        reader = caller.reader if caller.reader and caller.reader.site == draft.site else None
        name = reader.name if reader else rules.validate_author_name(draft.author_name)
        email = rules.validate_email(draft.author_email) or (reader.email if reader else None)
        url = None if reader else rules.validate_author_url(draft.author_url)
        anchor = parse_anchor(draft.anchor)
        title = validate_title(draft.page_title)
        lang = reader_language(draft.lang)
        if self._notifications is not None:
            self._notifications.check_choice(draft.notify, email)
        elif draft.notify != "none":
            raise ValidationError("Email notifications are not enabled here.", field="notify")
        now = self._clock.now()
        token = self._keyring.new_token()
        editable_until = now + self._policy.edit_window

        await self._limit("comment", f"{draft.site}:{caller.ip or caller.voter or 'anonymous'}")
        if draft.honeypot:
            # Bots fill every field. Answer as if the comment were held so they learn nothing.
            async with self._storage.read() as tx:
                await self._site(tx, draft.site, caller)
            return PostedComment(self._unsaved(draft, name, body, now), token, editable_until)

        scores = await self._screening.rate(body, draft.site)
        email_hash = email and self._keyring.digest("email", email.lower())
        if reader is not None and reader.email_hash:
            email_hash = reader.email_hash
        ip_hash = caller.ip and self._keyring.digest("ip", caller.ip)
        # Everything that only reads runs before the writers' turn: on SQLite one writer at a
        # time commits, across all workers, so work done while holding it is not done in
        # parallel (docs/performance.md). A duplicate sent at the very same moment from the
        # same address can pass the duplicate screen; the rate limit bounds how many.
        async with self._storage.glance() as tx:
            site, settings = await self._site_with_settings(tx, draft.site, caller)
            page = validate_site_page(draft.page, site.origins)  # a path on the site
            mentions = await _mentions_in(tx, site.name, page, body)
            await check_not_banned(tx, email_hash, ip_hash, now)  # staff bans
            screening = await self._screening.screen_comment(
                tx,
                Subject(
                    site.name,
                    body,
                    email_hash,
                    ip_hash,
                    draft.elapsed_ms,
                    image_count=len(draft.images),
                ),
                scores,
                settings,
            )
        body_html = render_markdown(link_mentions(body, mentions))
        async with self._storage.write() as tx:
            thread = await tx.threads.get_or_create(site.name, page, title, now)
            if not caller.staff:  # the newsroom's own decisions bind readers, not staff
                screening = await _apply_thread_settings(
                    tx, thread, screening, draft, now, reader.id if reader else None, ip_hash
                )
            parent_id, root_id, depth = None, None, 0
            if draft.parent_id is not None:
                parent = await tx.comments.get(draft.parent_id)
                if parent is None or parent.thread_id != thread.id:
                    raise ValidationError(
                        "The comment replied to does not exist on this page.", field="parent_id"
                    )
                if parent.status is not CommentStatus.PUBLISHED:
                    raise ValidationError(
                        "The comment replied to is not published.", field="parent_id"
                    )
                parent_id, root_id, depth = parent.id, parent.root_id or parent.id, parent.depth + 1
            if anchor is not None and parent_id is not None:
                raise ValidationError(
                    "Replies belong to their parent's passage; leave 'anchor' empty.",
                    field="anchor",
                )
            if screening.verdict is Verdict.REJECT:
                self._metrics.moderation_decided(Verdict.REJECT.value, "automatic")
                raise CommentRejectedError(rejection_message(screening), field="body")
            status = (
                CommentStatus.PENDING
                if screening.verdict is Verdict.HOLD
                else CommentStatus.PUBLISHED
            )
            comment = await tx.comments.add(
                NewComment(
                    id=self._keyring.new_id(),
                    thread_id=thread.id,
                    parent_id=parent_id,
                    root_id=root_id,
                    depth=depth,
                    author_name=name,
                    author_email_hash=email_hash,
                    author_url=url,
                    body=body,
                    body_html=body_html,
                    status=status,
                    created_at=now,
                    ip_hash=ip_hash,
                    edit_token_hash=self._keyring.digest("edit", token),
                    anchor=anchor,
                    author_is_staff=caller.staff,
                    reader_id=reader.id if reader else None,
                    author_avatar=reader.avatar_url if reader else None,
                    mentions=tuple(m.comment_id for m in mentions),
                    author_voter=author_key(caller, self._keyring.digest),
                )
            )
            if draft.images:
                refs = await attach_images(tx, self._keyring, comment.id, draft.images)
                comment = replace(comment, images=tuple(refs))
            await self._screening.record(tx, comment.id, screening)
            if self._notifications is not None:  # same transaction as the comment
                await self._notifications.comment_posted(
                    tx,
                    site,
                    thread,
                    comment,
                    email=email,
                    notify=draft.notify,
                    lang=lang,
                )
            if self._webhooks is not None:
                data = comment_data(comment, thread, site.origins)
                await self._webhooks.emit(tx, site.name, "comment.created", data)
                if status is CommentStatus.PUBLISHED:
                    await self._webhooks.emit(tx, site.name, "comment.published", data)
            event = None
            # Held for staff: not counted, not listed, not announced until approved.
            if status is CommentStatus.PUBLISHED:
                # Last, and the thread before the root: on PostgreSQL the event's statement
                # locks the thread's row, and posts to one thread queue only from there to
                # commit (ThreadRepository.lock says why in that order).
                event = await self._live.record(
                    tx,
                    thread.id,
                    CommentCreated(site.name, page, comment.id, parent_id=parent_id),
                    count_delta=+1,
                )
                if comment.root_id is not None:
                    await tx.comments.adjust_descendants(comment.root_id, +1)
        # Counted once committed.
        self._metrics.comment_posted(status.value)
        self._metrics.moderation_decided(screening.verdict.value, "automatic")
        if event is not None:
            await self._live.publish(event)
        return PostedComment(comment, token, editable_until)

    async def edit_comment(self, comment_id: str, body: str, caller: Caller) -> Comment:
        """Replace a comment's text, if the caller is its author and the window is open."""
        body = rules.validate_body(body)
        scores = await self._screening.rate(body)
        async with self._storage.write() as tx:
            comment, thread = await self._authorized(tx, comment_id, caller)
            screening = await self._screening.screen_comment(
                tx, Subject(thread.site, body, is_edit=True), scores
            )
            if screening.verdict is Verdict.REJECT:
                raise CommentRejectedError(rejection_message(screening), field="body")
            now = self._clock.now()
            mentions = await _mentions_in(tx, thread.site, thread.page, body, before=comment.id)
            body_html = render_markdown(link_mentions(body, mentions))
            await tx.comments.update_body(comment.id, body, body_html, now)
            await self._screening.record(tx, comment.id, screening)
            if screening.verdict is Verdict.HOLD and comment.status is CommentStatus.PUBLISHED:
                # The new text needs a look: it leaves the thread (and its count) until staff
                # approve it; live readers get comment.deleted, which means "no longer shown".
                await tx.comments.set_status(comment.id, CommentStatus.PENDING)
                await self._count_published(tx, comment, -1)
            edited = await tx.comments.get(comment.id)
            assert edited is not None  # noqa: S101 - read back inside the same transaction
            edited = (await with_images(tx, [edited]))[0]
            event = None
            hidden = comment.status is not edited.status  # published, now held
            if hidden or edited.status is CommentStatus.PUBLISHED:
                kind = CommentDeleted if hidden else CommentUpdated
                event = await self._live.record(
                    tx, thread.id, kind(thread.site, thread.page, comment.id)
                )
        if event is not None:
            await self._live.publish(event)
        return edited

    async def delete_comment(self, comment_id: str, caller: Caller) -> None:
        """Erase a comment; replies keep their place under a placeholder."""
        async with self._storage.write() as tx:
            existing = await tx.comments.get(comment_id)
            if existing is not None and existing.status is CommentStatus.DELETED:
                return  # deleting twice is harmless: the first delete erased everything
            comment, thread = await self._authorized(tx, comment_id, caller, deleting=True)
            await tx.comments.mark_deleted(comment.id)
            removed_images = await tx.images.delete_for_comment(comment.id)
            if comment.status is CommentStatus.PUBLISHED:
                await self._count_published(tx, comment, -1)
            event = await self._live.record(
                tx, thread.id, CommentDeleted(thread.site, thread.page, comment.id)
            )
        await self._live.publish(event)
        if self._images is not None:
            await self._images.delete_files(removed_images)

    async def read_thread(self, query: ThreadQuery, caller: Caller) -> ThreadPage:
        """One page of a thread's top-level comments, each with its replies nested."""
        return await self._reader.read_thread(query, caller)

    async def still_current(self, revisions: Sequence[PageRevision]) -> list[bool]:
        """Whether thread pages made from ``revisions`` would be made the same now."""
        return await self._reader.still_current(revisions)

    async def count_comments(self, site_name: str, pages: Sequence[str]) -> dict[str, int]:
        """Published-comment counts for up to 100 pages of one site; unknown pages count 0."""
        return await self._reader.count_comments(site_name, pages)

    async def _site(self, tx: Transaction, name: str, caller: Caller) -> Site:
        site = await site_named(tx, name)
        check_origin(site, caller)
        return site

    async def _site_with_settings(
        self, tx: Transaction, name: str, caller: Caller
    ) -> tuple[Site, ModerationSettings]:
        """``_site`` and the site's moderation settings, in one read (posting needs both)."""
        found = await tx.sites.get_with_settings(name)
        if found is None:
            raise no_such_site(name)
        check_origin(found[0], caller)
        return found

    async def _authorized(
        self, tx: Transaction, comment_id: str, caller: Caller, *, deleting: bool = False
    ) -> tuple[Comment, Thread]:
        """The comment and its thread, if the caller may change it; raises otherwise.

        The signed-in author needs no edit token and may delete at any time; edits
        stay limited to the edit window for everyone."""
        found = await tx.comments.get(comment_id)
        if found is None:
            raise NotFoundError("There is no such comment.", field="id")
        await tx.threads.lock(found.thread_id)
        comment = await tx.comments.get(comment_id, for_update=True)
        if comment is None:
            raise NotFoundError("There is no such comment.", field="id")
        if comment.status is CommentStatus.DELETED:
            raise NotFoundError("This comment was deleted.", field="id")
        thread = await tx.threads.get_by_id(comment.thread_id)
        await self._site(tx, thread.site, caller)
        if caller.staff:  # the contract lets staff edit and delete any comment, at any time
            return comment, thread
        own = caller.reader is not None and comment.reader_id == caller.reader.id
        if own and deleting:
            return comment, thread
        if not own:
            await self._check_edit_token(tx, comment.id, caller)
        if self._clock.now() > comment.created_at + self._policy.edit_window:
            minutes = int(self._policy.edit_window.total_seconds() // 60)
            raise PermissionDeniedError(
                f"Comments can be changed for {minutes} minutes after posting; that time is over.",
                field=None,
                code="edit_window_closed",
            )
        return comment, thread

    async def _check_edit_token(self, tx: Transaction, comment_id: str, caller: Caller) -> None:
        if not caller.edit_token:
            raise PermissionDeniedError(
                "Only the author may change this comment; the edit token is missing.",
                field="X-Edit-Token",
            )
        stored = await tx.comments.edit_token_hash(comment_id)
        if not self._keyring.matches("edit", caller.edit_token, stored):
            raise PermissionDeniedError(
                "The edit token does not belong to this comment.", field="X-Edit-Token"
            )

    async def _limit(self, action: str, key: str) -> None:
        wait = await self._limiter.hit(action, self._keyring.digest("limit", key))
        if wait is not None:
            raise RateLimitedError(
                f"You are posting faster than this site allows; try again in {wait:.0f} s.",
                retry_after=wait,
            )

    async def _count_published(self, tx: Transaction, comment: Comment, delta: int) -> None:
        """Keep the thread's and the root's published counts in step with one comment."""
        await tx.threads.adjust_count(comment.thread_id, delta)
        if comment.root_id is not None:
            await tx.comments.adjust_descendants(comment.root_id, delta)

    def _unsaved(self, draft: CommentDraft, name: str, body: str, now: datetime) -> Comment:
        return Comment(
            id=self._keyring.new_id(),
            thread_id=0,
            parent_id=draft.parent_id,
            root_id=None,
            depth=0,
            author_name=name,
            author_url=None,
            author_is_staff=False,
            body=body,
            body_html=render_markdown(body),
            status=CommentStatus.PENDING,
            created_at=now,
            edited_at=None,
            upvotes=0,
            downvotes=0,
            descendant_count=0,
            anchor=None,
        )


async def _mentions_in(
    tx: Transaction, site: str, page: str, body: str, before: str | None = None
) -> list[Mention]:
    """The thread's authors ``body`` mentions (``@Name``); an edited comment (``before``) does
    not mention itself."""
    if "@" not in body:
        return []
    thread = await tx.threads.find(site, page)
    if thread is None:
        return []
    authors = [a for a in await tx.comments.thread_authors(thread.id) if a.comment_id != before]
    return find_mentions(body, authors)
