"""EU DSA statements of reasons and appeals, against a real SMTP server (aiosmtpd): the author
of a removed comment is told why and how to appeal when we have their address; the appeal
comes back to staff, whose decision is mailed; reversing publishes the comment again."""

from __future__ import annotations

import csv
import io
import re
from email.message import EmailMessage

import httpx

from rostra.domain.moderation import ModerationMode, ModerationSettings
from rostra.services.registry import Services
from tests.api.account_helpers import enable_sso, mint
from tests.api.account_helpers import sign_in as reader_sign_in
from tests.api.helpers import assert_error, new_comment, post_comment, read_thread
from tests.api.staff_helpers import ADMIN, MODERATOR, add_staff, api_client, sign_in
from tests.conftest import MovableClock
from tests.notify.smtp import SmtpServer, deliver, html_of, text_of
from tests.notify.test_delivery import ANN, BOB, confirm

APPEAL_LINK = re.compile(r"https://comments\.example(/dsa/appeal\?token=[^\s\"<>]+)")
EXPLANATION = "I quoted the minister; the words are his, not mine."


async def _moderator(services: Services) -> httpx.AsyncClient:
    await add_staff(services, MODERATOR, "moderator")
    staff = await api_client(services)
    await sign_in(staff, MODERATOR)
    return staff


async def _reject(staff: httpx.AsyncClient, comment_id: str, reason: str = "") -> None:
    response = await staff.post(
        f"/api/v1/moderation/comments/{comment_id}/reject",
        json={"reason": reason} if reason else None,
    )
    assert response.status_code == 200, response.text


def _appeal_path(message: EmailMessage) -> str:
    found = APPEAL_LINK.search(text_of(message))
    assert found is not None, text_of(message)
    return found.group(1)


async def test_the_subscribed_author_of_a_removed_comment_gets_the_statement_of_reasons(
    client: httpx.AsyncClient, services: Services, smtp_server: SmtpServer
) -> None:
    await services.sites.update_moderation("news", ModerationSettings(mode=ModerationMode.PRE))
    await confirm(client, services, smtp_server, ANN, "replies")
    held = await post_comment(client, author_name="Ann", author_email=ANN, body="You <fools>.")
    assert held.status_code == 202, held.text
    unsubscribed = await post_comment(client, author_name="Bob", author_email=BOB, body="Hm.")
    anonymous = await post_comment(client, author_name="Cy", body="No address at all.")
    staff = await _moderator(services)
    await _reject(staff, held.json()["id"], "Insults other readers.")
    await _reject(staff, unsubscribed.json()["id"])
    await _reject(staff, anonymous.json()["id"])
    assert await deliver(services) == 1  # only Ann can be reached
    [statement] = smtp_server.to(ANN)[1:]
    assert smtp_server.to(BOB) == []
    assert "Why your comment on The Example News was removed" in statement["Subject"]
    text = text_of(statement)
    assert "Ground: Insults other readers." in text
    assert "Your comment: You <fools>." in text
    assert "our automatic screening had held or flagged the comment" in text  # pre-moderation
    assert "a notice we received" not in text
    assert "You may appeal until" in text
    assert _appeal_path(statement).startswith("/dsa/appeal?token=")
    assert "You &lt;fools&gt;." in html_of(statement)

    # The transparency export lists the statement sent, beside the notices.
    await add_staff(services, ADMIN, "admin")
    admin = await api_client(services)
    await sign_in(admin, ADMIN)
    exported = await admin.get("/api/v1/moderation/dsa/export", params={"site": "news"})
    assert exported.status_code == 200, exported.text
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [
        (r["record"], r["comment_id"], r["status"], r["automated_detection"]) for r in rows
    ] == [("statement", held.json()["id"], "reject", "yes")]
    assert rows[0]["decision_reason"] == "Insults other readers."
    assert ANN not in exported.text


