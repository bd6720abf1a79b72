"""The SMTP adapter on its own: URL forms, message building, header safety, error mapping."""

from __future__ import annotations

from datetime import timedelta

import pytest

from rostra.domain.subscriptions import (
    MailDeferredError,
    MailRejectedError,
    OutgoingMail,
    article_url,
    one_line,
    retry_delay,
)
from rostra.notify.mail import SmtpMailer, parse_smtp_url
from tests.notify.smtp import SmtpServer


def mail(**overrides: object) -> OutgoingMail:
    values: dict[str, object] = {
        "template": "reply",
        "to": "ann@mail.example",
        "message_key": "rostra.7.abc",
        "context": {
            "site_title": "News",
            "page": "/a",
            "page_url": "https://news.example/a",
            "items": [{"author": "Bob", "excerpt": "Hi", "url": "https://news.example/a#c"}],
            "unsubscribe_url": "https://c.example/u",
            "manage_url": "https://c.example/m",
        },
        "unsubscribe_url": "https://c.example/u",
    }
    values.update(overrides)
    return OutgoingMail(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("url", "host", "port", "user", "password", "tls", "starttls"),
    [
        ("smtp://mail.example", "mail.example", 25, None, None, False, None),
        (
            "smtp://u:p%40ss@mail.example:587?starttls=true",
            "mail.example",
            587,
            "u",
            "p@ss",
            False,
            True,
        ),
        ("smtp://mail.example:2525?starttls=false", "mail.example", 2525, None, None, False, False),
        ("smtps://u:p@mail.example", "mail.example", 465, "u", "p", True, False),
    ],
)
def test_smtp_urls_are_understood(
    url: str,
    host: str,
    port: int,
    user: str | None,
    password: str | None,
    tls: bool,
    starttls: bool | None,
) -> None:
    server = parse_smtp_url(url)
    assert (server.host, server.port, server.username, server.password) == (
        host,
        port,
        user,
        password,
    )
    assert (server.use_tls, server.start_tls) == (tls, starttls)


@pytest.mark.parametrize(
    "url",
    ["http://mail.example", "smtp://", "smtps://mail.example?starttls=true", "smtp://h?starttls=x"],
)
def test_bad_smtp_urls_are_refused(url: str) -> None:
    with pytest.raises(ValueError, match="ROSTRA_SMTP_URL"):
        parse_smtp_url(url)


def test_mail_from_must_be_an_address() -> None:
    with pytest.raises(ValueError, match="ROSTRA_MAIL_FROM"):
        SmtpMailer("smtp://127.0.0.1:1", "not an address")


def test_message_has_one_line_headers_even_from_hostile_values() -> None:
    mailer = SmtpMailer("smtp://127.0.0.1:1", "Comments <comments@news.example>\r\nBcc: x@y.z")
    hostile = mail(
        to="ann@mail.example\r\nBcc: victim@example.org",
        message_key="rostra.1.x\r\nX-Evil: 1",
        context={
            **mail().context,
            "items": [{"author": "A\r\nBcc: v@e.org", "excerpt": "", "url": None}],
        },
    )
    message = mailer.build(hostile)
    raw = message.as_string()
    header_block = raw.split("\n\n", 1)[0]
    assert "\nBcc:" not in header_block
    assert "\nX-Evil:" not in header_block
    assert message["Subject"] == "A Bcc: v@e.org replied to your comment on News"
    assert message["List-Unsubscribe"] == "<https://c.example/u>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Reply-To"] is None


async def test_unreachable_server_is_a_deferral(smtp_server: SmtpServer) -> None:
    smtp_server.stop()
    mailer = SmtpMailer(smtp_server.url, "comments@news.example")
    with pytest.raises(MailDeferredError):
        await mailer.send(mail())


async def test_4xx_is_a_deferral_and_5xx_a_rejection(smtp_server: SmtpServer) -> None:
    mailer = SmtpMailer(smtp_server.url, "comments@news.example")
    smtp_server.collector.defer_next = 1
    with pytest.raises(MailDeferredError, match="451"):
        await mailer.send(mail())
    smtp_server.collector.refuse["ann@mail.example"] = "550 5.1.1 unknown"
    with pytest.raises(MailRejectedError, match="550"):
        await mailer.send(mail())
    smtp_server.collector.refuse["ann@mail.example"] = "452 4.2.2 mailbox full"
    with pytest.raises(MailDeferredError, match="452"):
        await mailer.send(mail())
    del smtp_server.collector.refuse["ann@mail.example"]
    await mailer.send(mail())
    [received] = smtp_server.messages
    assert received["Message-ID"] == "<rostra.7.abc@news.example>"


def test_one_line_removes_every_kind_of_line_break() -> None:
    assert one_line("a\r\nb\nc\rd\x0be\u2028f\x85g") == "a b c d e f g"
    assert one_line("x" * 300, 10) == "x" * 9 + "…"


def test_backoff_doubles_and_is_capped() -> None:
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3)] == [30, 60, 120]
    assert retry_delay(50) == timedelta(hours=1)


def test_article_links_come_from_the_page_and_the_site_origin() -> None:
    assert article_url(("https://n.example",), "/a", "c1") == "https://n.example/a#comment-c1"
    assert article_url((), "https://n.example/b") == "https://n.example/b"
    assert article_url(("https://n.example",), "article-42") is None
