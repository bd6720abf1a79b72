"""Automatic screening of new and edited comments: the rules of ``rostra.domain.screening``
plus a toxicity model's scores, judged by the site's moderation settings."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from rostra.domain import screening as rules
from rostra.domain.moderation import ModerationMode, Screening, Verdict
from rostra.services.ports import Clock, Decision, ExemplarLearner, ToxicityModel, Transaction

log = logging.getLogger("rostra.screening")

DUPLICATE_WINDOW = timedelta(hours=24)
DUPLICATE_LOOKBACK = 20

REJECTION_MESSAGES = {
    "banned_words": "Your comment was not published because it contains words this site "
    "does not allow. Please rephrase it.",
    "model": "Your comment was not published because this site's filter rated it as abusive. "
    "Please rephrase it without insults or swearing.",
    "honeypot": "Your comment was not published.",
}


@dataclass(frozen=True, slots=True)
class Scores:
    """What the toxicity model said about one text, before any transaction opens."""

    by_category: dict[str, float] = field(default_factory=dict)
    hold_only: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Subject:
    """A comment as screening sees it. ``is_edit`` skips the rules about how it was sent
    (timing, repetition, honeypot) and trust, which only apply to new comments."""

    site: str
    body: str
    author_email_hash: str | None = None
    ip_hash: str | None = None
    elapsed_ms: int | None = None
    honeypot: str | None = None
    is_edit: bool = False
    # Issue 8: how many uploaded images the comment shows; a rule may hold untrusted authors'.
    image_count: int = 0


def rejection_message(screening: Screening) -> str:
    """A polite, specific sentence for the author of a refused comment."""
    for reason in screening.reasons:
        if reason.verdict is Verdict.REJECT:
            key = "model" if reason.rule.startswith("model:") else reason.rule
            return REJECTION_MESSAGES.get(key, "Your comment was not published.")
    return "Your comment was not published."


class ScreeningService:
    """Decides whether a comment is published, held for staff, or refused, and why."""

    def __init__(self, model: ToxicityModel | None, clock: Clock) -> None:
        self._model = model
        self._clock = clock

    async def rate(self, body: str) -> Scores:
        """The model's scores for ``body``; call it before opening a write transaction, since
        a model can take milliseconds. A failing model rates nothing (and is logged): a broken
        classifier must not take comments down with it."""
        if self._model is None:
            return Scores()
        try:
            found = await self._model.score(body)
        except Exception:
            log.exception("The toxicity model failed; the comment is screened by rules only.")
            return Scores()
        return Scores(dict(found), frozenset(self._model.hold_only))

    async def screen_comment(self, tx: Transaction, subject: Subject, scores: Scores) -> Screening:
        """Every rule's reasons for ``subject`` under its site's settings."""
        settings = await tx.sites.moderation_settings(subject.site)
        reasons = [
            *rules.word_reasons(subject.body, settings),
            *rules.link_reasons(subject.body, settings),
            *rules.score_reasons(scores.by_category, settings, hold_only=scores.hold_only),
        ]
        if subject.is_edit:
            if settings.mode is ModerationMode.PRE:
                reasons.extend(rules.mode_reasons(settings, author_has_approved=False))
            return Screening(tuple(reasons))
        reasons.extend(rules.honeypot_reasons(subject.honeypot))
        reasons.extend(rules.timing_reasons(subject.elapsed_ms, settings))
        if subject.author_email_hash or subject.ip_hash:
            recent = await tx.screening.recent_bodies(
                subject.site,
                subject.author_email_hash,
                subject.ip_hash,
                self._clock.now() - DUPLICATE_WINDOW,
                DUPLICATE_LOOKBACK,
            )
            reasons.extend(rules.duplicate_reasons(subject.body, recent))
        if settings.mode is not ModerationMode.POST:
            trusted = settings.mode is ModerationMode.PRE_FIRST_TIME and (
                await tx.screening.has_published(
                    subject.site, subject.author_email_hash, subject.ip_hash
                )
            )
            reasons.extend(rules.mode_reasons(settings, author_has_approved=trusted))
        return Screening(tuple(reasons))

    def add_exemplar(self, category: str, text: str) -> bool:
        """Teach the semantic stage that ``text`` is an example of ``category`` (the
        dashboard's "reject as threat" and similar buttons call this); False when the
        configured model does not learn from examples (``profanity``, ``none``)."""
        learner = getattr(self._model, "screen", self._model)
        if not isinstance(learner, ExemplarLearner):
            return False
        learner.add_exemplar(category, text)
        return True

    async def record(self, tx: Transaction, comment_id: str, screening: Screening) -> None:
        """Store the automatic decision on a stored comment, in the caller's transaction."""
        await tx.screening.record_decision(
            Decision(comment_id, screening.verdict, screening.reasons, None, self._clock.now())
        )
