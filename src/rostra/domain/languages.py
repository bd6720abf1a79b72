"""The reader's language on the server: what the widget sends, and the words Rostra's mail and
pages use in it.

The widget speaks English and nine other languages (``src/rostra/widget/lang-*.js``); it sends
its language with a subscription, a comment or a sign-in request, and whatever is sent to the
reader later (the confirmation mail, reply notifications, the pages behind their links) uses
the same one. Other languages read English.

The catalogue is one JSON file a language in ``messages/``, keyed by the English text, so a
template reads ``t("Confirm the notifications")`` and stays legible; a test checks that every
text the templates and pages use is in every file.
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources

from rostra.domain.errors import ValidationError

LANGUAGES = ("en", "de", "fr", "es", "it", "pt", "pl", "ru", "uk", "ar")
RIGHT_TO_LEFT = frozenset({"ar"})
_TAG = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*")
MAX_TAG_LENGTH = 35


def reader_language(value: object, field: str = "lang") -> str:
    """The language to store for a reader: one of ``LANGUAGES`` other than English, or ""
    (English) for none or a language Rostra does not speak. A value that is not a language
    tag at all is refused."""
    if value is None or value == "":
        return ""
    if not isinstance(value, str) or len(value) > MAX_TAG_LENGTH or not _TAG.fullmatch(value):
        raise ValidationError("'lang' must be a language tag such as de or pt-BR.", field=field)
    primary = re.split("[-_]", value, maxsplit=1)[0].lower()
    return primary if primary in LANGUAGES and primary != "en" else ""


def preferred_language(accept_language: str | None) -> str:
    """The first language of an ``Accept-Language`` header that Rostra speaks, else ""
    (for pages reached without a stored choice, such as a broken link)."""
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip()
        if tag and _TAG.fullmatch(tag) and len(tag) <= MAX_TAG_LENGTH:
            primary = reader_language(tag)
            if primary or tag.lower().startswith("en"):
                return primary
    return ""


@cache
def catalogue(lang: str) -> dict[str, str]:
    """The translations of ``lang`` (empty for English and unknown languages)."""
    if lang not in LANGUAGES or lang == "en":
        return {}
    text = resources.files("rostra.domain").joinpath("messages", f"{lang}.json").read_text("utf-8")
    found: dict[str, str] = json.loads(text)
    return found


def translate(lang: str, text: str) -> str:
    """``text`` (English) in ``lang``; English where a translation is missing."""
    return catalogue(lang).get(text, text)


# A catalogue key with values in it ("try again in %(n)s s.") matches a sentence such as
# "try again in 30 s.": the English text is made once with the values filled in, and this
# finds them again.
_VALUE = re.compile(r"%\((\w+)\)s")


@cache
def _patterns(lang: str) -> tuple[tuple[re.Pattern[str], str], ...]:
    found = []
    for english, translated in catalogue(lang).items():
        if _VALUE.search(english):
            parts = _VALUE.split(english)  # text, name, text, name, …, text
            regex = "".join(
                re.escape(part) if n % 2 == 0 else f"(?P<{part}>.+?)"
                for n, part in enumerate(parts)
            )
            found.append((re.compile(regex), translated))
    return tuple(found)


def translate_sentence(lang: str, text: str) -> str:
    """A sentence made from an English text, values and all (an error message), in
    ``lang``; unchanged where the catalogue does not have it."""
    table = catalogue(lang)
    if text in table:
        return table[text]
    for pattern, translated in _patterns(lang):
        if match := pattern.fullmatch(text):
            return translated % match.groupdict()
    return text
