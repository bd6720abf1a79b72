"""The reader's language on Rostra's own reader pages (the EU DSA notice and appeal forms):
the ``lang`` of the link or form that led there, else the request's (``Accept-Language``).
Their templates write ``t("English text", name=value)``, as the mail templates do."""

from __future__ import annotations

from typing import Any

from litestar import Request
from markupsafe import Markup

from rostra.domain.errors import DomainError
from rostra.domain.languages import RIGHT_TO_LEFT, reader_language, translate
from rostra.web.errors import request_language


def page_language(request: Request[Any, Any, Any], asked: object) -> str:
    """``asked`` when it names a language Rostra speaks (or English), else the request's."""
    try:
        lang = reader_language(asked)
    except DomainError:  # not a language tag: as if none were given
        lang = ""
    if lang or str(asked or "").lower().startswith("en"):
        return lang
    return request_language(request)


def page_words(lang: str) -> dict[str, Any]:
    """What a page template needs to speak ``lang``: ``lang``, ``rtl`` and ``t``."""

    def t(text: str, **values: object) -> Markup:
        # Markup's % escapes every value that is not already markup.
        found = Markup(translate(lang, text))  # noqa: S704 - our own catalogue, not input
        return found % values if values else found

    return {"lang": lang, "rtl": lang in RIGHT_TO_LEFT, "t": t}
