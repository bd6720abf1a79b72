"""The EU DSA pages and mails in the reader's language: the notice form in the widget's
language (its link says it) or the browser's, the acknowledgement mail and the notice's
decision in the language the notice was sent in; the statement of reasons, the appeal page
behind its link and the appeal's decision in the language the author subscribed in. Against a
real SMTP server (aiosmtpd), on both databases."""

from __future__ import annotations

import re

import httpx

from rostra.services.registry import Services
from tests.api.helpers import PAGE, new_comment
from tests.api.staff_helpers import MODERATOR, add_staff, api_client, sign_in
from tests.notify.smtp import SmtpServer, deliver, html_of, link, text_of

APPEAL_LINK = re.compile(r"https://comments\.example(/dsa/appeal\?token=[^\s\"<>]+)")
JONAS = "jonas@mail.example"


def form_token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None, html
    return found.group(1)


async def test_the_notice_page_and_its_mail_speak_the_widgets_language(
    client: httpx.AsyncClient, services: Services, smtp_server: SmtpServer
) -> None:
    comment = await new_comment(client, body="Le maire a volé la caisse.")
    # The widget's link names its language; the browser's (German here) comes second.
    browser = {"Accept-Language": "de"}
    page = await client.get(
        "/dsa/notice", params={"comment": comment["id"], "lang": "fr"}, headers=browser
    )
    assert page.status_code == 200
    assert '<html lang="fr">' in page.text
    assert "<h1>Signaler un contenu illicite</h1>" in page.text
    assert '<option value="defamation">Diffamation</option>' in page.text
    assert 'name="lang" value="fr"' in page.text  # the form keeps it
    form = {
        "csrf_token": form_token(page.text),
        "comment": comment["id"],
        "lang": "fr",
        "category": "defamation",
        "explanation": "Court",
        "name": "Léa",
        "email": "lea@mail.example",
        "good_faith": "yes",
    }
    short = await client.post("/dsa/notice", data=form, headers=browser)
    assert short.status_code == 400
    assert (
        "L’explication du caractère illicite du commentaire doit compter au moins 10 caractères."
        in short.text
    )
    form["csrf_token"] = form_token(short.text)
    form["explanation"] = "Il m’accuse d’un vol que je n’ai pas commis."
    sent = await client.post("/dsa/notice", data=form, headers=browser)
    assert sent.status_code == 201, sent.text
    reference = re.search(r"sa référence est (N[0-9A-Z_-]+)\.", sent.text)
    assert reference is not None, sent.text
    assert "Une copie est en route vers votre adresse e-mail." in sent.text

    assert await deliver(services) == 1
    [mail] = smtp_server.to("lea@mail.example")
    assert mail["Subject"] == (
        f"Votre signalement d’un commentaire sur The Example News (référence {reference.group(1)})"
    )
    text = text_of(mail)
    assert text.startswith("Bonjour Léa,")
    assert "Catégorie : Diffamation" in text
    assert "Le maire a volé la caisse." in text
    assert '<html lang="fr">' in html_of(mail)

    # The decision reaches Léa in the language she sent the notice in, whoever decides it.
    await add_staff(services, MODERATOR, "moderator")
    staff = await api_client(services)
    await sign_in(staff, MODERATOR)
    decided = await staff.post(
        f"/api/v1/moderation/dsa/notices/{reference.group(1)}/decision",
        json={"action": "keep", "reason": "A statement of opinion."},
        headers={"Accept-Language": "en"},
    )
    assert decided.status_code == 200, decided.text
    assert await deliver(services) == 1
    outcome = smtp_server.to("lea@mail.example")[-1]
    assert outcome["Subject"].startswith(f"Décision sur votre signalement {reference.group(1)}")
    assert "Décision : le commentaire reste en ligne" in text_of(outcome)
    assert "A statement of opinion." in text_of(outcome)  # staff's own words as written
    await staff.aclose()

    # Without a language in the link, the browser's; Arabic reads right to left.
    arabic = await client.get(
        "/dsa/notice", params={"comment": comment["id"]}, headers={"Accept-Language": "ar, en"}
    )
    assert '<html lang="ar" dir="rtl">' in arabic.text
    assert "الإبلاغ عن محتوى غير قانوني" in arabic.text
    unknown = await client.get("/dsa/notice", params={"comment": "nope"}, headers=browser)
    assert unknown.status_code == 404
    assert "Diesen Kommentar gibt es nicht." in unknown.text


