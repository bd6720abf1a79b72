"""Automatic screening of new and edited comments: the rules of ``rostra.domain.screening``
plus a toxicity model's scores, judged by the site's moderation settings."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from rostra.domain import screening as rules
from rostra.domain.moderation import (
    TRUST_COUNT_LIMIT,
    ModerationMode,
    ModerationSettings,
    Screening,
    Verdict,
    is_trusted,
)
from rostra.domain.staff import LEARN_ALIASES
from rostra.services.ports import (
    Clock,
    Decision,
    ExemplarLearner,
    SiteTaughtModel,
    Storage,
    ToxicityModel,
    Transaction,
)

log = logging.getLogger("rostra.screening")

DUPLICATE_WINDOW = timedelta(hours=24)
DUPLICATE_LOOKBACK = 20
# How often each worker looks for examples staff taught through another worker: a decision
# changes the screen of every worker within this time.
TAUGHT_POLL = timedelta(seconds=10)
TAUGHT_BATCH = 500

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
    words: dict[str, tuple[str, ...]] = field(default_factory=dict)  # why, per category


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
    # How many uploaded images the comment shows; a rule may hold untrusted authors'.
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

    def __init__(
        self, model: ToxicityModel | None, clock: Clock, storage: Storage | None = None
    ) -> None:
        self._model = model
        self._clock = clock
        self._storage = storage  # where staff's exemplars wait for the semantic stage
        self._stored_loaded = storage is None
        self._loading = asyncio.Lock()
        self._taught_after = 0  # the id of the last taught example this worker has read
        self._taught_polled: datetime | None = None
        self._syncing = asyncio.Lock()

    @property
    def learns(self) -> bool:
        """Whether the configured model learns from staff's examples (the trained screen and
        the semantic stage do)."""
        if isinstance(self._model, SiteTaughtModel):
            return True
        return isinstance(getattr(self._model, "screen", self._model), ExemplarLearner)

    async def _load_stored_exemplars(self) -> None:
        """Once, before the semantic stage first scores (and so loads): teach it every
        exemplar staff stored, so they survive restarts and reach every worker."""
        if self._stored_loaded or self._storage is None:
            return
        async with self._loading:
            if self._stored_loaded:
                return
            learner = getattr(self._model, "screen", self._model)
            if isinstance(learner, ExemplarLearner):
                try:
                    async with self._storage.read() as tx:
                        stored = await tx.screening.exemplars()
                except Exception:
                    log.exception("The stored screening exemplars could not be read.")
                    return  # try again with the next comment
                for category, text in stored:
                    try:
                        learner.add_exemplar(category, text)
                    except ValueError:
                        log.warning("Skipped a stored exemplar of category %r.", category)
            self._stored_loaded = True

    async def _sync_taught(self, model: SiteTaughtModel) -> None:
        """Teach the model what staff taught since this worker last looked (every worker reads
        the same table, so a lesson reaches them all within ``TAUGHT_POLL``)."""
        if self._storage is None:
            return
        now = self._clock.now()
        if self._taught_polled is not None and now - self._taught_polled < TAUGHT_POLL:
            return
        async with self._syncing:
            if self._taught_polled is not None and now - self._taught_polled < TAUGHT_POLL:
                return
            while True:
                try:
                    async with self._storage.read() as tx:
                        rows = await tx.screening.exemplars_after(self._taught_after, TAUGHT_BATCH)
                except Exception:
                    log.exception("The taught screening examples could not be read.")
                    return  # try again with the next comment
                for row in rows:
                    category = LEARN_ALIASES.get(row.category, row.category)
                    try:
                        await asyncio.to_thread(model.learn, row.site, category, row.text)
                    except ValueError:
                        log.warning("Skipped a taught example of category %r.", row.category)
                    self._taught_after = row.id
                if len(rows) < TAUGHT_BATCH:
                    break
            self._taught_polled = self._clock.now()

    async def rate(self, body: str, site: str | None = None) -> Scores:
        """The model's scores for ``body`` as posted on ``site``; call it before opening a
        write transaction, since a model can take milliseconds. A failing model rates nothing
        (and is logged): a broken classifier must not take comments down with it."""
        if self._model is None:
            return Scores()
        hold_only = frozenset(self._model.hold_only)
        try:
            if isinstance(self._model, SiteTaughtModel):
                await self._sync_taught(self._model)
                rating = await self._model.rate(body, site)
                return Scores(dict(rating.scores), hold_only, dict(rating.words))
            await self._load_stored_exemplars()
            found = await self._model.score(body)
        except Exception:
            log.exception("The toxicity model failed; the comment is screened by rules only.")
            return Scores()
        return Scores(dict(found), hold_only)

    async def screen_comment(
        self,
        tx: Transaction,
        subject: Subject,
        scores: Scores,
        settings: ModerationSettings | None = None,
    ) -> Screening:
        """Every rule's reasons for ``subject`` under its site's settings (read here unless
        the caller has them already)."""
        if settings is None:
            settings = await tx.sites.moderation_settings(subject.site)
        reasons = [
            *rules.word_reasons(subject.body, settings),
            *rules.link_reasons(subject.body, settings),
            *rules.score_reasons(
                scores.by_category, settings, hold_only=scores.hold_only, words=scores.words
            ),
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
            trusted = settings.mode is ModerationMode.PRE_FIRST_TIME and is_trusted(
                await tx.screening.trust_record(
                    subject.site, subject.author_email_hash, subject.ip_hash, TRUST_COUNT_LIMIT
                ),
                settings,
                self._clock.now(),
            )
            reasons.extend(rules.mode_reasons(settings, author_has_approved=trusted))
        return Screening(tuple(reasons))

    def add_exemplar(self, category: str, text: str) -> bool:
        """Teach the semantic stage that ``text`` is an example of ``category`` (the
        dashboard's "reject as threat" and similar buttons call this); False when the
        configured model does not learn from examples (``profanity``, ``none``). With a
        storage, the caller has stored the pair first: until the stage has read the stored
        exemplars, it finds this one among them."""
        if isinstance(self._model, SiteTaughtModel):
            self._taught_polled = None  # stored by the caller: read with the next comment
            return True
        learner = getattr(self._model, "screen", self._model)
        if not isinstance(learner, ExemplarLearner):
            return False
        if not self._stored_loaded:
            return True  # stored already: the screen reads it with the others when it loads
        learner.add_exemplar(category, text)
        return True

    async def record(self, tx: Transaction, comment_id: str, screening: Screening) -> None:
        """Store the automatic decision on a stored comment, in the caller's transaction."""
        await tx.screening.record_decision(
            Decision(comment_id, screening.verdict, screening.reasons, None, self._clock.now())
        )
