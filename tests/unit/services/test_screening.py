"""Screening inside post_comment and edit_comment, on a real database with the default model
(the trained screen)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from rostra.bootstrap import build_services
from rostra.config import Settings
from rostra.domain.comments import CommentStatus
from rostra.domain.errors import CommentRejectedError, NotFoundError, ValidationError
from rostra.domain.moderation import ModerationMode, ModerationSettings, Verdict
from rostra.services.callers import Caller
from rostra.services.comments import CommentDraft, PostedComment
from rostra.services.ports import Decision
from rostra.services.registry import Services
from rostra.services.thread_reads import ThreadQuery
from rostra.storage.database import Database
from tests.conftest import ORIGIN, MovableClock

PAGE = "/2026/11/article"


@pytest.fixture
async def database(settings: Settings) -> AsyncIterator[Database]:
    """A second handle on the test's database, to look at what was stored."""
    db = Database(settings.database_url)
    yield db
    await db.close()


async def post(
    services: Services,
    body: str = "Interesting read, thanks.",
    *,
    email: str | None = "ann@example.com",
    ip: str | None = "203.0.113.5",
    elapsed_ms: int | None = None,
) -> PostedComment:
    draft = CommentDraft("news", PAGE, body, "Ann", author_email=email, elapsed_ms=elapsed_ms)
    return await services.comments.post_comment(draft, Caller(origin=ORIGIN, ip=ip))


async def configure(services: Services, **values: object) -> None:
    await services.sites.update_moderation("news", ModerationSettings(**values))  # type: ignore[arg-type]


async def visible(services: Services) -> list[str]:
    page = await services.comments.read_thread(ThreadQuery("news", PAGE), Caller())
    return [node.comment.id for node in page.comments]


async def count(services: Services) -> int:
    return (await services.comments.count_comments("news", [PAGE]))[PAGE]


async def decisions(database: Database, comment_id: str) -> list[Decision]:
    async with database.read() as tx:
        return await tx.screening.decisions(comment_id)


# Publish, hold, reject


async def test_a_clean_comment_is_published_and_its_decision_recorded(
    services: Services, database: Database
) -> None:
    posted = await post(services)
    assert posted.comment.status is CommentStatus.PUBLISHED
    assert await count(services) == 1
    [decision] = await decisions(database, posted.comment.id)
    assert decision.verdict is Verdict.PUBLISH
    assert decision.actor is None
    assert decision.reasons == ()


async def test_a_watched_word_holds_the_comment_out_of_listing_and_count(
    services: Services, database: Database
) -> None:
    await configure(services, watched_words=("traitor",))
    posted = await post(services, "The minister is a tr4itor.")
    assert posted.comment.status is CommentStatus.PENDING
    assert await visible(services) == []
    assert await count(services) == 0
    [decision] = await decisions(database, posted.comment.id)
    assert decision.verdict is Verdict.HOLD
    # The word list's reason; the screen may add its own ("a traitor" reads as an insult).
    assert ("watched_words", "traitor") in [(r.rule, r.detail) for r in decision.reasons]


async def test_a_banned_word_rejects_the_comment_and_stores_nothing(
    services: Services,
) -> None:
    await configure(services, banned_words=("idiot",))
    with pytest.raises(CommentRejectedError) as caught:
        await post(services, "Only an id10t would vote for this.")
    assert caught.value.code == "comment_rejected"
    assert "words this site does not allow" in caught.value.message
    page = await services.comments.read_thread(ThreadQuery("news", PAGE), Caller())
    assert page.comments == [] and page.comment_count == 0


async def test_profanity_above_the_reject_threshold_is_refused_politely(
    services: Services,
) -> None:
    with pytest.raises(CommentRejectedError) as caught:
        await post(services, "Fuck you, you stupid fucking idiot.")
    assert "rated it as abusive" in caught.value.message
    assert await count(services) == 0


async def test_obfuscated_profanity_is_scored_as_profanity(services: Services) -> None:
    with pytest.raises(CommentRejectedError):
        await post(services, "f.u.c.k you and your sh1t paper")


async def test_lower_thresholds_hold_what_the_defaults_publish(services: Services) -> None:
    text = "The plan is daft and the council knows it."
    assert (await post(services, text)).comment.status is CommentStatus.PUBLISHED
    await configure(services, hold_threshold=0.0, reject_threshold=1.0)
    assert (await post(services, text + " Again.")).comment.status is CommentStatus.PENDING


async def test_too_many_links_hold_the_comment(services: Services, database: Database) -> None:
    await configure(services, max_links=1)
    posted = await post(services, "Deals at cheap.biz and pills.ru today")
    assert posted.comment.status is CommentStatus.PENDING
    [decision] = await decisions(database, posted.comment.id)
    assert decision.reasons[0].rule == "links"
    assert decision.reasons[0].score == 2.0


async def test_a_form_sent_too_fast_is_held_and_unknown_timing_is_not(
    services: Services,
) -> None:
    assert (await post(services, elapsed_ms=400)).comment.status is CommentStatus.PENDING
    assert (
        await post(services, "Another view on the budget.", elapsed_ms=None)
    ).comment.status is (CommentStatus.PUBLISHED)
    assert (await post(services, "Count me in.", elapsed_ms=9000)).comment.status is (
        CommentStatus.PUBLISHED
    )


async def test_the_same_long_text_twice_from_one_author_is_held(services: Services) -> None:
    # Ordinary words: the duplicate rule, not the screen, holds the second copy.
    text = "The new timetable works much better for the school run this term."
    assert (await post(services, text)).comment.status is CommentStatus.PUBLISHED
    assert (await post(services, text)).comment.status is CommentStatus.PENDING


