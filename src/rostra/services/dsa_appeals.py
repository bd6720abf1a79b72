"""EU DSA Art. 20 internal complaint handling: the author of a removed comment appeals through
the signed link in the statement of reasons (``/dsa/appeal``), staff uphold or reverse the
removal (reversing publishes the comment again through the ordinary approval), and the
author is told by mail."""

from __future__ import annotations

from rostra.domain.comments import CommentStatus
from rostra.domain.dsa import AppealAction, AppealStatus, Statement, validate_appeal
from rostra.domain.errors import ConflictError, NotFoundError, RateLimitedError, ValidationError
from rostra.domain.staff import StaffAction, StaffUser
from rostra.domain.subscriptions import MailKind
from rostra.services.callers import Caller, address_key
from rostra.services.dsa import MAX_OFFSET, MAX_PAGE
from rostra.services.dsa_ports import NoticeStorage
from rostra.services.dsa_statements import StatementService
from rostra.services.moderation import Decision, ModerationService
from rostra.services.notifications import NotificationService
from rostra.services.ports import Clock, RateLimiter
from rostra.services.tokens import Keyring

MAX_APPEAL_REASON = 2000


class AppealService:
    """Appeals against removals: sent by the author, decided by staff."""

    def __init__(
        self,
        storage: NoticeStorage,
        clock: Clock,
        keyring: Keyring,
        statements: StatementService,
        moderation: ModerationService,
        notifications: NotificationService,
        *,
        limiter: RateLimiter | None = None,
    ) -> None:
        self._storage = storage
        self._clock = clock
        self._keyring = keyring
        self._statements = statements
        self._moderation = moderation
        self._notifications = notifications
        self._limiter = limiter

    async def statement(self, token: str) -> Statement:
        """The statement an appeal link is for; ``LinkError`` for a forged or expired link,
        ``ConflictError`` once it was appealed."""
        statement_id = self._statements.statement_id(token)
        async with self._storage.read() as tx:
            statement = await tx.statements.get(statement_id)
        if statement is None:
            raise NotFoundError(
                "This decision is no longer on record; appeals are kept for two years.",
                field="token",
            )
        if statement.appeal_status is not None:
            raise ConflictError(
                "This decision was appealed already; the moderators answer by email.",
                field="token",
                code="appeal_exists",
            )
        return statement

    async def appeal(self, token: str, explanation: str | None, caller: Caller) -> Statement:
        """Store the author's appeal (one per decision); it waits for staff."""
        statement = await self.statement(token)
        text = validate_appeal(explanation)
        if self._limiter is not None:
            wait = await self._limiter.hit(
                "appeal-address", address_key(caller, self._keyring.digest)
            )
            if wait is not None:
                raise RateLimitedError(
                    f"Too many appeals from your address; try again in {wait:.0f} s.",
                    retry_after=wait,
                )
        async with self._storage.write() as tx:
            if not await tx.statements.appeal(statement.id, text, self._clock.now()):
                raise ConflictError(
                    "This decision was appealed already; the moderators answer by email.",
                    field="token",
                    code="appeal_exists",
                )
            stored = await tx.statements.get(statement.id)
        assert stored is not None  # noqa: S101 - read inside the same transaction
        return stored

    async def appeals(
        self, user: StaffUser, *, status: AppealStatus, limit: int = 50, offset: int = 0
    ) -> list[Statement]:
        """Appeals of one status, oldest first, with the decisions they contest (any staff)."""
        del user
        if not 1 <= limit <= MAX_PAGE:
            raise ValidationError(f"'limit' must be between 1 and {MAX_PAGE}.", field="limit")
        if not 0 <= offset <= MAX_OFFSET:
            raise ValidationError(f"'offset' must be between 0 and {MAX_OFFSET:,}.", field="offset")
        async with self._storage.read() as tx:
            return await tx.statements.appeals(status=status, limit=limit, offset=offset)

    async def decide(
        self, user: StaffUser, statement_id: str, action: AppealAction, reason: str | None
    ) -> Statement:
        """Uphold the removal, or reverse it (the comment is published again as an approval
        publishes it); audited, and the author is told why."""
        why = (reason or "").strip()
        if not why:
            raise ValidationError("The reason for the decision is required.", field="reason")
        if len(why) > MAX_APPEAL_REASON:
            raise ValidationError(
                f"The reason has at most {MAX_APPEAL_REASON} characters.", field="reason"
            )
        async with self._storage.read() as tx:
            statement = await tx.statements.get(statement_id)
            comment = await tx.comments.get(statement.comment_id) if statement else None
        if statement is None or statement.appeal_status is None:
            raise NotFoundError("There is no such appeal.", field="id")
        if statement.appeal_status is not AppealStatus.OPEN:
            raise ValidationError(
                f"The appeal was decided already ({statement.appeal_status}).", field="id"
            )
        if action is AppealAction.REVERSE:
            if comment is None or comment.status is not CommentStatus.REJECTED:
                raise ValidationError(
                    "The comment cannot be published again: it was deleted.", field="id"
                )
            await self._moderation.decide(
                user, comment.id, Decision.APPROVE, why[:500], reinstate=True
            )
        status = AppealStatus.REVERSED if action is AppealAction.REVERSE else AppealStatus.UPHELD
        async with self._storage.write() as tx:
            now = self._clock.now()
            if not await tx.statements.decide_appeal(statement_id, status, why, user.email, now):
                raise ValidationError("The appeal was decided meanwhile.", field="id")
            await tx.staff_records.audit(
                user.email, StaffAction.APPEAL_DECIDED, statement_id, f"{action}: {why}"[:2000], now
            )
            await self._notifications.queue_personal(
                tx,
                MailKind.APPEAL_DECIDED,
                statement.recipient,
                {
                    "lang": await self._statements.language(tx, statement),
                    "site": statement.site,
                    "page": "",
                    "reference": statement.id,
                    "reversed": action is AppealAction.REVERSE,
                    "reason": why,
                    "comment_excerpt": statement.comment_excerpt,
                },
            )
            decided = await tx.statements.get(statement_id)
        assert decided is not None  # noqa: S101 - read inside the same transaction
        return decided