async def test_a_notice_removal_says_a_notice_was_received_and_spam_says_spam(
    client: httpx.AsyncClient, services: Services, smtp_server: SmtpServer
) -> None:
    await confirm(client, services, smtp_server, ANN, "replies")
    reported = await new_comment(
        client, author_name="Ann", author_email=ANN, body="Mr X took the money."
    )
    notice = await client.post(
        "/api/v1/dsa/notices",
        json={
            "comment_id": reported["id"],
            "category": "defamation",
            "explanation": "It accuses me of a crime falsely.",
            "name": "Xavier",
            "email": "x@example.org",
            "good_faith": True,
        },
    )
    assert notice.status_code == 201, notice.text
    staff = await _moderator(services)
    decided = await staff.post(
        f"/api/v1/moderation/dsa/notices/{notice.json()['reference']}/decision",
        json={"action": "remove", "reason": "Defamatory: a false accusation of a crime."},
    )
    assert decided.status_code == 200, decided.text
    spam = await new_comment(
        client, author_name="Ann", author_email=ANN, body="Cheap watches here."
    )
    response = await staff.post(f"/api/v1/moderation/comments/{spam['id']}/spam")
    assert response.status_code == 200, response.text
    await deliver(services)
    statements = [m for m in smtp_server.to(ANN) if "was removed" in m["Subject"]]
    assert len(statements) == 2
    by_notice, as_spam = (text_of(m) for m in statements)
    assert "Ground: Defamatory: a false accusation of a crime." in by_notice
    assert "a notice we received that it is illegal content (Defamation)" in by_notice
    assert "Automated means: none" in by_notice  # the screen had published it
    assert "x@example.org" not in by_notice and "Xavier" not in by_notice
    assert "removed your comment on The Example News as spam" in as_spam
    assert "Ground: The comment is spam." in as_spam


