"""The editorial controls' reader-facing strings (widget/editorial.js) exist in every language
the widget ships, with the plural forms each language's rules ask for."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

WIDGET = Path(__file__).resolve().parents[3] / "src" / "rostra" / "widget"
LANGUAGES = ("de", "fr", "es", "it", "pt", "pl", "ru", "uk", "ar")
# CLDR plural categories of integers, as Intl.PluralRules picks them.
PLURALS = {"pl": {"one", "few", "many", "other"}, "ru": {"one", "few", "many", "other"},
           "uk": {"one", "few", "many", "other"},
           "ar": {"zero", "one", "two", "few", "many", "other"}}  # fmt: skip


def _english_keys() -> dict[str, bool]:
    """Each key of editorial.js's English table, and whether it has plural forms."""
    source = (WIDGET / "editorial.js").read_text()
    table = source[source.index("const STR = {") : source.index("};", source.index("const STR"))]
    return {key: rest.startswith("{") for key, rest in re.findall(r"^\s+(\w+): (.)", table, re.M)}


def _table(lang: str) -> dict[str, object]:
    source = (WIDGET / f"lang-{lang}.js").read_text()
    loaded: dict[str, object] = json.loads(source[source.index("{") : source.rindex("}") + 1])
    return loaded


def test_the_english_table_is_found() -> None:
    assert _english_keys() == {"s_featured": False, "e_closed": False, "e_held": False,
                               "e_slow": True, "e_wait": True, "e_note": False,
                               "e_msg": False}  # fmt: skip


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_language_has_the_editorial_strings(lang: str) -> None:
    table = _table(lang)
    for key, plural in _english_keys().items():
        value = table.get(key)
        assert value, f"lang-{lang}.js lacks {key!r}"
        if plural:
            assert isinstance(value, dict)
            assert set(value) >= PLURALS.get(lang, {"one", "other"}), (lang, key, set(value))
            assert all("{n}" in text for form, text in value.items() if form in ("few", "many"))
        if key == "e_note":
            assert "{note}" in str(value)
