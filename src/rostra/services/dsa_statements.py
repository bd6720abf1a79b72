"""EU DSA Art. 17 statements of reasons: the author of a comment staff removed is told why,
on what facts, whether automation was involved, and how to appeal.

``ModerationService.decide`` calls :meth:`StatementService.removed` in the transaction of
every rejection (reject, spam, reject-and-learn, a notice decided as "remove"). The author is
reachable when the comment was written from a reader account with an address, or when the
author's address digest matches a confirmed subscription on the site (guests' addresses are
kept only as digests, so that is the only way to find theirs). Nobody reachable: no statement.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import cast

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from rostra.domain.comments import Comment
from rostra.domain.dsa import APPEAL_WINDOW, Statement
from rostra.domain.languages import translate
from rostra.domain.moderation import Verdict
from rostra.domain.subscriptions import LinkError, MailKind, excerpt
from rostra.services.dsa_ports import NoticeTransaction
from rostra.services.notifications import NotificationService
from rostra.services.ports import Clock, Transaction
from rostra.services.tokens import Keyring

APPEAL_PATH = "/dsa/appeal"
# What the author reads when staff gave no reason of their own.
DEFAULT_GROUNDS = {
    "reject": "The comment breaks the site's discussion rules.",
    "spam": "The comment is spam.",
}


class StatementService:
    """Statements of reasons, and the signed links to appeal them."""

    def __init__(
        self,
        clock: Clock,
        keyring: Keyring,
        notifications: NotificationService,
        public_link: Callable[[str], str],
    ) -> None:
        self._clock = clock
        self._keyring = keyring
        self._notifications = notifications
        self._public_link = public_link

        class ClockSigner(TimestampSigner):
            # Expiry follows the services' clock (tests move it).
            def get_timestamp(self) -> int:
                return int(clock.now().timestamp())

        self._links = URLSafeTimedSerializer(
            keyring.digest("signed-links", "dsa-appeals"),
            salt="rostra.dsa.appeal",
            signer=ClockSigner,
        )

    def token(self, statement_id: str) -> str:
        """The signed appeal token of a statement."""
        return str(self._links.dumps(statement_id))

    def appeal_path(self, statement_id: str, lang: str) -> str:
        """The appeal page's address: the signed token, and the author's language for the
        page (not signed: it only chooses the words)."""
        path = f"{APPEAL_PATH}?token={self.token(statement_id)}"
        return f"{path}&lang={lang}" if lang else path

    async def language(self, transaction: Transaction, statement: Statement) -> str:
        """The language of a statement's author: their subscription's, else English."""
        tx = cast(NoticeTransaction, transaction)
        subscribed = await tx.subscriptions.author_subscription(
            statement.site, statement.comment_id
        )
        return subscribed.lang if subscribed is not None else ""

    def statement_id(self, token: str) -> str:
        """The statement an appeal token names; ``LinkError`` when it is forged or expired."""
        try:
            value = self._links.loads(token, max_age=int(APPEAL_WINDOW.total_seconds()))
        except SignatureExpired:
            raise LinkError(
                "This appeal link has expired: appeals are accepted for six months after the "
                "decision.",
                field="token",
                code="link_expired",
            ) from None
        except BadSignature:
            raise LinkError(
                "This appeal link is not valid: it was changed or cut short. Use the link "
                "in the email exactly as it is.",
                field="token",
            ) from None
        if not isinstance(value, str):
            raise LinkError("This appeal link is not valid.", field="token")
        return value

    async def removed(
        self,
        transaction: Transaction,
        comment: Comment,
        site: str,
        decision: str,
        note: str | None,
        actor: str,
        now: datetime,
    ) -> Statement | None:
        """Within the rejection's transaction: store and mail the statement of reasons when
        the author has an address; None when they have none (or mail is off)."""
        if not self._notifications.enabled:
            return None
        # The storage's transaction sees every repository; the moderation port names fewer.
        tx = cast(NoticeTransaction, transaction)
        recipient = None
        if comment.reader_id is not None:
            reader = await tx.accounts.get_reader(comment.reader_id)
            recipient = reader.email if reader is not None else None
        # The author's language is their subscription's, the one language stored for them.
        subscribed = await tx.subscriptions.author_subscription(site, comment.id)
        lang = subscribed.lang if subscribed is not None else ""
        if recipient is None:
            recipient = subscribed.email if subscribed is not None else None
        if recipient is None:
            return None
        notices = await tx.notices.open_for_comment(comment.id)
        automated = any(
            d.actor is None and d.verdict is not Verdict.PUBLISH
            for d in await tx.screening.decisions(comment.id)
        )
        default = DEFAULT_GROUNDS.get(decision, DEFAULT_GROUNDS["reject"])
        ground = note or default
        statement = Statement(
            id="S" + self._keyring.new_id()[:15].upper(),
            site=site,
            comment_id=comment.id,
            decision=decision,
            ground=ground,
            comment_excerpt=excerpt(comment.body, 500),
            notice_id=notices[0].id if notices else None,
            automated=automated,
            decided_by=actor,
            recipient=recipient,
            created_at=now,
        )
        await tx.statements.add(statement)
        await self._notifications.queue_personal(
            tx,
            MailKind.STATEMENT,
            recipient,
            {
                "site": site,
                "page": "",
                "reference": statement.id,
                "author": comment.author_name,
                "spam": decision == "spam",
                "lang": lang,
                # Staff's own words stay as written; the default ones are Rostra's to translate.
                "ground": ground if note else translate(lang, default),
                "notice_category": translate(lang, notices[0].category_label) if notices else "",
                "comment_excerpt": statement.comment_excerpt,
                "automated": automated,
                "appeal_url": self._public_link(self.appeal_path(statement.id, lang)),
                # Digits read the same in every language, where month names do not.
                "appeal_until": statement.appeal_until.strftime("%Y-%m-%d"),
            },
        )
        return statement