async def test_the_statement_appeal_page_and_decision_speak_the_authors_language(
    client: httpx.AsyncClient, services: Services, smtp_server: SmtpServer
) -> None:
    # Jonas subscribed from a German page: his subscription stores the language.
    subscribed = await client.post(
        "/api/v1/subscriptions",
        json={"site": "news", "page": PAGE, "email": JONAS, "kind": "replies", "lang": "de"},
    )
    assert subscribed.status_code == 202, subscribed.text
    await deliver(services)
    [confirmation] = smtp_server.to(JONAS)
    assert (await client.post(link(confirmation, "confirm"))).status_code == 200
    comment = await new_comment(
        client, author_name="Jonas", author_email=JONAS, body="Das ist meine Meinung."
    )
    await add_staff(services, MODERATOR, "moderator")
    staff = await api_client(services)
    await sign_in(staff, MODERATOR)
    rejected = await staff.post(f"/api/v1/moderation/comments/{comment['id']}/reject")
    assert rejected.status_code == 200, rejected.text
    assert await deliver(services) == 1
    statement = smtp_server.to(JONAS)[-1]
    assert statement["Subject"].startswith("Warum Ihr Kommentar bei The Example News entfernt")
    text = text_of(statement)
    assert text.startswith("Hallo Jonas,")
    # No reason given by staff: Rostra's own ground, in German.
    assert "Grund: Der Kommentar verstößt gegen die Diskussionsregeln der Website." in text
    assert "Automatisierte Mittel: keine; die Entscheidung hat ein Mensch getroffen." in text
    assert '<html lang="de">' in html_of(statement)
    found = APPEAL_LINK.search(text)
    assert found is not None, text
    path = found.group(1)
    assert path.endswith("&lang=de")

    page = await client.get(path, headers={"Accept-Language": "en"})
    assert page.status_code == 200, page.text
    assert '<html lang="de">' in page.text
    assert "<h1>Beschwerde gegen eine Moderationsentscheidung</h1>" in page.text
    assert "Die angegebene Begründung: Der Kommentar verstößt gegen" in page.text
    token = re.search(r'name="token" value="([^"]+)"', page.text)
    assert token is not None
    form = {"csrf_token": form_token(page.text), "token": token.group(1), "lang": "de"}
    short = await client.post("/dsa/appeal", data={**form, "explanation": "Falsch"})
    assert short.status_code == 400
    assert "Die Begründung Ihrer Beschwerde braucht mindestens 10 Zeichen." in short.text
    form["csrf_token"] = form_token(short.text)
    sent = await client.post(
        "/dsa/appeal", data={**form, "explanation": "Ich habe niemanden beleidigt."}
    )
    assert sent.status_code == 201, sent.text
    assert "Vielen Dank. Ihre Beschwerde ist eingegangen" in sent.text

    decided = await staff.post(
        f"/api/v1/moderation/dsa/appeals/{statement['Subject'].split()[-1].rstrip(')')}/decision",
        json={"action": "uphold", "reason": "Eine Beleidigung bleibt eine Beleidigung."},
    )
    assert decided.status_code == 200, decided.text
    assert await deliver(services) == 1
    outcome = smtp_server.to(JONAS)[-1]
    assert outcome["Subject"].startswith("Entscheidung zu Ihrer Beschwerde S")
    assert "Entscheidung: Die Entfernung bleibt bestehen." in text_of(outcome)
    # Staff's own words stay as they wrote them.
    assert "Begründung: Eine Beleidigung bleibt eine Beleidigung." in text_of(outcome)
