"""Editorial controls (docs/editorial-controls.md): per-article settings (closed, held for
review, no images, slow mode, the newsroom's message) and editor's picks (featured comments).

Every change is audited with who, when and why, and records an event on the thread: that moves
the thread's version, so kept pages and answers (``services.thread_reads``,
``web.middleware.settled``) give way and readers see the change on their next read.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from rostra.domain.comments import Comment, CommentStatus, clean_text
from rostra.domain.errors import NotFoundError, ValidationError
from rostra.domain.events import CommentUpdated, ThreadUpdated
from rostra.domain.staff import MAX_REASON_LENGTH, StaffAction, validate_reason
from rostra.domain.threads import (
    Thread,
    ThreadSettings,
    validate_message,
    validate_page,
    validate_slow_minutes,
)
from rostra.services.live import LiveService
from rostra.services.notifications import NotificationService
from rostra.services.ports import Clock, Storage, Transaction

MAX_NOTE_LENGTH = MAX_REASON_LENGTH


@dataclass(frozen=True, slots=True)
class ThreadChanges:
    """What staff change on one article; None leaves a setting as it is."""

    closed: bool | None = None
    premoderated: bool | None = None
    images: bool | None = None
    slow_minutes: int | None = None
    message: str | None = None

    def apply(self, settings: ThreadSettings) -> ThreadSettings:
        """``settings`` with these changes, each checked."""
        return dataclasses.replace(
            settings,
            closed=settings.closed if self.closed is None else self.closed,
            premoderated=settings.premoderated if self.premoderated is None else self.premoderated,
            images=settings.images if self.images is None else self.images,
            slow_minutes=settings.slow_minutes
            if self.slow_minutes is None
            else validate_slow_minutes(self.slow_minutes),
            message=settings.message if self.message is None else validate_message(self.message),
        )


def validate_note(note: str | None) -> str | None:
    """An editor's note on a pick: up to 500 characters of plain text; empty means none."""
    if note is None:
        return None
    note = " ".join(clean_text(note).split())
    if len(note) > MAX_NOTE_LENGTH:
        raise ValidationError(
            f"The note is longer than {MAX_NOTE_LENGTH} characters.", field="note"
        )
    return note or None


def _target(thread: Thread) -> str:
    return f"thread:{thread.id}"[:254]


