"""`rostra demo` shows every capability with no outside service: its own mail on /demo/mail
(subscribe, confirm, reply notification, one-click unsubscribe, sign-in by email link) and
donations through the demo payment provider (checkout page, signed webhook, live total).

One demo server and one browser for the whole module: the tests use different readers."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.e2e.conftest import DemoServer, running_demo

pytestmark = pytest.mark.browser
ARTICLE = "/2026/11/river-bridge-reopens"
MAIL_ATTEMPTS = 60  # mailbox reloads (the outbox worker polls every second)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    """One ``rostra demo`` for the module (its SMTP sink and payment desk included)."""
    with running_demo(tmp_path_factory.mktemp("demo")) as demo:
        yield demo


def open_mail(page: object, server: DemoServer, to: str, subject: str) -> str:
    """Reload /demo/mail until a message to ``to`` whose subject contains ``subject`` is
    listed, open it, and return its text."""
    for _ in range(MAIL_ATTEMPTS):
        page.goto(f"{server.url}/demo/mail")  # type: ignore[attr-defined]
        item = page.locator(".mail-list li", has_text=to).filter(has_text=subject)  # type: ignore[attr-defined]
        if item.count():
            item.first.get_by_role("link").click()
            return str(page.locator("pre").inner_text())  # type: ignore[attr-defined]
        page.wait_for_timeout(500)  # type: ignore[attr-defined]
    pytest.fail(f"No mail to {to} about {subject!r}:\n{server.output()[-3000:]}")


def test_notify_confirm_reply_unsubscribe_and_sign_in_by_mail(
    new_page: object, server: DemoServer
) -> None:
    from playwright.sync_api import expect

    page = new_page()
    footer_link = page.get_by_role("link", name="Mail this demo sent")  # type: ignore[attr-defined]
    expect(footer_link).to_have_attribute("href", "/demo/mail")
    thread = page.locator("#rostra-thread")  # type: ignore[attr-defined]
    form = thread.locator("form.form").first
    form.get_by_role("textbox", name="Your comment").fill(
        "Will the bridge be closed for the ceremony?"
    )
    form.get_by_label("Name").fill("Nora Reader")
    form.get_by_label("Notify of").select_option("all")
    form.get_by_role("button", name="Post comment").click()
    # Without an address the reader is asked for one in plain words, at the email field.
    email = form.get_by_label("Email")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(form).to_contain_text("Give your email address to be notified.")
    expect(form).not_to_contain_text("author_email")
    email.fill("nora@example.org")
    form.get_by_role("button", name="Post comment").click()
    expect(form.get_by_role("status")).to_have_text(re.compile("Check your inbox to confirm"))
    posted = thread.locator("article.c", has_text="closed for the ceremony")
    expect(posted).to_be_visible()

    # The confirmation mail, caught by the demo; its link leads to a page with a button.
    text = open_mail(page, server, "nora@example.org", "Confirm your notifications")
    assert "/api/v1/subscriptions/confirm?token=" in text
    page.locator("pre a", has_text="/subscriptions/confirm").click()  # type: ignore[attr-defined]
    page.get_by_role("button", name="Yes, confirm").click()  # type: ignore[attr-defined]
    expect(page.get_by_role("heading", name="Confirmed")).to_be_visible()  # type: ignore[attr-defined]

    # Another reader replies: the follower is mailed, with a link to the comment.
    comment = {"site": "demo", "page": ARTICLE, "author_name": "Omar Field"}
    comment["body"] = "Only until noon, says the council."
    reply = server.http.post("/api/v1/comments", json=comment, headers={"Origin": server.url})
    assert reply.status_code == 201, reply.text
    text = open_mail(page, server, "nora@example.org", "New comment")
    assert "Only until noon" in text
    assert f"{server.url}{ARTICLE}" in text

    # One click, as a mail program's Unsubscribe button does (RFC 8058).
    page.get_by_role("button", name=re.compile("Unsubscribe")).click()  # type: ignore[attr-defined]
    expect(page.get_by_role("heading", name="Unsubscribed")).to_be_visible()  # type: ignore[attr-defined]

    # Sign-in by email link: asked on the article, the link comes back to it.
    article = new_page(url=f"{server.url}{ARTICLE}")
    bar = article.locator(".rostra-account")  # type: ignore[attr-defined]
    bar.get_by_label("Name").fill("Nora Reader")
    bar.get_by_label("Email").fill("nora@example.org")
    bar.get_by_role("button", name="Email me a sign-in link").click()
    expect(bar.get_by_role("status")).to_have_text("Check your email for the sign-in link.")
    text = open_mail(article, server, "nora@example.org", "sign-in link")
    link = re.search(r"http://\S+#rostra-signin=\S+", text)
    assert link, text
    article.goto(link.group(0))  # type: ignore[attr-defined]
    expect(article.locator(".rostra-account")).to_contain_text("Signed in as Nora Reader")  # type: ignore[attr-defined]


def test_donation_cancel_and_complete_through_the_demo_provider(
    new_page: object, server: DemoServer
) -> None:
    from playwright.sync_api import expect

    page = new_page()
    support = page.locator("[data-rostra-support]")  # type: ignore[attr-defined]
    bar = support.get_by_role("progressbar")
    # The Gazette's campaign is in pounds, round amounts without pence.
    expect(bar).to_have_attribute("aria-valuetext", "£1,860 raised of £5,000 goal (37%)")
    before = server.http.get("/api/v1/campaigns/demo").json()["raised"]

    support.get_by_role("button", name="£25").click()
    support.get_by_role("button", name="Support Rostra Gazette").click()
    page.wait_for_url(re.compile(r"/demo/checkout/demo_cs_"))  # type: ignore[attr-defined]
    expect(page.get_by_role("heading", name="Demo checkout")).to_be_visible()  # type: ignore[attr-defined]
    expect(page.locator(".amount")).to_have_text("25.00 GBP")  # type: ignore[attr-defined]
    expect(page.get_by_role("note")).to_contain_text("no money moves")  # type: ignore[attr-defined]
    page.get_by_role("button", name="Cancel").click()  # type: ignore[attr-defined]
    page.wait_for_url(re.compile(rf"^{re.escape(server.url)}/#"))  # type: ignore[attr-defined]
    assert server.http.get("/api/v1/campaigns/demo").json()["raised"] == before

    support = page.locator("[data-rostra-support]")  # type: ignore[attr-defined]
    support.get_by_role("button", name="£50").click()
    support.get_by_role("checkbox").check()
    support.get_by_role("textbox", name="Name to show").fill("Ines Park")
    support.get_by_role("button", name="Support Rostra Gazette").click()
    page.wait_for_url(re.compile(r"/demo/checkout/demo_cs_"))  # type: ignore[attr-defined]
    page.get_by_role("button", name="Complete demo payment").click()  # type: ignore[attr-defined]
    page.wait_for_url(f"{server.url}/#rostra-support-thanks")  # type: ignore[attr-defined]
    support = page.locator("[data-rostra-support]")  # type: ignore[attr-defined]
    expect(support.get_by_role("status").filter(has_text="Thank you!")).to_be_visible()
    expect(support.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "1910")
    expect(support.locator(".who")).to_contain_text("Ines Park")
