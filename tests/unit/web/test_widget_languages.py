"""Every string the widget shows a reader has a translation in each of its nine other
languages (lang-*.js), with the same placeholders; English is the fallback, never the plan."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

WIDGET = Path(__file__).resolve().parents[3] / "src" / "rostra" / "widget"
LANGS = ("de", "fr", "es", "it", "pt", "pl", "ru", "uk", "ar")
PLURAL_FORMS = {"zero", "one", "two", "few", "many"}  # keys inside {one, other} values
# The honeypot's label: hidden from people (aria-hidden, off-screen), read by bots only.
NOT_FOR_READERS = {"website"}
# A string, or a plural object whose strings may hold braces ({n}).
VALUE = r'"[^"]*"|\{(?:[^{}"]|"[^"]*")*\}'


def english() -> dict[str, str]:
    """Key → English text, from i18n.js's table and each feature module's own (STR, or a
    single ``tables.en.key ??=``)."""
    found: dict[str, str] = {}
    for module in WIDGET.glob("*.js"):
        if module.name.startswith("lang-"):
            continue
        source = module.read_text()
        for block in re.finditer(r"const (?:en|STR) = \{(.*?)\};", source, re.S):
            for key, text in re.findall(rf"(?:^|[{{,\s])(\w+):\s*({VALUE})", block[1]):
                found.setdefault(key, text)
        for key, text in re.findall(rf"tables\.en\.(\w+) \?\?= ({VALUE})", source):
            found[key] = text
    return {k: v for k, v in found.items() if k not in PLURAL_FORMS | NOT_FOR_READERS}


def table(lang: str) -> dict[str, object]:
    source = (WIDGET / f"lang-{lang}.js").read_text()
    match = re.search(r"export const table = (\{.*\});", source, re.S)
    assert match, lang
    loaded: dict[str, object] = json.loads(match[1])
    return loaded


def test_the_english_strings_are_found() -> None:
    keys = english()
    # The reader tools, the account bar and i18n.js's own table are all read.
    assert {"r_why", "f_go", "v_close", "a_as", "a_sure", "section", "delQ", "label"} <= set(keys)


@pytest.mark.parametrize("lang", LANGS)
def test_each_language_has_every_string_with_its_placeholders(lang: str) -> None:
    theirs = table(lang)
    for key, text in english().items():
        assert key in theirs, f"lang-{lang}.js has no {key!r} ({text})"
        wanted = sorted(set(re.findall(r"\{(\w+)\}", text)))
        got = sorted(set(re.findall(r"\{(\w+)\}", json.dumps(theirs[key], ensure_ascii=False))))
        assert got == wanted, (lang, key, theirs[key])