class EditorialService:
    """What staff decide for one article and which comments they pick."""

    def __init__(
        self,
        storage: Storage,
        live: LiveService,
        clock: Clock,
        *,
        notifications: NotificationService | None = None,
    ) -> None:
        self._storage = storage
        self._live = live
        self._clock = clock
        self._notifications = notifications  # the author hears their comment was picked

    def is_closed(self, thread: Thread) -> bool:
        """Whether the thread takes no comments now (by staff, or the read-only age)."""
        return thread.is_closed(self._clock.now())

    async def thread(self, thread_id: int) -> Thread:
        """One thread by id; ``NotFoundError`` when there is none."""
        async with self._storage.read() as tx:
            return await _thread(tx, thread_id)

    async def find_thread(self, site: str, page: str, *, create: bool = False) -> Thread:
        """The thread of a site's page (a path, an address on the site, or a thread's id in
        digits); ``create`` makes the thread of a page nobody commented on yet, so an article
        can be closed before its first comment."""
        given = page.strip()
        async with self._storage.write() if create else self._storage.read() as tx:
            if await tx.sites.get(site) is None:
                raise NotFoundError(f"There is no site called {site!r}.", field="site")
            if given.isdigit():
                thread = await tx.threads.find_by_id(int(given))
                if thread is None or thread.site != site:
                    raise NotFoundError(
                        f"There is no thread {given} on the site {site!r}.", field="thread"
                    )
                return thread
            path = validate_page(given)
            found = await tx.threads.find(site, path)
            if found is None and create:
                found = await tx.threads.get_or_create(site, path, None, self._clock.now())
            if found is None:
                raise NotFoundError(
                    f"There is no thread for {path!r} on the site {site!r}.", field="page"
                )
            return found

    async def update_thread(
        self, actor: str, thread_id: int, changes: ThreadChanges, reason: str | None = None
    ) -> Thread:
        """Change an article's settings; audited (closing and reopening as such)."""
        note = validate_reason(reason)
        async with self._storage.write() as tx:
            thread = await _thread(tx, thread_id)
            await tx.threads.lock(thread.id)
            settings = changes.apply(thread.settings)
            if settings == thread.settings:
                return thread  # nothing changes: no event, no audit entry
            await tx.threads.set_settings(thread.id, settings)
            event = await self._live.record(
                tx, thread.id, ThreadUpdated(thread.site, thread.page, "")
            )
            now = self._clock.now()
            if settings.closed != thread.settings.closed:
                action = StaffAction.CLOSE_THREAD if settings.closed else StaffAction.OPEN_THREAD
                await tx.staff_records.audit(actor, action, _target(thread), note, now)
            if dataclasses.replace(settings, closed=False) != dataclasses.replace(
                thread.settings, closed=False
            ):
                await tx.staff_records.audit(
                    actor, StaffAction.THREAD_SETTINGS, _target(thread), note, now
                )
            changed = await tx.threads.get_by_id(thread.id)
        await self._live.publish(event)
        return changed

    async def close(self, actor: str, thread_id: int, reason: str | None = None) -> Thread:
        """No new comments or replies on the article; what is there stays readable."""
        return await self.update_thread(actor, thread_id, ThreadChanges(closed=True), reason)

    async def reopen(self, actor: str, thread_id: int, reason: str | None = None) -> Thread:
        """Take comments on the article again (the site's read-only age still applies)."""
        return await self.update_thread(actor, thread_id, ThreadChanges(closed=False), reason)

    async def feature(self, actor: str, comment_id: str, note: str | None = None) -> Comment:
        """Pick a published comment for the Featured tab, with an optional note (featuring
        again changes the note); its author hears of it by mail when subscribed."""
        note = validate_note(note)
        async with self._storage.write() as tx:
            comment = await _comment(tx, comment_id)
            if comment.status is not CommentStatus.PUBLISHED:
                raise ValidationError("Only published comments can be featured.", field="id")
            now = self._clock.now()
            first = comment.featured_at is None
            await tx.staff_records.set_featured(comment.id, comment.featured_at or now, note)
            thread = await tx.threads.get_by_id(comment.thread_id)
            event = await self._live.record(
                tx, thread.id, CommentUpdated(thread.site, thread.page, comment.id)
            )
            await tx.staff_records.audit(actor, StaffAction.FEATURE, comment.id, note or "", now)
            if first and self._notifications is not None:  # same transaction as the pick
                await self._notifications.comment_featured(tx, comment, note)
            changed = await tx.comments.get(comment.id)
        await self._live.publish(event)
        assert changed is not None  # noqa: S101 - read inside the same transaction
        return changed

    async def unfeature(self, actor: str, comment_id: str, reason: str | None = None) -> Comment:
        """Take a comment off the Featured tab."""
        note = validate_reason(reason)
        async with self._storage.write() as tx:
            comment = await _comment(tx, comment_id)
            await tx.staff_records.set_featured(comment.id, None, None)
            thread = await tx.threads.get_by_id(comment.thread_id)
            event = await self._live.record(
                tx, thread.id, CommentUpdated(thread.site, thread.page, comment.id)
            )
            now = self._clock.now()
            await tx.staff_records.audit(actor, StaffAction.UNFEATURE, comment.id, note, now)
            changed = await tx.comments.get(comment.id)
        await self._live.publish(event)
        assert changed is not None  # noqa: S101 - read inside the same transaction
        return changed


async def _thread(tx: Transaction, thread_id: int) -> Thread:
    thread = await tx.threads.find_by_id(thread_id)
    if thread is None:
        raise NotFoundError("There is no such thread.", field="thread_id")
    return thread


async def _comment(tx: Transaction, comment_id: str) -> Comment:
    found = await tx.comments.get(comment_id)
    if found is None:
        raise NotFoundError("There is no such comment.", field="id")
    await tx.threads.lock(found.thread_id)
    comment = await tx.comments.get(comment_id, for_update=True)
    if comment is None:
        raise NotFoundError("There is no such comment.", field="id")
    return comment
