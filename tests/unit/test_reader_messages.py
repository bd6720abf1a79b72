"""Every error message a reader can meet is in every language's catalogue, found in the code
(``tests.unit.reader_messages``) rather than listed by hand, so that a new message cannot stay
English unnoticed; the few messages only staff, the publisher's developers or a broken client
meet are named here, and must still exist."""

from __future__ import annotations

import re
from typing import Annotated, Literal

import msgspec
import pytest

from rostra.domain.errors import ValidationError
from rostra.domain.languages import LANGUAGES, catalogue, translate_sentence
from rostra.services.screening import REJECTION_MESSAGES
from rostra.web.decoding import decode
from tests.unit.reader_messages import raised, shape

# Messages in the reader's modules that no reader meets through the widget, pages or mail.
NOT_FOR_READERS = {
    # Staff: settings, sign-in, notices, appeals and exports.
    "'category' must be one of {}.",
    "'from' must be before 'to'.",
    "'report_threshold' must be at least 1.",
    "'status' must be open, actioned or dismissed.",
    "'status' must be open, upheld or reversed.",
    "'{}' must be a date such as 2026-01-31.",
    "A reaction is 1-{} characters: {}.",
    "A reaction may not hold control characters: {}.",
    "A site offers at most {} reactions.",
    "An HS256 secret must be at least {} characters.",
    "Each reaction is an emoji or a short label.",
    "Give an email address.",
    "Limits cannot be negative.",
    "The account has no email address to claim by.",
    "The client secret is 8-1024 characters.",
    "The key does not fit {}.",
    "The key must be a PEM public key ('-----BEGIN PUBLIC KEY-----').",
    "The password is too long.",
    "The password needs at least {} characters.",
    "The reason for the decision has at most {} characters.",
    "The reason for the decision is required.",
    "The role is 'moderator' or 'admin'.",
    "The {} provider is not configured on this server.",
    "There is no active staff account for {}.",
    "There is no payment provider {}.",
    "Thresholds must satisfy 0 ≤ hold ≤ reject ≤ 1.",
    "{} is listed twice.",
    # The publisher's integration: a site, origin, token or identity provider set up wrongly.
    "A return address is needed.",
    "Pages at {} may not post to site {}; add the origin with `rostra site add --origin`.",
    "The ID token belongs to another sign-in.",
    "The ID token comes from another issuer.",
    "The ID token has expired.",
    "The ID token has no {}.",
    "The ID token was issued in the future.",
    "The ID token was made for another client.",
    "The ID token's 'exp' must be a number.",
    "The ID token's signature does not check out ({}).",
    "The page is not on one of the site's origins.",
    "The page must be on one of the site's origins.",
    "The provider's ID token cannot be read.",
    "The provider's ID token is not a JSON Web Token.",
    "The provider's answer has no code.",
    "The provider's signing keys cannot be read.",
    "The return address must be a page of the site.",
    "There is no site called {}.",
    "This sign-in token was used already; sign a fresh one per page view.",
    # Values the widget always sends right: only another client gets them wrong.
    "'before' must be a time as given in next_before.",
    "'before' needs a time zone.",
    "'end' must come after 'start'.",
    "'kind' is all or replies.",
    "'limit' is 1-100.",
    "'limit' must be between 1 and {}.",
    "'notify' is none, replies or all.",
    "'passage' must be the feedback point's id, 1-{} characters.",
    "'reaction' is one of the site's reactions, or null.",
    "'sort' is newest, oldest, votes, reactions or featured.",
    "'{}' must be a character offset between 0 and {}.",
    "'{}' must be text.",
    "A vote is 1 (up), -1 (down) or 0 (withdraw).",
    "An anchor needs the quoted passage in 'exact'.",
    "Ask for at most {} pages at once.",
    "Give both 'start' and 'end', or neither.",
    "Last-Event-ID must be an id this stream sent.",
    "Replies belong to their parent's passage; leave 'anchor' empty.",
    "Send the {} as multipart/form-data in field 'file'.",
    "The article text is longer than {} characters.",
    "The cursor is not one this server gave out for this sort order.",
    "The featured comments are one page: send no cursor.",
    "The form has no file in field 'file'.",
    "The same image is listed twice.",
    "The sign-in token is not valid.",
    "The upload token does not belong to image {}.",
    "There is no uploaded image {}.",
    "This site does not offer reactions.",
    "{} is not one of this site's reactions ({}).",
}
# Where a message is a variable, and where its sentences come from.
MADE_ELSEWHERE = {
    ("services/comments.py", "post_comment"): "screening's REJECTION_MESSAGES",
    ("services/comments.py", "edit_comment"): "screening's REJECTION_MESSAGES",
    ("web/decoding.py", "_validation_error"): "msgspec (test_decoder_messages_...)",
}
# What the framework and the decoder say, besides the raise sites above.
FRAMEWORK_MESSAGES = (
    "'%(field)s' is required.",
    "Nothing at %(path)s.",
    "Something went wrong on our side; it has been logged.",
    "The body must be JSON, sent with 'Content-Type: application/json'.",
    "The request body is too large.",
    "The request is nested too deeply.",
    "The request needs a JSON object as its body.",
)


