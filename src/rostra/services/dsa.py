"""EU Digital Services Act, Art. 16 notice and action: readers tell a site that a comment is
illegal, staff decide, both sides hear by mail; notices export as CSV for transparency reports.

Notices arrive from the widget (``POST /api/v1/dsa/notices``) and from the plain page it links
to (``/dsa/notice``); both run :meth:`DsaService.submit`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from rostra.domain.comments import CommentStatus
from rostra.domain.dsa import (
    NOTICE_RETENTION,
    Notice,
    NoticeAction,
    NoticeStatus,
    validate_decision_reason,
    validate_notice,
)
from rostra.domain.errors import NotFoundError, RateLimitedError, ValidationError
from rostra.domain.languages import translate
from rostra.domain.moderation import Verdict
from rostra.domain.staff import StaffAction, StaffUser
from rostra.domain.subscriptions import MailKind, excerpt
from rostra.services.callers import Caller, address_key, check_origin
from rostra.services.dsa_ports import NoticeStorage
from rostra.services.moderation import Decision, ModerationService
from rostra.services.notifications import NotificationService
from rostra.services.ports import Clock, RateLimiter
from rostra.services.ports import Decision as ScreeningDecision
from rostra.services.tokens import Keyring

MAX_PAGE = 100
REPORTABLE = (CommentStatus.PUBLISHED, CommentStatus.PENDING)
MAX_OFFSET = 1_000_000_000
EXPORT_COLUMNS = (
    "reference",
    "site",
    "comment_id",
    "category",
    "received_at",
    "status",
    "decided_at",
    "decided_by",
    "decision_reason",
    "automated_detection",
    "hours_to_decision",
    "record",
    "appeal_status",
    "appeal_decided_at",
)


@dataclass(frozen=True, slots=True)
class NoticeForm:
    """A notice as sent, before any check."""

    comment_id: str | None
    category: str | None
    explanation: str | None
    name: str | None
    email: str | None
    good_faith: bool
    lang: str = ""  # the notifier's language, for the acknowledgement mail ("" is English)


@dataclass(frozen=True, slots=True)
class Acknowledgement:
    """What the notifier is told at once: the reference, and whether a mail follows."""

    notice: Notice
    mailed: bool


class DsaService:
    """Notices, decisions and the transparency export."""

    def __init__(
        self,
        storage: NoticeStorage,
        clock: Clock,
        keyring: Keyring,
        moderation: ModerationService,
        *,
        notifications: NotificationService | None = None,
        limiter: RateLimiter | None = None,
    ) -> None:
        self._storage = storage
        self._clock = clock
        self._keyring = keyring
        self._moderation = moderation  # removing a comment is a staff rejection
        self._notifications = notifications
        self._limiter = limiter

    async def submit(self, form: NoticeForm, caller: Caller) -> Acknowledgement:
        """Store a notice about a published or held comment and acknowledge it (by mail too,
        when mail is configured)."""
        draft = validate_notice(
            form.comment_id,
            form.category,
            form.explanation,
            form.name,
            form.email,
            form.good_faith,
        )
        if self._limiter is not None:
            wait = await self._limiter.hit(
                "notice-address", address_key(caller, self._keyring.digest)
            )
            if wait is not None:
                raise RateLimitedError(
                    f"Too many notices from your address; try again in {wait:.0f} s.",
                    retry_after=wait,
                )
        async with self._storage.write() as tx:
            comment = await tx.comments.get(draft.comment_id)
            if comment is None or comment.status not in REPORTABLE:
                raise NotFoundError("There is no such comment.", field="comment_id")
            thread = await tx.threads.get_by_id(comment.thread_id)
            site = await tx.sites.get(thread.site)
            if site is not None:
                check_origin(site, caller)
            now = self._clock.now()
            notice = Notice(
                id="N" + self._keyring.new_id()[:15].upper(),
                site=thread.site,
                comment_id=comment.id,
                comment_body=comment.body,
                category=draft.category,
                explanation=draft.explanation,
                notifier_name=draft.notifier_name,
                notifier_email=draft.notifier_email,
                status=NoticeStatus.OPEN,
                decision_reason="",
                decided_by=None,
                decided_at=None,
                created_at=now,
                lang=form.lang,
            )
            await tx.notices.add(notice)
            mailed = False
            if self._notifications is not None:
                mailed = await self._notifications.queue_personal(
                    tx,
                    MailKind.NOTICE_RECEIVED,
                    notice.notifier_email,
                    {
                        "lang": form.lang,
                        "site": notice.site,
                        "page": thread.page,
                        "name": notice.notifier_name,
                        "reference": notice.id,
                        "category": translate(form.lang, notice.category_label),
                        "comment_excerpt": excerpt(comment.body, 200),
                    },
                )
        return Acknowledgement(notice, mailed)

    async def reportable_text(self, comment_id: str) -> str | None:
        """The text of a comment a notice may be about (published or held), else None."""
        if not comment_id or len(comment_id) > 64:
            return None
        async with self._storage.read() as tx:
            comment = await tx.comments.get(comment_id)
        if comment is None or comment.status not in REPORTABLE:
            return None
        return excerpt(comment.body, 1000)

    async def notices(
        self,
        user: StaffUser,
        *,
        site: str | None = None,
        status: NoticeStatus | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[Notice]:
        """Notices, oldest first (any staff member)."""
        del user
        if not 1 <= limit <= MAX_PAGE:
            raise ValidationError(f"'limit' must be between 1 and {MAX_PAGE}.", field="limit")
        if not 0 <= offset <= MAX_OFFSET:
            raise ValidationError(f"'offset' must be between 0 and {MAX_OFFSET:,}.", field="offset")
        async with self._storage.read() as tx:
            return await tx.notices.listed(
                site=site, status=status, since=None, until=None, limit=limit, offset=offset
            )

    async def decide(
        self, user: StaffUser, notice_id: str, action: NoticeAction, reason: str | None
    ) -> Notice:
        """Remove the comment (a staff rejection, audited as one) or keep it; the notice is
        decided, audited, and the notifier told why."""
        why = validate_decision_reason(reason)
        async with self._storage.read() as tx:
            notice = await tx.notices.get(notice_id)
        if notice is None:
            raise NotFoundError("There is no such notice.", field="id")
        if notice.status is not NoticeStatus.OPEN:
            raise ValidationError(f"The notice was decided already ({notice.status}).", field="id")
        if action is NoticeAction.REMOVE:
            async with self._storage.read() as tx:
                comment = await tx.comments.get(notice.comment_id)
            if comment is not None and comment.status in REPORTABLE:
                await self._moderation.decide(user, comment.id, Decision.REJECT, why[:500])
        status = NoticeStatus.ACTIONED if action is NoticeAction.REMOVE else NoticeStatus.DISMISSED
        async with self._storage.write() as tx:
            now = self._clock.now()
            current = await tx.notices.get(notice_id)
            if current is None or current.status is not NoticeStatus.OPEN:
                raise ValidationError("The notice was decided meanwhile.", field="id")
            await tx.notices.decide(notice_id, status, why, user.email, now)
            await tx.staff_records.audit(
                user.email, StaffAction.NOTICE_DECIDED, notice_id, f"{action}: {why}"[:2000], now
            )
            automated = any(
                d.actor is None and d.verdict.value != "publish"
                for d in await tx.screening.decisions(notice.comment_id)
            )
            if self._notifications is not None:
                await self._notifications.queue_personal(
                    tx,
                    MailKind.NOTICE_DECIDED,
                    notice.notifier_email,
                    {
                        "lang": notice.lang,
                        "site": notice.site,
                        "page": "",
                        "name": notice.notifier_name,
                        "reference": notice.id,
                        "removed": action is NoticeAction.REMOVE,
                        "reason": why,
                        "automated": automated,
                    },
                )
            decided = await tx.notices.get(notice_id)
        assert decided is not None  # noqa: S101 - read inside the same transaction
        return decided

    async def export_csv(
        self, *, site: str | None, since: datetime | None, until: datetime | None
    ) -> str:
        """Every notice received in [since, until) as CSV, without the notifiers' names and
        addresses (a transparency report counts, it does not name)."""
        if since is not None and until is not None and since >= until:
            raise ValidationError("'from' must be before 'to'.", field="from")
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(EXPORT_COLUMNS)
        offset = 0
        async with self._storage.read() as tx:
            if site is not None and await tx.sites.get(site) is None:
                raise NotFoundError(f"There is no site called {site!r}.", field="site")
            while True:
                batch = await tx.notices.listed(
                    site=site, status=None, since=since, until=until, limit=500, offset=offset
                )
                for notice in batch:
                    decisions = await tx.screening.decisions(notice.comment_id)
                    automated = any(
                        d.actor is None and d.verdict.value != "publish" for d in decisions
                    )
                    hours = (
                        f"{(notice.decided_at - notice.created_at).total_seconds() / 3600:.1f}"
                        if notice.decided_at
                        else ""
                    )
                    writer.writerow(
                        (
                            notice.id,
                            notice.site,
                            notice.comment_id,
                            notice.category,
                            _iso(notice.created_at),
                            notice.status.value,
                            _iso(notice.decided_at),
                            notice.decided_by or "",
                            _safe(notice.decision_reason),
                            "yes" if automated else "no",
                            hours,
                            "notice",
                            "",
                            "",
                        )
                    )
                if len(batch) < 500:
                    break
                offset += 500
            offset = 0
            while True:  # the statements of reasons sent, each with its appeal's outcome
                statements = await tx.statements.listed(
                    site=site, since=since, until=until, limit=500, offset=offset
                )
                for statement in statements:
                    writer.writerow(
                        (
                            statement.id,
                            statement.site,
                            statement.comment_id,
                            "",
                            _iso(statement.created_at),
                            statement.decision,
                            _iso(statement.created_at),
                            statement.decided_by,
                            _safe(statement.ground),
                            "yes" if statement.automated else "no",
                            "",
                            "statement",
                            statement.appeal_status.value if statement.appeal_status else "",
                            _iso(statement.appeal_decided_at),
                        )
                    )
                if len(statements) < 500:
                    break
                offset += 500
        return out.getvalue()

    async def purge_expired(self) -> int:
        """Delete notices decided, and statements of reasons sent (their appeals decided),
        longer ago than the retention period."""
        before = self._clock.now() - NOTICE_RETENTION
        async with self._storage.write(bulk=True) as tx:
            notices = await tx.notices.purge_decided_before(before)
            return notices + await tx.statements.purge_before(before)


def _iso(moment: datetime | None) -> str:
    return moment.isoformat().replace("+00:00", "Z") if moment else ""


def _safe(text: str) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _automated(decisions: Sequence[ScreeningDecision]) -> bool:
    """Whether the automatic screening held or flagged the comment (its decision record)."""
    return any(d.actor is None and d.verdict is not Verdict.PUBLISH for d in decisions)
