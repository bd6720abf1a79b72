"""Staff accounts and sessions, and staff decisions, on a real SQLite file."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import parse_qs, urlsplit

import pyotp
import pytest
from argon2 import PasswordHasher

from rostra.domain.comments import CommentStatus
from rostra.domain.errors import ConflictError, NotFoundError, RateLimitedError, ValidationError
from rostra.domain.moderation import ModerationMode
from rostra.domain.staff import (
    AuthorBannedError,
    BanKind,
    InvalidCredentialsError,
    NotSignedInError,
    StaffAction,
)
from rostra.services.callers import Caller
from rostra.services.comments import CommentDraft
from rostra.services.moderation import Decision
from rostra.services.registry import Services
from rostra.services.staff import SecondFactorChallenge, StaffService
from rostra.storage.database import Database
from rostra.storage.rate_limits import LimitsRateLimiter, NoRateLimits
from tests.conftest import ORIGIN, MovableClock

PASSWORD = "twelve chars or more"
PAGE = "/2026/11/article"
WEAK = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


def staff_of(services: Services) -> StaffService:
    assert services.staff is not None
    return services.staff


@pytest.mark.parametrize(
    ("email", "role", "password", "field"),
    [
        ("not-an-email", "moderator", PASSWORD, "email"),
        ("a@example.org", "owner", PASSWORD, "role"),
        ("a@example.org", "admin", "short", "password"),
    ],
)
async def test_bad_accounts_are_refused(
    services: Services, email: str, role: str, password: str, field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        await staff_of(services).add_user(email, role, password)
    assert caught.value.field == field
    assert await staff_of(services).list_users() == []


async def test_emails_are_unique_whatever_their_case(services: Services) -> None:
    user = await staff_of(services).add_user("Ed@Example.ORG", "admin", PASSWORD)
    assert user.email == "ed@example.org"
    with pytest.raises(ConflictError):
        await staff_of(services).add_user("ED@example.org", "moderator", PASSWORD)


async def test_password_is_stored_as_argon2_and_rehashed_when_parameters_change(
    services: Services, database_url: str, clock: MovableClock
) -> None:
    database = Database(database_url)
    try:
        weak = StaffService(database, clock, services.keyring, NoRateLimits(), hasher=WEAK)
        await weak.add_user("ed@example.org", "admin", PASSWORD)
        async with database.read() as tx:
            before = await tx.users.credentials("ed@example.org")
        assert before is not None
        assert before.password_hash.startswith("$argon2id$")
        assert PASSWORD not in before.password_hash
        await staff_of(services).sign_in("ed@example.org", PASSWORD, "10.0.0.1")
        async with database.read() as tx:
            after = await tx.users.credentials("ed@example.org")
        assert after is not None
        assert after.password_hash != before.password_hash
        assert not PasswordHasher().check_needs_rehash(after.password_hash)
    finally:
        await database.close()


async def test_unknown_email_and_wrong_password_fail_alike(services: Services) -> None:
    await staff_of(services).add_user("ed@example.org", "admin", PASSWORD)
    messages = []
    for email, password in (("ed@example.org", "wrong password!!"), ("x@example.org", PASSWORD)):
        with pytest.raises(InvalidCredentialsError) as caught:
            await staff_of(services).sign_in(email, password, "10.0.0.1")
        messages.append((caught.value.code, caught.value.message, caught.value.field))
    assert messages[0] == messages[1]


async def test_login_limit_counts_per_email_across_addresses(
    services: Services, database_url: str, clock: MovableClock
) -> None:
    database = Database(database_url)
    try:
        limited = StaffService(
            database,
            clock,
            services.keyring,
            LimitsRateLimiter({"login": "2/minute"}),
            hasher=WEAK,
        )
        await limited.add_user("ed@example.org", "admin", PASSWORD)
        for n in range(2):
            with pytest.raises(InvalidCredentialsError):
                await limited.sign_in("ed@example.org", "wrong password!!", f"10.0.0.{n}")
        with pytest.raises(RateLimitedError):
            await limited.sign_in("ed@example.org", PASSWORD, "10.0.0.9")
    finally:
        await database.close()


async def test_totp_sign_in_in_two_steps(services: Services, clock: MovableClock) -> None:
    staff = staff_of(services)
    await staff.add_user("ed@example.org", "admin", PASSWORD)
    uri = await staff.enable_totp("ed@example.org")
    secret = parse_qs(urlsplit(uri).query)["secret"][0]
    with pytest.raises(SecondFactorChallenge) as caught:
        await staff.sign_in("ed@example.org", PASSWORD, "10.0.0.1")
    challenge = caught.value.challenge
    with pytest.raises(InvalidCredentialsError):
        await staff.complete_sign_in(challenge + "x", pyotp.TOTP(secret).now(), "10.0.0.1")
    code = pyotp.TOTP(secret).at(clock.now())
    session = await staff.complete_sign_in(challenge, code, "10.0.0.1")
    assert (await staff.session_user(session.token)).email == "ed@example.org"
    clock.advance(minutes=6)
    with pytest.raises(InvalidCredentialsError):
        await staff.complete_sign_in(challenge, pyotp.TOTP(secret).at(clock.now()), "10.0.0.1")


async def test_sessions_end_on_sign_out_and_when_disabled(services: Services) -> None:
    staff = staff_of(services)
    await staff.add_user("ed@example.org", "admin", PASSWORD)
    first = await staff.sign_in("ed@example.org", PASSWORD, "10.0.0.1")
    second = await staff.sign_in("ed@example.org", PASSWORD, "10.0.0.1")
    assert staff.csrf_matches(first.token, first.csrf_token)
    assert not staff.csrf_matches(first.token, second.csrf_token)
    assert not staff.csrf_matches(first.token, None)
    await staff.sign_out(first.token)
    with pytest.raises(NotSignedInError):
        await staff.session_user(first.token)
    assert (await staff.session_user(second.token)).email == "ed@example.org"
    await staff.set_disabled("ed@example.org", True)
    with pytest.raises(NotSignedInError):
        await staff.session_user(second.token)
    with pytest.raises(NotFoundError):
        await staff.set_disabled("nobody@example.org", True)


async def test_every_decision_is_audited_and_spam_bans_for_a_week(
    services: Services, clock: MovableClock
) -> None:
    staff = staff_of(services)
    assert services.moderation is not None
    moderator = await staff.add_user("mod@example.org", "moderator", PASSWORD)
    caller = Caller(ip="192.0.2.7", origin=ORIGIN)
    posted = await services.comments.post_comment(
        CommentDraft("news", PAGE, "Buy cheap watches", "Seller", author_email="s@example.org"),
        caller,
    )
    decided = await services.moderation.decide(
        moderator, posted.comment.id, Decision.SPAM, "link spam"
    )
    assert decided.status is CommentStatus.REJECTED
    log = await services.moderation.audit_log(moderator)
    assert [(e.action, e.actor) for e in log][:1] == [(StaffAction.SPAM, "mod@example.org")]
    assert {b.kind for b in await services.moderation.list_bans(moderator)} == {
        BanKind.EMAIL,
        BanKind.IP,
    }
    with pytest.raises(AuthorBannedError):
        await services.comments.post_comment(CommentDraft("news", PAGE, "Again", "S"), caller)
    clock.advance(days=7, seconds=1)
    again = await services.comments.post_comment(CommentDraft("news", PAGE, "Again", "S"), caller)
    assert again.comment.status is CommentStatus.PUBLISHED


async def test_approving_a_reply_whose_parent_is_gone_is_refused(services: Services) -> None:
    staff = staff_of(services)
    assert services.moderation is not None
    admin = await staff.add_user("ad@example.org", "admin", PASSWORD)
    root = await services.comments.post_comment(
        CommentDraft("news", PAGE, "Root", "Ann"), Caller(origin=ORIGIN)
    )
    current = await services.moderation.site_settings(admin, "news")
    await services.moderation.update_site_settings(
        admin, "news", replace(current, mode=ModerationMode.PRE, min_seconds_to_submit=0)
    )
    reply = await services.comments.post_comment(
        CommentDraft("news", PAGE, "Reply", "Bob", parent_id=root.comment.id),
        Caller(origin=ORIGIN),
    )
    assert reply.comment.status is CommentStatus.PENDING
    await services.moderation.decide(admin, root.comment.id, Decision.REJECT)
    with pytest.raises(ValidationError):
        await services.moderation.decide(admin, reply.comment.id, Decision.APPROVE)


async def test_at_most_three_pins_per_thread(services: Services) -> None:
    staff = staff_of(services)
    assert services.moderation is not None
    moderator = await staff.add_user("mod@example.org", "moderator", PASSWORD)
    ids = [
        (
            await services.comments.post_comment(
                CommentDraft("news", PAGE, f"Post {n}", "Ann"), Caller(origin=ORIGIN)
            )
        ).comment.id
        for n in range(4)
    ]
    for comment_id in ids[:3]:
        await services.moderation.pin(moderator, comment_id, True)
    with pytest.raises(ValidationError):
        await services.moderation.pin(moderator, ids[3], True)
    await services.moderation.pin(moderator, ids[0], False)
    assert (await services.moderation.pin(moderator, ids[3], True)).pinned
