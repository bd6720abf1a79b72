"""What the trained screen reads of a comment: the text cleaned of disguises, hashed word and
character n-grams, and a few signals that patterns find better than a model (phone numbers,
street addresses, messaging-app pitches, money per day).

Cleaning undoes the tricks that keep a word from matching while a reader still reads it:
invisible characters (zero-width spaces and joiners, soft hyphens, direction marks), letters
from other scripts that look like Latin ones (Cyrillic ``а`` in ``ıdіоt``; from Unicode's
confusables data, through ``confusable-homoglyphs``), full-width and other compatibility forms
(NFKC), then the word normalization the word lists use (``f.u.c.k``, ``id10t``, ``fuuuck``:
``rostra.domain.screening.normalize_text``). A word written wholly in another script is left
alone when the comment is mostly in that script: Russian stays Russian.
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
import zlib
from collections.abc import Iterable
from importlib import resources

import numpy as np
from numpy.typing import NDArray

from rostra.domain.screening import fold, normalize_text

HASH_BITS = 18
HASH_SIZE = 1 << HASH_BITS
CHAR_GRAMS = (3, 4, 5)
FULL_WEIGHT_WORDS = 3

_WORD = re.compile(r"\w+", re.UNICODE)


@functools.cache
def _latin_lookalikes() -> dict[int, str]:
    """Letter → the ASCII letter it looks like, for every non-Latin letter that Unicode's
    confusables data pairs with one (about 700 letters from Cyrillic, Greek, Armenian, …)."""
    from confusable_homoglyphs import confusables

    table: dict[int, str] = {}
    for char, entries in confusables.confusables_data.items():
        if len(char) != 1 or char.isascii() or not char.isalpha():
            continue
        for entry in entries:
            glyph = entry["c"]
            if len(glyph) == 1 and glyph.isascii() and glyph.isalpha():
                table[ord(char)] = glyph.lower()
                break
    return table


def _is_invisible(char: str) -> bool:
    # Cf: zero-width space/joiners, soft hyphen, word joiner, direction marks, BOM.
    return unicodedata.category(char) == "Cf"


def _latin_share(words: list[str]) -> float:
    letters = [ch for word in words for ch in word if ch.isalpha()]
    if not letters:
        return 1.0
    return sum(ch.isascii() for ch in letters) / len(letters)


def clean(text: str) -> str:
    """``text`` without invisible characters, compatibility forms or look-alike letters."""
    if text.isascii():
        return text
    text = "".join(ch for ch in unicodedata.normalize("NFKC", text) if not _is_invisible(ch))
    table = _latin_lookalikes()
    words = _WORD.findall(text)
    mostly_latin = _latin_share(words) >= 0.5

    def unmask(match: re.Match[str]) -> str:
        word = match.group(0)
        if word.isascii():
            return word
        has_latin = any(ch.isascii() and ch.isalpha() for ch in word)
        # A mixed word is a disguise in any comment; a wholly foreign word only in a comment
        # that is otherwise written in Latin letters (an English insult typed in Cyrillic).
        if has_latin or (mostly_latin and all(ord(ch) in table for ch in word if ch.isalpha())):
            return word.translate(table)
        return word

    return _WORD.sub(unmask, text)


_WEB_ADDRESS = re.compile(
    r"\b(?:https?://|www\.)\S+"
    r"|\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
    r"|(?<![\w@.-])(?:[a-z0-9-]+\.)+(?:com|net|org|info|biz|io|co|uk|de|fr|ru|es|it|pl|nl|"
    r"pt|br|tr|ua|xyz|top|online|site|shop|store|club|app|live|pro|vip|win|bet|cc|me|ly|"
    r"link|click|example)\b(?:/\S*)?",
    re.IGNORECASE,
)


def screen_text(text: str) -> str:
    """What the classifier reads: ``clean``, web and e-mail addresses replaced by one word
    (the signals count them; their names would teach the model which sites the corpus
    happened to use), then the word lists' normalization (lower case, accents off,
    spelled-out letters joined, leetspeak undone, long runs cut)."""
    return normalize_cleaned(clean(text))


def normalize_cleaned(cleaned: str) -> str:
    """``screen_text`` of a text ``clean`` has already cleaned."""
    return normalize_text(_WEB_ADDRESS.sub(" weblink ", cleaned))


def weight_of_words(normalized: str) -> float:
    """How much a comment's own words may say, from 1/3 for one word to 1 from three words
    on. A one-word reply ("Me.", "Who?") is a handful of n-grams and a vague vector, and
    left at full weight either can hold it; a lexicon hit ("kys", "idiot") is not shrunk."""
    return min(1.0, len(normalized.split()) / FULL_WEIGHT_WORDS)


def _hash(gram: str) -> int:
    return zlib.crc32(gram.encode("utf-8")) & (HASH_SIZE - 1)


def grams(normalized: str) -> Iterable[str]:
    """Word unigrams and bigrams, and character 3- to 5-grams of each word with its edges."""
    words = normalized.split()
    for i, word in enumerate(words):
        yield "w:" + word
        if i:
            yield "b:" + words[i - 1] + " " + word
        padded = f" {word} "
        for size in CHAR_GRAMS:
            for start in range(len(padded) - size + 1):
                yield padded[start : start + size]


def hashed(normalized: str) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
    """The n-grams of ``normalized`` as (bucket, weight) pairs: log counts, length 1."""
    counts: dict[int, int] = {}
    for gram in grams(normalized):
        bucket = _hash(gram)
        counts[bucket] = counts.get(bucket, 0) + 1
    if not counts:
        return np.zeros(0, np.int64), np.zeros(0, np.float32)
    buckets = np.fromiter(counts.keys(), np.int64, len(counts))
    weights = np.log1p(np.fromiter(counts.values(), np.float32, len(counts)))
    weights /= np.linalg.norm(weights)
    return buckets, weights.astype(np.float32)


# Signals: patterns on the cleaned text (before lower-casing, so names keep their capitals).
_PHONE = re.compile(r"(?<!\w)(?:\+|00)?\d(?:[\s./-]?\(?\d\)?){7,14}(?!\w)")
_STREET_WORDS = (
    r"street|st|road|rd|avenue|ave|lane|ln|drive|dr|close|crescent|way|court|ct|place|pl|"
    r"terrace|gardens|grove|boulevard|blvd|square|sq|row|mews|hill|park|walk"
)
_STREET_BEFORE = (  # languages that name the kind of street first: "12 rue des Lilas"
    r"rue|avenue|av|boulevard|bd|chemin|allee|allée|impasse|place|calle|c/|avenida|avda|"
    r"paseo|plaza|via|viale|piazza|corso|rua|travessa|largo|ulicy|ulica|ul|aleja|al|"
    r"улица|ул|проспект|пр|переулок|пер|вулиця|вул|провулок|sokak|sok|cadde|caddesi|mahallesi"
)
_STREET_SUFFIX = r"stra(?:ss|ß)e|str|weg|gasse|platz|allee|ring|damm|straat|laan|gracht|plein|kade"
_NAME = r"[A-ZÀ-ÖØ-ÞА-ЯІЇЄҐ][\w'’-]+"
_ADDRESS = re.compile(
    "|".join(
        (
            # 14 Birch Close, 221b Baker Street
            rf"\b\d{{1,4}}[a-z]?,?\s+(?:{_NAME}\s+){{1,3}}(?:{_STREET_WORDS})\b",
            # 12 rue des Glycines, calle Mayor 5, ул. Ленина, д. 5, ulica Długa 7
            rf"\b\d{{1,4}}(?:\s?(?:bis|ter))?,?\s+(?:{_STREET_BEFORE})\.?\s+[\w'’-]+",
            rf"(?<!\w)(?:{_STREET_BEFORE})\.?\s+(?:[\w'’-]+\s+){{0,3}}[\w'’-]+,?\s+"
            rf"(?:[dд]\.?\s*|n[º°o.]?\s*|nr\.?\s*|no\.?\s*|№\s*)?\d{{1,4}}\b",
            # Hauptstraße 12, Kerkstraat 4
            rf"\b\w+(?:{_STREET_SUFFIX})\.?\s+\d{{1,4}}[a-z]?\b",
        )
    ),
    re.IGNORECASE,
)
_POSTCODE = re.compile(r"\b(?:[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}|\d{5}(?:-\d{4})?)\b")
_PLATE = re.compile(
    r"\b(?:reg(?:istration)?|plate|number plate|kennzeichen|plaque|matr[ií]cula|targa|"
    r"placa|kenteken|plaka|номер|номерний|tablica)\b[^.\n]{0,25}?\b[A-Z0-9]{2,4}[\s-]?[A-Z0-9]{2,4}\b",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.]+\b")
_MESSAGING = re.compile(
    r"\b(?:whats\s?app|wh?atsapp|telegram|signal|viber|wechat|t\.me|wa\.me|dm me|"
    r"inbox me|text me|ватсап|телеграм|вайбер)\b",
    re.IGNORECASE,
)
_MONEY_PER_TIME = re.compile(
    r"(?:[$€£₽]\s?\d[\d,.]*|\d[\d,.]*\s?(?:[$€£₽]|usd|eur|euros?|dollars?|pounds?|руб\w*|"
    r"грн|zł|złotych|reais|lira|tl))\s*(?:a|per|each|every|/|al|por|par|pro|am|в|на|за|"
    r"dziennie|al giorno)?\s*"
    r"(?:day|daily|week|weekly|hour|month|tag|woche|monat|jour|semaine|mois|d[ií]a|semana|"
    r"mes|giorno|settimana|dia|dag|week|gün|день|неделю|месяц|тиждень|місяць|dzień|tydzień)",
    re.IGNORECASE,
)
_INVEST = re.compile(
    r"\b(?:crypto|bitcoin|btc|forex|invest\w*|trading|trader|profit\w*|returns?|"
    r"account manager|mentor|инвест\w*|крипт\w*|заработ\w*|inwest\w*|inversi\w*|"
    r"investi\w*|geld verdienen|verdiene|gagne|gano|guadagn\w*|ganho)\b",
    re.IGNORECASE,
)
_LINK = re.compile(r"\b(?:https?://|www\.)\S+|\b[\w-]+\.(?:com|net|org|io|xyz|biz|ru|info)\b")
_SECOND_PERSON = re.compile(
    r"\b(?:you|your|youre|you're|u|ur|yours|yourself|du|dich|dir|dein\w*|tu|toi|te|ton|ta|"
    r"tes|vous|t[uú]|te|ti|tuo|tua|você|voce|tú|jij|je|jou|sen|seni|senin|ty|ciebie|cię|"
    r"tobie|ты|тебя|тебе|твой|твоя|твои|ти|тебе|твій|твоя|أنت|انت)\b",
    re.IGNORECASE,
)

PATTERNS = (
    "phone",
    "address",
    "postcode",
    "plate",
    "email",
    "messaging",
    "money_per_time",
    "invest",
    "links",
    "second_person",
)


def signals(cleaned: str, normalized: str | None = None) -> NDArray[np.float32]:
    """One number per ``SIGNALS`` entry: whether (and, for links and second person, how
    often, capped) each pattern occurs in the cleaned text, then the lexicon's hits per
    category in the normalized text (``lexicon_hits``)."""
    if normalized is None:
        normalized = normalize_text(cleaned)
    found = (
        bool(_PHONE.search(cleaned)),
        bool(_ADDRESS.search(cleaned)),
        bool(_POSTCODE.search(cleaned)),
        bool(_PLATE.search(cleaned)),
        bool(_EMAIL.search(cleaned)),
        bool(_MESSAGING.search(cleaned)),
        bool(_MONEY_PER_TIME.search(cleaned)),
        bool(_INVEST.search(cleaned)),
        min(len(_LINK.findall(cleaned)), 3) / 3,
        # On the normalized words: the letters of a dotted word ("s.o.l.u.t.i.o.n") are no "u".
        min(len(_SECOND_PERSON.findall(normalized)), 3) / 3,
    )
    return np.concatenate([np.asarray(found, dtype=np.float32), lexicon_hits(normalized)])


# The lexicon: word stems and phrases per category and language (lexicon.json), matched as
# prefixes of consecutive words of the normalized text. Hits are features, not verdicts: the
# classifier learned how much each category's hits weigh ("parasit" also names crop pests).
LEXICON_CATEGORIES = (
    "insult",
    "dehumanization",
    "violence",
    "threat",
    "self_harm",
    "sexual_harassment",
    "spam",
)


@functools.cache
def _lexicon() -> dict[str, re.Pattern[str]]:
    text = resources.files("rostra.screening").joinpath("lexicon.json").read_text("utf-8")
    data = json.loads(text)
    patterns = {}
    for category in LEXICON_CATEGORIES:
        entries = set()
        for terms in data[category].values():
            for term in terms:
                words = normalize_text(fold(term)).split()
                if words:
                    entries.add(r"\w*\s+".join(re.escape(word) for word in words))
        # Longest first, so that a phrase wins over its first word.
        alternatives = "|".join(sorted(entries, key=len, reverse=True))
        patterns[category] = re.compile(rf"(?<!\w)(?:{alternatives})")
    return patterns


def lexicon_hits(normalized: str) -> NDArray[np.float32]:
    """Per ``LEXICON_CATEGORIES`` entry: lexicon hits in the normalized text (0, 0.5 or 1
    for two or more)."""
    patterns = _lexicon()
    return np.asarray(
        [min(len(patterns[c].findall(normalized)), 2) / 2 for c in LEXICON_CATEGORIES],
        dtype=np.float32,
    )


def lexicon_matches(normalized: str) -> dict[str, list[str]]:
    """The lexicon entries found, per category (for explanations and tests)."""
    patterns = _lexicon()
    found = {c: patterns[c].findall(normalized) for c in LEXICON_CATEGORIES}
    return {c: hits for c, hits in found.items() if hits}


SIGNALS = PATTERNS + tuple(f"lexicon:{category}" for category in LEXICON_CATEGORIES)