async def test_the_author_appeals_and_staff_reverse_the_removal(
    client: httpx.AsyncClient, services: Services, smtp_server: SmtpServer
) -> None:
    await confirm(client, services, smtp_server, ANN, "replies")
    comment = await new_comment(client, author_name="Ann", author_email=ANN, body="The quote.")
    staff = await _moderator(services)
    await _reject(staff, comment["id"], "Hate speech.")
    await deliver(services)
    [statement] = [m for m in smtp_server.to(ANN) if "was removed" in m["Subject"]]
    path = _appeal_path(statement)

    page = await client.get(path)
    assert page.status_code == 200, page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert "The quote." in page.text and "Hate speech." in page.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    token = re.search(r'name="token" value="([^"]+)"', page.text)
    assert csrf is not None and token is not None
    form = {"csrf_token": csrf.group(1), "token": token.group(1), "explanation": "Too short"}
    short = await client.post("/dsa/appeal", data=form)
    assert short.status_code == 400
    assert "needs at least 10 characters" in short.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', short.text)
    assert csrf is not None
    form["csrf_token"] = csrf.group(1)
    # Without the form token's cookie (another site posting it), nothing is stored.
    saved_cookies = dict(client.cookies)
    client.cookies.clear()
    forged = await client.post("/dsa/appeal", data={**form, "explanation": EXPLANATION})
    assert forged.status_code == 403
    assert "did not come from this page" in forged.text
    for name, value in saved_cookies.items():
        client.cookies.set(name, value)
    sent = await client.post("/dsa/appeal", data={**form, "explanation": EXPLANATION})
    assert sent.status_code == 201, sent.text
    assert "Your appeal is received" in sent.text

    # One appeal per decision: the link is used up, on the page and in the API.
    again = await client.get(path)
    assert again.status_code == 409
    assert "appealed already" in again.text
    assert_error(
        await client.post(
            "/api/v1/dsa/appeals", json={"token": token.group(1), "explanation": EXPLANATION}
        ),
        409,
        "appeal_exists",
    )

    listed = (await staff.get("/api/v1/moderation/dsa/appeals")).json()["appeals"]
    assert [(a["comment_id"], a["ground"], a["appeal_text"], a["decision"]) for a in listed] == [
        (comment["id"], "Hate speech.", EXPLANATION, "reject")
    ]
    reference = listed[0]["id"]
    assert comment["id"] not in {c["id"] for c in (await read_thread(client))["comments"]}
    decided = await staff.post(
        f"/api/v1/moderation/dsa/appeals/{reference}/decision",
        json={"action": "reverse", "reason": "A quotation, in context, is reporting."},
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["appeal_status"] == "reversed"
    assert comment["id"] in {c["id"] for c in (await read_thread(client))["comments"]}
    assert_error(
        await staff.post(
            f"/api/v1/moderation/dsa/appeals/{reference}/decision",
            json={"action": "uphold", "reason": "Twice."},
        ),
        400,
        field="id",
    )
    await deliver(services)
    [outcome] = [m for m in smtp_server.to(ANN) if "Decision on your appeal" in m["Subject"]]
    assert "the comment is published again" in text_of(outcome)
    assert "A quotation, in context, is reporting." in text_of(outcome)
    audit = (await staff.get("/api/v1/moderation/audit")).json()
    assert any(
        e["action"] == "appeal_decided" and e["target"] == reference for e in audit["entries"]
    ), audit


async def test_forged_expired_and_empty_appeals_are_refused_by_name(
    client: httpx.AsyncClient, services: Services, smtp_server: SmtpServer, clock: MovableClock
) -> None:
    await confirm(client, services, smtp_server, ANN, "replies")
    comment = await new_comment(client, author_name="Ann", author_email=ANN, body="Mine.")
    staff = await _moderator(services)
    await _reject(staff, comment["id"])
    await deliver(services)
    [statement] = [m for m in smtp_server.to(ANN) if "was removed" in m["Subject"]]
    token = _appeal_path(statement).split("token=", 1)[1]

    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    assert_error(
        await client.post(
            "/api/v1/dsa/appeals", json={"token": forged, "explanation": EXPLANATION}
        ),
        400,
        "invalid_link",
        field="token",
    )
    page = await client.get("/dsa/appeal", params={"token": forged})
    assert page.status_code == 400
    assert "This appeal link is not valid" in page.text
    assert_error(
        await client.post("/api/v1/dsa/appeals", json={"token": token, "explanation": " "}),
        400,
        field="explanation",
    )
    assert_error(
        await client.post("/api/v1/dsa/appeals", json={"explanation": EXPLANATION}),
        400,
        field="token",
    )
    clock.advance(days=184)
    assert_error(
        await client.post("/api/v1/dsa/appeals", json={"token": token, "explanation": EXPLANATION}),
        400,
        "link_expired",
        field="token",
    )
    expired = await client.get("/dsa/appeal", params={"token": token})
    assert expired.status_code == 400
    assert "has expired" in expired.text
    await sign_in(staff, MODERATOR)  # the staff session expired with the link
    assert (await staff.get("/api/v1/moderation/dsa/appeals")).json()["appeals"] == []


async def test_the_dashboard_shows_the_appeal_with_its_decision_and_upholds_it(
    client: httpx.AsyncClient, services: Services, smtp_server: SmtpServer
) -> None:
    await confirm(client, services, smtp_server, ANN, "replies")
    comment = await new_comment(client, author_name="Ann", author_email=ANN, body="My words.")
    staff = await _moderator(services)
    await _reject(staff, comment["id"], "Off-topic insults.")
    await deliver(services)
    [statement] = [m for m in smtp_server.to(ANN) if "was removed" in m["Subject"]]
    token = _appeal_path(statement).split("token=", 1)[1]
    sent = await client.post(
        "/api/v1/dsa/appeals", json={"token": token, "explanation": EXPLANATION}
    )
    assert sent.status_code == 201, sent.text
    reference = sent.json()["reference"]
    page = await staff.get("/admin/notices")
    assert page.status_code == 200
    for shown in ("Appeals against removals", reference, "Off-topic insults.", "My words."):
        assert shown in page.text, shown
    assert "the words are his, not mine." in page.text
    csrf = staff.headers["X-CSRF-Token"]
    no_reason = await staff.post(
        f"/admin/appeals/{reference}/decide", data={"csrf_token": csrf, "action": "uphold"}
    )
    assert no_reason.status_code == 303
    assert "reason" in no_reason.headers["location"]
    upheld = await staff.post(
        f"/admin/appeals/{reference}/decide",
        data={"csrf_token": csrf, "action": "uphold", "reason": "Still off-topic."},
    )
    assert upheld.status_code == 303
    assert "The+removal+stands" in upheld.headers["location"]
    assert comment["id"] not in {c["id"] for c in (await read_thread(client))["comments"]}
    done = await staff.get("/admin/notices?appeals=upheld")
    assert "Upheld by" in done.text and "Still off-topic." in done.text
    await deliver(services)
    [outcome] = [m for m in smtp_server.to(ANN) if "Decision on your appeal" in m["Subject"]]
    assert "the removal stands" in text_of(outcome)


async def test_a_reader_account_author_gets_the_statement_at_the_account_address(
    client: httpx.AsyncClient, services: Services, smtp_server: SmtpServer, clock: MovableClock
) -> None:
    await enable_sso(services)
    await reader_sign_in(client, mint(clock.now(), email="zed@mail.example"))
    comment = await new_comment(client, body="Signed in and removed.")
    client.headers.pop("X-CSRF-Token", None)
    client.cookies.clear()
    staff = await _moderator(services)
    await _reject(staff, comment["id"], "Personal attack.")
    assert await deliver(services) == 1
    [statement] = smtp_server.to("zed@mail.example")
    assert "Ground: Personal attack." in text_of(statement)
    assert "Signed in and removed." in text_of(statement)
