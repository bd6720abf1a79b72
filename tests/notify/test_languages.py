"""Mail and pages in the reader's language: the widget sends its language with a subscription
or a comment; the confirmation mail, reply notifications and the pages behind their links
(confirm, unsubscribe, manage) use it. Against a real SMTP server, on both databases."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from rostra.domain.dsa import NOTICE_CATEGORIES
from rostra.domain.languages import LANGUAGES, catalogue, preferred_language, reader_language
from rostra.services.dsa_statements import DEFAULT_GROUNDS
from rostra.services.registry import Services
from rostra.web.api.dsa import ACKNOWLEDGED, ACKNOWLEDGED_MAILED
from rostra.web.api.dsa_appeals import RECEIVED
from tests.api.helpers import PAGE, assert_error, new_comment
from tests.notify.smtp import SmtpServer, deliver, html_of, link, text_of

SRC = Path(__file__).resolve().parents[2] / "src" / "rostra"
# "Confirm your notifications from %(site)s" in each language, as the subject begins.
SUBJECTS = {
    "de": "Bestätigen Sie Ihre Benachrichtigungen",
    "fr": "Confirmez vos notifications",
    "es": "Confirme sus avisos",
    "it": "Conferma le notifiche",
    "pt": "Confirme as suas notificações",
    "pl": "Potwierdź powiadomienia",
    "ru": "Подтвердите уведомления",
    "uk": "Підтвердьте сповіщення",
    "ar": "أكّد إشعاراتك",
}


async def subscribe(
    client: httpx.AsyncClient, services: Services, smtp: SmtpServer, email: str, **extra: Any
) -> Any:
    before = len(smtp.messages)
    body = {"site": "news", "page": PAGE, "email": email, "kind": "all", **extra}
    response = await client.post("/api/v1/subscriptions", json=body)
    assert response.status_code == 202, response.text
    await deliver(services)
    [mail] = smtp.messages[before:]
    return mail


async def test_a_german_reader_gets_german_mail_and_german_pages(
    client: httpx.AsyncClient, services: Services, smtp_server: SmtpServer
) -> None:
    mail = await subscribe(client, services, smtp_server, "jonas@mail.example", lang="de-AT")
    assert mail["Subject"] == "Bestätigen Sie Ihre Benachrichtigungen von The Example News"
    text = text_of(mail)
    assert text.startswith("Hallo,")
    assert f"neue Kommentare zu https://news.example{PAGE}" in text
    assert "Benachrichtigungen bestätigen" in html_of(mail)
    assert '<html lang="de">' in html_of(mail)

    confirm_url = link(mail, "confirm")
    page = await client.get(confirm_url)
    assert '<html lang="de">' in page.text and "Ja, bestätigen" in page.text
    done = await client.post(re.search(r'action="([^"]+)"', page.text)[1].replace("&amp;", "&"))  # type: ignore[index]
    assert done.status_code == 200 and "<h1>Bestätigt</h1>" in done.text

    # A reply notification speaks German too (a "replies" subscription made from the form).
    ann = await new_comment(
        client, author_name="Jonas", author_email="jonas@mail.example", notify="replies", lang="de"
    )
    await deliver(services)
    confirm_replies = smtp_server.to("jonas@mail.example")[-1]
    assert (await client.post(link(confirm_replies, "confirm"))).status_code == 200
    await new_comment(client, author_name="Bea", parent_id=ann["id"], body="Stimmt nicht.")
    await deliver(services)
    notice = smtp_server.to("jonas@mail.example")[-1]
    assert notice["Subject"] == "Bea hat auf Ihren Kommentar bei The Example News geantwortet"
    assert "Lesen und antworten:" in text_of(notice)

    unsubscribe = await client.get(link(notice, "unsubscribe"))
    assert "<h1>Abbestellen</h1>" in unsubscribe.text
    action = re.search(r'action="([^"]+)"', unsubscribe.text)[1].replace("&amp;", "&")  # type: ignore[index]
    gone = await client.post(action)
    assert "<h1>Abbestellt</h1>" in gone.text


@pytest.mark.parametrize("lang", sorted(SUBJECTS))
async def test_the_confirmation_mail_and_page_in_each_language(
    client: httpx.AsyncClient, services: Services, smtp_server: SmtpServer, lang: str
) -> None:
    mail = await subscribe(client, services, smtp_server, f"{lang}@mail.example", lang=lang)
    assert mail["Subject"].startswith(SUBJECTS[lang])
    page = await client.get(link(mail, "confirm"))
    assert f'<html lang="{lang}"' in page.text
    assert catalogue(lang)["Yes, confirm"] in page.text
    if lang == "ar":
        assert 'dir="rtl"' in page.text and 'dir="rtl"' in html_of(mail)


async def test_english_and_languages_rostra_does_not_speak_read_english(
    client: httpx.AsyncClient, services: Services, smtp_server: SmtpServer
) -> None:
    for n, lang in enumerate([None, "en-GB", "nl", "zh-Hant-TW"]):
        extra = {} if lang is None else {"lang": lang}
        mail = await subscribe(client, services, smtp_server, f"r{n}@mail.example", **extra)
        assert mail["Subject"] == "Confirm your notifications from The Example News", lang


@pytest.mark.parametrize("lang", ["d", "de_DE!", "<de>", "de-" + "x" * 40, "1234", 7, ["de"]])
async def test_a_language_that_is_no_language_tag_is_refused(
    client: httpx.AsyncClient, services: Services, smtp_server: SmtpServer, lang: Any
) -> None:
    body = {"site": "news", "page": PAGE, "email": "x@mail.example", "kind": "all", "lang": lang}
    assert_error(await client.post("/api/v1/subscriptions", json=body), 400, None, "lang")
    await deliver(services)
    assert smtp_server.messages == []  # nothing stored, nothing sent
    comment = {"site": "news", "page": PAGE, "author_name": "A", "body": "Hi", "lang": lang}
    assert_error(await client.post("/api/v1/comments", json=comment), 400, None, "lang")


async def test_a_broken_link_page_follows_the_browsers_language(client: httpx.AsyncClient) -> None:
    page = await client.get(
        "/api/v1/subscriptions/confirm",
        params={"token": "not-a-token"},
        headers={"Accept-Language": "nl, fr;q=0.8, en;q=0.5"},
    )
    assert page.status_code == 400
    assert '<html lang="fr">' in page.text and "Ce lien ne fonctionne pas" in page.text
    assert preferred_language("en-US, de") == "" and preferred_language(None) == ""
    assert reader_language("PT-br") == "pt"


def test_every_text_the_mail_and_pages_use_is_in_every_language() -> None:
    used = set()
    templates = [*(SRC / "notify" / "templates").glob("*/*"), *(SRC / "web" / "pages").glob("*")]
    for template in templates:
        for text in re.findall(r'\bt\("((?:[^"\\]|\\.)*)"', template.read_text()):
            used.add(text.replace('\\"', '"'))
    pages = (SRC / "web" / "api" / "subscriptions.py").read_text()
    used |= set(re.findall(r'(?:_page|_say|translate)\(\s*\w+,\s*"([^"]+)"', pages))
    used |= set(re.findall(r'_button\(\s*\w+,\s*[^,]+,\s*"([^"]+)"', pages))
    # The EU DSA pages: their labels, categories and Rostra's own words in them.
    used |= {*NOTICE_CATEGORIES.values(), *DEFAULT_GROUNDS.values()}
    used |= {RECEIVED, ACKNOWLEDGED, ACKNOWLEDGED_MAILED}
    assert "Hello," in used and "Yes, confirm" in used and "Unsubscribe from all" in used
    assert "Send the notice" in used and "Reasons:" in used and "Diffamation" not in used
    assert any(text.startswith("Use this form") and '"Report"' in text for text in used)
    for lang in LANGUAGES[1:]:
        table = catalogue(lang)
        assert used <= set(table), (lang, sorted(used - set(table)))
        for english, translated in table.items():
            placeholders = sorted(re.findall(r"%\((\w+)\)s", english))
            assert sorted(re.findall(r"%\((\w+)\)s", translated)) == placeholders, translated