def reader_texts() -> set[str]:
    return {
        found.text
        for found in raised()
        if found.text is not None and not found.staff and found.text not in NOT_FOR_READERS
    }


def missing_from(lang: str, texts: set[str]) -> list[str]:
    keys = {shape(key) for key in catalogue(lang)}
    return sorted(text for text in texts if shape(text) not in keys)


def test_the_scan_finds_the_messages_readers_meet() -> None:
    texts = reader_texts()
    assert {
        "The comment is empty.",
        "{} is not an email address.",
        "You cannot vote on your own comment.",
        "Too many notices from your address; try again in {} s.",
        "This appeal link is not valid.",
        "Your name is required.",  # given to a helper that raises it
        "This article is in slow mode: one comment every {} minutes. "
        "You can comment again in 1 minute.",  # both sentences of a conditional
    } <= texts
    assert "The password is too long." not in texts


@pytest.mark.parametrize("lang", LANGUAGES[1:])
def test_every_message_a_reader_can_meet_is_in_every_language(lang: str) -> None:
    texts = reader_texts() | set(REJECTION_MESSAGES.values()) | set(FRAMEWORK_MESSAGES)
    assert missing_from(lang, texts) == []


def test_the_messages_named_as_not_for_readers_still_exist() -> None:
    everywhere = {found.text for found in raised()}
    assert sorted(NOT_FOR_READERS - everywhere) == []


def test_messages_made_elsewhere_are_only_the_known_ones() -> None:
    made = {(found.module, found.function) for found in raised() if found.text is None}
    assert made == set(MADE_ELSEWHERE)


class Sample(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=3)] = "x"
    count: Annotated[int, msgspec.Meta(ge=0, le=5)] = 0
    notify: Literal["none", "all"] = "none"
    images: Annotated[list[str], msgspec.Meta(max_length=1)] = []
    email: str | None = None


BAD_BODIES = [
    ({"name": 1}, "name"),
    ({"name": ""}, "name"),
    ({"name": "abcd"}, "name"),
    ({"count": -1}, "count"),
    ({"count": 9}, "count"),
    ({"notify": "daily"}, "notify"),
    ({"images": ["a", "b"]}, "images"),
    ({"images": [1]}, "images.0"),
    ({"email": 3}, "email"),
    ({"unknown": 1}, None),
    ({}, None),  # a body whose wrong part is its type: checked below as a list
]


@pytest.mark.parametrize(("body", "field"), BAD_BODIES)
def test_decoder_messages_are_in_every_language_with_their_values(
    body: dict[str, object], field: str | None
) -> None:
    data: object = body or []
    with pytest.raises(ValidationError) as raised_error:
        decode(data, Sample)
    message = raised_error.value.message
    assert raised_error.value.field == field
    values = re.findall(r"`[^`]*`|'[^']*'|\d+", message)
    for lang in LANGUAGES[1:]:
        translated = translate_sentence(lang, message)
        assert translated != message, (lang, message)
        for value in values:  # the types, names and numbers come through unchanged
            assert value in translated, (lang, message, translated)
