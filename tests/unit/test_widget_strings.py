"""Every string the lazily loaded reader modules show is translated into the nine languages."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

WIDGET = Path(__file__).resolve().parents[2] / "src" / "rostra" / "widget"
LANGUAGES = ("de", "fr", "es", "it", "pt", "pl", "ru", "uk", "ar")
MODULES = ("reactions.js", "unread.js", "mentions.js", "own.js")


def _table(lang: str) -> dict[str, object]:
    text = (WIDGET / f"lang-{lang}.js").read_text(encoding="utf-8")
    found = re.search(r"export const table = (\{.*\});?\s*$", text, re.S)
    assert found, lang
    table: dict[str, object] = json.loads(found.group(1))
    return table


def _keys(module: str) -> set[str]:
    source = (WIDGET / module).read_text(encoding="utf-8")
    strings = re.search(r"const STR = \{(.*?)\};", source, re.S)
    assert strings, module
    return set(re.findall(r"(\w+):", strings.group(1))) - {"one", "few", "many", "other"}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_reader_modules_strings_are_translated(lang: str) -> None:
    table = _table(lang)
    for module in MODULES:
        missing = _keys(module) - set(table)
        assert not missing, f"lang-{lang}.js lacks {sorted(missing)} of {module}"
