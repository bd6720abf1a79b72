"""Error messages a reader can meet, in the reader's language: the widget's ``lang`` in the
body, else ``Accept-Language``; ``code`` and ``field`` never change, since clients key on
them. On both databases."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from rostra.domain.languages import translate_sentence
from rostra.services.registry import Services
from tests.api.helpers import assert_error, new_comment, post_comment
from tests.api.staff_helpers import MODERATOR, add_staff, api_client, sign_in

# Which messages are in every catalogue is tests/unit/test_reader_messages.py's to check.


def test_messages_with_values_are_found_again_with_their_values() -> None:
    made = "You are posting faster than this site allows; try again in 12 s."
    assert translate_sentence("de", made) == (
        "Sie schreiben schneller, als diese Website erlaubt; versuchen Sie es in 12 s erneut."
    )
    assert translate_sentence("fr", "'body' is required.") == "'body' est obligatoire."
    assert translate_sentence("de", "A sentence nobody wrote.") == "A sentence nobody wrote."
    assert translate_sentence("", made) == made


async def test_a_german_reader_gets_german_messages_with_the_same_code_and_field(
    client: httpx.AsyncClient,
) -> None:
    # The widget's choice, in the body.
    empty = await post_comment(client, body="   ", lang="de")
    error = assert_error(empty, 400, "invalid", "body")
    assert error["message"] == "Der Kommentar ist leer."
    # The browser's choice, in the header (here for a body without 'body' at all).
    body: dict[str, Any] = {"site": "news", "page": "/2026/11/article", "author_name": "Jonas"}
    headers = {"Accept-Language": "nl, de-DE;q=0.8, en;q=0.5"}
    missing = await client.post("/api/v1/comments", json=body, headers=headers)
    error = assert_error(missing, 400, "invalid", "body")
    assert error["message"] == "'body' fehlt."
    # The body's language wins over the header's.
    french = await client.post(
        "/api/v1/comments", json={**body, "body": "  ", "lang": "fr"}, headers=headers
    )
    assert assert_error(french, 400, "invalid", "body")["message"] == "Le commentaire est vide."
    vote = await client.post(
        "/api/v1/comments/no-such-comment/vote",
        json={"value": 1},
        headers={"Accept-Language": "de"},
    )
    assert (
        assert_error(vote, 404, "not_found", "id")["message"] == "Diesen Kommentar gibt es nicht."
    )


async def test_the_decoders_messages_are_translated_and_still_name_the_field(
    client: httpx.AsyncClient,
) -> None:
    # What the widget sends on every call: the page's language, whatever the browser's.
    german = {"Accept-Language": "de"}
    body = {"site": "news", "page": "/2026/11/article", "author_name": 5, "body": "Hi"}
    wrong_type = await client.post("/api/v1/comments", json=body, headers=german)
    error = assert_error(wrong_type, 400, "invalid", "author_name")
    assert error["message"] == "Erwartet wurde `str`, nicht `int`."
    vote = await client.post(
        "/api/v1/comments/x/vote", json={"value": 1, "extra": 1}, headers=german
    )
    assert assert_error(vote, 400, "invalid", None)["message"] == (
        "Das Objekt enthält das unbekannte Feld `extra`."
    )
    not_json = await client.post(
        "/api/v1/comments", content=b"body=Hi", headers={**german, "Content-Type": "text/plain"}
    )
    assert assert_error(not_json, 415, None, None)["message"] == (
        "Der Inhalt muss JSON sein, gesendet mit 'Content-Type: application/json'."
    )
    malformed = await client.post(
        "/api/v1/comments",
        content=b'{"body": ',
        headers={**german, "Content-Type": "application/json"},
    )
    assert assert_error(malformed, 400, "invalid", None)["message"] == (
        "Der Inhalt ist kein gültiges JSON (Input data was truncated)."
    )


async def test_a_notice_from_the_widget_is_answered_in_its_language(
    client: httpx.AsyncClient,
) -> None:
    comment = await new_comment(client)
    notice = {
        "comment_id": comment["id"],
        "category": "defamation",
        "explanation": "Too short",
        "name": "Jonas",
        "email": "jonas@mail.example",
        "good_faith": True,
    }
    german = {"Accept-Language": "de"}
    short = await client.post("/api/v1/dsa/notices", json=notice, headers=german)
    error = assert_error(short, 400, "invalid", "explanation")
    assert error["message"] == (
        "Die Begründung, warum der Kommentar rechtswidrig ist, braucht mindestens 10 Zeichen."
    )
    notice["explanation"] = "It says I took bribes, which is false."
    sent = await client.post("/api/v1/dsa/notices", json=notice, headers={"Accept-Language": "pl"})
    assert sent.status_code == 201, sent.text
    reference = sent.json()["reference"]
    assert sent.json()["message"].startswith(
        f"Dziękujemy. Otrzymaliśmy Twoje zgłoszenie; jego numer to {reference}."
    )


@pytest.mark.parametrize("lang", [None, "en-GB", "nl", "zh-Hant-TW"])
async def test_english_and_languages_rostra_does_not_speak_read_english(
    client: httpx.AsyncClient, lang: str | None
) -> None:
    extra = {} if lang is None else {"lang": lang}
    headers = {"Accept-Language": "nl, zh;q=0.5"}
    response = await client.post(
        "/api/v1/comments",
        json={"site": "news", "page": "/2026/11/article", "author_name": "A", "body": " ", **extra},
        headers=headers,
    )
    error = assert_error(response, 400, "invalid", "body")
    assert error["message"] == "The comment is empty."


async def test_slow_mode_and_closed_threads_answer_in_the_readers_language(
    client: httpx.AsyncClient, services: Services, clock: Any
) -> None:
    await add_staff(services, MODERATOR, "moderator")
    await sign_in(client, MODERATOR)
    await new_comment(client)
    found = await client.get(
        "/api/v1/moderation/threads", params={"site": "news", "page": "/2026/11/article"}
    )
    thread = f"/api/v1/moderation/threads/{found.json()['id']}"
    assert (await client.patch(thread, json={"slow_mode_minutes": 5})).status_code == 200
    clock.advance(minutes=5)
    async with await api_client(services) as reader:
        assert (await post_comment(reader, body="First.", lang="de")).status_code == 201
        clock.advance(minutes=2)
        slowed = await post_comment(reader, body="Second.", lang="de")
        error = assert_error(slowed, 429, "slow_mode", None)
        assert error["message"] == (
            "Dieser Artikel ist im langsamen Modus: ein Kommentar alle 5 Minuten. "
            "Sie können in 3 Minuten wieder kommentieren."
        )
        assert error["retry_after"] == 180
        clock.advance(minutes=2)
        one = await post_comment(reader, body="Second.", lang="uk")
        assert assert_error(one, 429, "slow_mode", None)["message"].endswith(
            "Ви зможете знову прокоментувати за хвилину."
        )
        assert (await client.patch(thread, json={"closed": True})).status_code == 200
        closed = await reader.post(
            "/api/v1/comments",
            json={"site": "news", "page": "/2026/11/article", "author_name": "A", "body": "Hi"},
            headers={"Accept-Language": "ar"},
        )
        error = assert_error(closed, 403, "thread_closed", None)
        assert error["message"] == "التعليقات مغلقة على هذا المقال."
    # Staff read English, whatever their browser says.
    staff = await client.post(
        "/api/v1/moderation/comments/no-such-comment/approve", headers={"Accept-Language": "de"}
    )
    assert assert_error(staff, 404, "not_found")["message"] == "There is no such comment."