async def test_the_same_text_from_another_author_is_not_a_duplicate(services: Services) -> None:
    text = "I agree with every word of the editorial about the bridge repairs."
    await post(services, text)
    other = await post(services, text, email="bob@example.com", ip="198.51.100.7")
    assert other.comment.status is CommentStatus.PUBLISHED


async def test_a_filled_honeypot_stays_silent(services: Services) -> None:
    draft = CommentDraft("news", PAGE, "Hello", "Bot", honeypot="http://spam.example")
    posted = await services.comments.post_comment(draft, Caller(origin=ORIGIN))
    assert posted.comment.status is CommentStatus.PENDING
    assert await count(services) == 0


# Modes


async def test_pre_moderation_holds_every_comment(services: Services) -> None:
    await configure(services, mode=ModerationMode.PRE)
    assert (await post(services)).comment.status is CommentStatus.PENDING


async def test_first_time_moderation_trusts_authors_with_a_published_comment(
    services: Services,
) -> None:
    await post(services)  # published while the site post-moderates
    await configure(services, mode=ModerationMode.PRE_FIRST_TIME)
    again = await post(services, "Me again.")
    assert again.comment.status is CommentStatus.PUBLISHED
    newcomer = await post(services, "First time here.", email="new@example.com", ip="192.0.2.1")
    assert newcomer.comment.status is CommentStatus.PENDING


async def test_first_time_moderation_recognises_an_author_without_email_by_ip(
    services: Services,
) -> None:
    await post(services, email=None, ip="192.0.2.44")
    await configure(services, mode=ModerationMode.PRE_FIRST_TIME)
    assert (
        await post(services, "Me again, with the figures I promised.", email=None, ip="192.0.2.44")
    ).comment.status is (CommentStatus.PUBLISHED)
    assert (
        await post(services, "Still new here, hello all.", email=None, ip=None)
    ).comment.status is (CommentStatus.PENDING)


async def test_a_held_comment_does_not_earn_trust(services: Services) -> None:
    await configure(services, mode=ModerationMode.PRE_FIRST_TIME)
    assert (await post(services)).comment.status is CommentStatus.PENDING
    assert (await post(services, "Still new.")).comment.status is CommentStatus.PENDING


# Edits are screened again


async def test_an_edit_that_is_now_held_leaves_the_thread_and_its_count(
    services: Services, database: Database
) -> None:
    posted = await post(services)
    await configure(services, watched_words=("traitor",))
    edited = await services.comments.edit_comment(
        posted.comment.id, "Actually he is a traitor.", Caller(edit_token=posted.edit_token)
    )
    assert edited.status is CommentStatus.PENDING
    assert await visible(services) == []
    assert await count(services) == 0
    async with database.read() as tx:
        thread = await tx.threads.find("news", PAGE)
        assert thread is not None
        events = await tx.events.after(thread.id, 0, 10)
    assert [event.name for event in events] == ["comment.created", "comment.deleted"]
    verdicts = [d.verdict for d in await decisions(database, posted.comment.id)]
    assert verdicts == [Verdict.PUBLISH, Verdict.HOLD]


async def test_an_edit_with_a_banned_word_is_refused_and_the_old_text_kept(
    services: Services,
) -> None:
    posted = await post(services)
    await configure(services, banned_words=("idiot",))
    with pytest.raises(CommentRejectedError):
        await services.comments.edit_comment(
            posted.comment.id, "You idiots.", Caller(edit_token=posted.edit_token)
        )
    page = await services.comments.read_thread(ThreadQuery("news", PAGE), Caller())
    assert [node.comment.body for node in page.comments] == ["Interesting read, thanks."]


async def test_a_clean_edit_of_a_held_comment_stays_held(services: Services) -> None:
    await configure(services, mode=ModerationMode.PRE_FIRST_TIME)
    posted = await post(services)
    edited = await services.comments.edit_comment(
        posted.comment.id, "Corrected spelling.", Caller(edit_token=posted.edit_token)
    )
    assert edited.status is CommentStatus.PENDING


async def test_a_clean_edit_of_a_published_comment_stays_published(
    services: Services, clock: MovableClock
) -> None:
    posted = await post(services)
    clock.advance(minutes=1)
    edited = await services.comments.edit_comment(
        posted.comment.id, "A fairer point.", Caller(edit_token=posted.edit_token)
    )
    assert edited.status is CommentStatus.PUBLISHED
    assert await count(services) == 1


# Per-site settings


async def test_moderation_settings_are_per_site(services: Services) -> None:
    await services.sites.add_site("other", ["https://other.example"])
    await configure(services, mode=ModerationMode.PRE)
    assert (await services.sites.moderation_settings("news")).mode is ModerationMode.PRE
    assert await services.sites.moderation_settings("other") == ModerationSettings()


async def test_bad_moderation_settings_are_refused(services: Services) -> None:
    with pytest.raises(ValidationError) as caught:
        await configure(services, hold_threshold=0.95, reject_threshold=0.9)
    assert caught.value.field == "hold_threshold"
    assert await services.sites.moderation_settings("news") == ModerationSettings()


async def test_moderation_settings_of_an_unknown_site_are_not_found(services: Services) -> None:
    with pytest.raises(NotFoundError):
        await services.sites.update_moderation("nope", ModerationSettings())
    with pytest.raises(NotFoundError):
        await services.sites.moderation_settings("nope")


async def test_the_profanity_model_learns_no_exemplars(settings: Settings) -> None:
    services = build_services(replace(settings, toxicity_model="profanity"))
    try:
        assert services.screening is not None
        assert services.screening.learns is False
        assert services.screening.add_exemplar("threat", "I know where you live") is False
    finally:
        for hook in services.on_shutdown:
            await hook()


async def test_the_default_trained_screen_learns(services: Services) -> None:
    assert services.screening is not None
    assert services.screening.learns is True
