"""Screening rules: pure functions from a comment (and what the service looked up) to reasons.

Every rule returns a tuple of ``Reason``s, empty when it has nothing to say; the service adds
them up into a ``Screening`` whose verdict is the harshest reason's. Word lists match whole
words of the *normalized* text, so obfuscations (``f.u.c.k``, ``id10t``, ``fuuuck``, accents)
are caught while innocent words that contain a listed word (``Scunthorpe``, ``assassin``,
``cocktail``, ``Dickens``) never are.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from rapidfuzz import fuzz

from rostra.domain.errors import ValidationError
from rostra.domain.moderation import ModerationMode, ModerationSettings, Reason, Verdict
from rostra.domain.threads import validate_read_only_days

# Leetspeak: digits and symbols standing for letters, applied only inside words that also
# contain a letter, so that "2026" or "£5" stay numbers.
LEET = str.maketrans(
    {
        "0": "o",
        "1": "i",
        "3": "e",
        "4": "a",
        "5": "s",
        "7": "t",
        "8": "b",
        "9": "g",
        "@": "a",
        "$": "s",
        "!": "i",
        "|": "i",
        "€": "e",
    }
)
# A word for the tokenizer: letters, digits and the leet symbols glued to them.
_TOKEN = re.compile(r"[\w@$!|€]+")
# Single characters separated by dots, dashes, stars, underscores or spaces: "f.u.c.k", "f u c k".
# The same separator throughout, so that a dotted word next to a one-letter word ("I h.a.t.e")
# is joined alone.
_SPACED = re.compile(
    r"(?<![\w@$!|])[\w@$!|]([ .\-_*+~/\\]{1,3})(?:[\w@$!|]\1){1,}[\w@$!|](?![\w@$!|])"
)
_SEPARATORS = re.compile(r"[ .\-_*+~/\\]")
_RUNS = re.compile(r"(.)\1{2,}")
_ANY_RUN = re.compile(r"(.)\1+")
# Endings that still make the listed word: "idiots", "fucking", "shitty".
SUFFIXES = ("", "s", "es", "ed", "ing", "in", "er", "ers", "y", "ies")

_MARKDOWN_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?[^)\s>]+>?(?:\s+\"[^\"]*\")?\s*\)")
_AUTOLINK = re.compile(r"<(?:https?|ftp)://[^>\s]+>|<[\w.+-]+@[\w-]+(?:\.[\w-]+)+>")
_URL = re.compile(r"\b(?:https?://|ftp://|www\.)[^\s<>()\[\]]+", re.IGNORECASE)
# Bare domains: "cheap-pills.biz", "example.co.uk/x". A short list of top-level domains keeps
# "e.g." and "end.The" (a missing space) from counting.
_TLDS = (
    "com|net|org|info|biz|io|co|uk|de|fr|ru|cn|xyz|top|online|site|shop|store|club|app|dev|"
    "me|tv|us|eu|nl|it|es|pl|in|br|au|ca|ch|se|no|ly|gg|link|click|live|pro|vip|win|bet|cc|ws"
)
_DOMAIN = re.compile(
    rf"(?<![\w@.-])(?:[a-z0-9](?:[a-z0-9-]{{0,61}}[a-z0-9])?\.)+(?:{_TLDS})\b(?:/[^\s]*)?",
    re.IGNORECASE,
)
_PUNCTUATION = re.compile(r"[^\w\s]")
_SPACES = re.compile(r"\s+")

DUPLICATE_MIN_CHARS = 24  # "Agreed." or "Thank you!" twice is not spam
DUPLICATE_SIMILARITY = 0.9
MAX_LIST_WORDS = 2000
MAX_WORD_CHARS = 64
MAX_CATEGORIES = 32
_CATEGORY = re.compile(r"[a-z][a-z_]{0,31}")


def fold(text: str) -> str:
    """Lower case without accents or invisible characters: ``Émile`` → ``emile``; ``ﬁ``
    ligatures and full-width letters become plain letters (NFKD)."""
    if text.isascii():  # most comments: nothing to decompose, and casefold is lower
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    # Marks off, and invisible format characters (zero-width spaces and joiners, soft
    # hyphens) too: "id\u200biot" is "idiot" to a reader.
    stripped = "".join(
        ch
        for ch in decomposed
        if not unicodedata.combining(ch) and unicodedata.category(ch) != "Cf"
    )
    return stripped.casefold()


def _join_spaced(text: str) -> str:
    return _SPACED.sub(lambda match: _SEPARATORS.sub("", match.group(0)), text)


def _deleet(token: str) -> str:
    translated = token.translate(LEET)
    # Most words hold no leet character: nothing to check them for.
    if translated == token or not any(ch.isalpha() for ch in token):
        return token
    return translated


def normalize_words(text: str) -> list[str]:
    """The words of ``text`` after folding case and accents, joining spelled-out letters and
    undoing leetspeak; repeated letters are kept (see ``word_forms``)."""
    joined = _join_spaced(fold(text))
    words = []
    for token in _TOKEN.findall(joined):
        # "!" or "|" at either end of a word is punctuation ("idiot!"), not a letter.
        word = _deleet(token.strip("!|_"))
        if word:
            words.append(word)
    return words


def normalize_text(text: str) -> str:
    """The normalized words joined by spaces, with letters repeated three times or more cut to
    one (``fuuuck`` → ``fuck``, ``soooo`` → ``so``): what a classifier should also see."""
    words = normalize_words(text)
    joined = " ".join(words)
    if not _RUNS.search(joined):  # most texts: no word has a run to cut
        return joined
    return " ".join(_RUNS.sub(r"\1", word) if word.isalpha() else word for word in words)


def word_forms(word: str) -> set[str]:
    """``word`` as written, with runs of three or more letters cut to two, and with every run
    cut to one: ``fuuuuck`` → {fuuuuck, fuuck, fuck}; ``assss`` → {…, ass, as}."""
    return {word, _RUNS.sub(r"\1\1", word), _ANY_RUN.sub(r"\1", word)}


def _stems(word: str) -> set[str]:
    """Every listed word that ``word`` is a form of: each of its ``word_forms`` with one of the
    ``SUFFIXES`` taken off (``idiots`` → {idiots, idiot, …})."""
    stems = set()
    for form in word_forms(word):
        for suffix in SUFFIXES:
            if form.endswith(suffix) and len(form) > len(suffix):
                stems.add(form[: len(form) - len(suffix)])
    return stems


def find_listed(text: str, listed_words: Iterable[str]) -> list[str]:
    """The list entries found in ``text`` as whole words (or whole word sequences, for entries
    of several words), after normalization. An entry matches its plural and -ing/-ed/-er/-y
    forms, never a longer word that merely contains it."""
    entries = tuple(listed_words)
    if not entries:  # the default: nothing to normalize the text for
        return []
    stems = [_stems(word) for word in normalize_words(text)]
    found: list[str] = []
    for entry in entries:
        parts = normalize_words(entry)
        if not parts:
            continue
        size = len(parts)
        for start in range(len(stems) - size + 1):
            if all(part in stems[start + i] for i, part in enumerate(parts)):
                found.append(entry)
                break
    return found


def count_links(text: str) -> int:
    """Links in a comment: Markdown links and images, autolinks, bare URLs and bare domains
    (``cheap-pills.biz``), each counted once."""
    count = 0
    for pattern in (_MARKDOWN_LINK, _AUTOLINK, _URL, _DOMAIN):
        count += len(pattern.findall(text))
        text = pattern.sub(" ", text)
    return count


@lru_cache(maxsize=256)  # an author's recent comments are compared again at each new one
def _comparable(text: str) -> str:
    return _SPACES.sub(" ", _PUNCTUATION.sub(" ", fold(text))).strip()


def is_duplicate(body: str, recent_bodies: Iterable[str]) -> bool:
    """Whether ``body`` repeats one of ``recent_bodies`` (same words, ignoring case,
    punctuation and spacing, or at least 90 % alike). Short bodies never count."""
    mine = _comparable(body)
    if len(mine) < DUPLICATE_MIN_CHARS:
        return False
    for other in recent_bodies:
        theirs = _comparable(other)
        if theirs == mine:
            return True
        # Indel similarity (difflib's ratio, computed exactly, in C): a pure-Python
        # SequenceMatcher took ~1 ms a pair, and a post compares against every recent body.
        cutoff = DUPLICATE_SIMILARITY * 100
        if len(theirs) >= DUPLICATE_MIN_CHARS and fuzz.ratio(mine, theirs, score_cutoff=cutoff):
            return True
    return False


# The rules. Each takes what it needs and the site's settings, and returns its reasons.


def mode_reasons(settings: ModerationSettings, *, author_has_approved: bool) -> tuple[Reason, ...]:
    """Pre-moderation holds everything; first-time pre-moderation holds authors who have no
    published comment on the site yet."""
    if settings.mode is ModerationMode.PRE:
        return (Reason("mode", "This site reviews every comment first.", Verdict.HOLD),)
    if settings.mode is ModerationMode.PRE_FIRST_TIME and not author_has_approved:
        return (Reason("mode", "First comments on this site are reviewed.", Verdict.HOLD),)
    return ()


def word_reasons(body: str, settings: ModerationSettings) -> tuple[Reason, ...]:
    """Banned words refuse the comment; watched words send it to staff."""
    reasons = []
    banned = find_listed(body, settings.banned_words)
    if banned:
        reasons.append(Reason("banned_words", ", ".join(banned), Verdict.REJECT))
    watched = find_listed(body, settings.watched_words)
    if watched:
        reasons.append(Reason("watched_words", ", ".join(watched), Verdict.HOLD))
    return tuple(reasons)


def link_reasons(body: str, settings: ModerationSettings) -> tuple[Reason, ...]:
    """More links than the site allows: held."""
    links = count_links(body)
    if links > settings.max_links:
        return (
            Reason(
                "links",
                f"{links} links (at most {settings.max_links})",
                Verdict.HOLD,
                float(links),
            ),
        )
    return ()


def duplicate_reasons(body: str, recent_bodies: Sequence[str]) -> tuple[Reason, ...]:
    """The same text again from the same author: held."""
    if is_duplicate(body, recent_bodies):
        return (Reason("duplicate", "repeats a recent comment by the same author", Verdict.HOLD),)
    return ()


def honeypot_reasons(honeypot: str | None) -> tuple[Reason, ...]:
    """The hidden field people never see was filled: a bot."""
    if honeypot:
        return (Reason("honeypot", "the hidden field was filled", Verdict.REJECT),)
    return ()


def timing_reasons(elapsed_ms: int | None, settings: ModerationSettings) -> tuple[Reason, ...]:
    """A form sent faster than a person can type: held. Unknown time (None) says nothing."""
    if elapsed_ms is None or settings.min_seconds_to_submit <= 0:
        return ()
    if elapsed_ms < settings.min_seconds_to_submit * 1000:
        return (
            Reason(
                "too_fast",
                f"sent {elapsed_ms / 1000:.1f} s after the form opened "
                f"(at least {settings.min_seconds_to_submit} s)",
                Verdict.HOLD,
                elapsed_ms / 1000,
            ),
        )
    return ()


def score_reasons(
    scores: Mapping[str, float],
    settings: ModerationSettings,
    *,
    hold_only: Iterable[str] = (),
    words: Mapping[str, Sequence[str]] | None = None,
) -> tuple[Reason, ...]:
    """Model scores at or above the site's thresholds. Categories in ``hold_only`` (guesses
    about meaning) can send a comment to staff but never refuse it. ``words``, per category,
    are the words that weighed most, named in the reason for staff."""
    capped = set(hold_only)
    reasons = []
    for category, score in sorted(scores.items()):
        hold_at = settings.category_holds.get(category, settings.hold_threshold)
        if score >= settings.reject_threshold and score >= hold_at and category not in capped:
            verdict = Verdict.REJECT
        elif score >= hold_at:
            verdict = Verdict.HOLD
        else:
            continue
        detail = f"{category} {score:.2f}"
        weighty = (words or {}).get(category)
        if weighty:
            detail += f" ({', '.join(weighty)})"
        reasons.append(Reason(f"model:{category}", detail, verdict, score))
    return tuple(reasons)


# Settings as stored (a JSON object on the site) and as edited by admins.


def _words(value: Any, name: str) -> tuple[str, ...]:
    if not isinstance(value, list | tuple) or not all(isinstance(w, str) for w in value):
        raise ValidationError(f"'{name}' must be a list of words.", field=name)
    words = tuple(dict.fromkeys(w.strip() for w in value if w.strip()))
    if len(words) > MAX_LIST_WORDS or any(len(w) > MAX_WORD_CHARS for w in words):
        raise ValidationError(
            f"'{name}' takes at most {MAX_LIST_WORDS} entries of {MAX_WORD_CHARS} characters.",
            field=name,
        )
    return words


def validate_settings(settings: ModerationSettings) -> ModerationSettings:
    """``settings`` if every value is usable; raises ``ValidationError`` naming the field."""
    for name in ("hold_threshold", "reject_threshold"):
        value = getattr(settings, name)
        if not isinstance(value, int | float) or not 0.0 <= value <= 1.0:
            raise ValidationError(f"'{name}' must be between 0 and 1.", field=name)
    if settings.hold_threshold > settings.reject_threshold:
        raise ValidationError(
            "'hold_threshold' cannot be above 'reject_threshold'.", field="hold_threshold"
        )
    for name in ("max_links", "min_seconds_to_submit", "report_threshold"):
        value = getattr(settings, name)
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 1000:
            raise ValidationError(f"'{name}' must be a whole number from 0 to 1000.", field=name)
    for name, low, high in (("trust_approved", 1, 1000), ("trust_clean_days", 0, 3650)):
        value = getattr(settings, name)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise ValidationError(
                f"'{name}' must be a whole number from {low} to {high}.", field=name
            )
    _words(list(settings.banned_words), "banned_words")
    _words(list(settings.watched_words), "watched_words")
    _category_holds(settings.category_holds)
    return settings


def _category_holds(value: Any) -> dict[str, float]:
    if not isinstance(value, Mapping) or len(value) > MAX_CATEGORIES:
        raise ValidationError(
            f"'category_holds' maps at most {MAX_CATEGORIES} categories to thresholds.",
            field="category_holds",
        )
    for category, threshold in value.items():
        if not isinstance(category, str) or not _CATEGORY.fullmatch(category):
            raise ValidationError(
                f"{category!r} is not a screening category (lower-case letters and _).",
                field="category_holds",
            )
        if isinstance(threshold, bool) or not isinstance(threshold, int | float):
            raise ValidationError(
                f"The threshold of {category!r} must be a number.", field="category_holds"
            )
        if not 0.0 <= threshold <= 1.0:
            raise ValidationError(
                f"The threshold of {category!r} must be between 0 and 1.", field="category_holds"
            )
    return {category: float(threshold) for category, threshold in value.items()}


def settings_to_json(settings: ModerationSettings) -> dict[str, Any]:
    """The settings as a JSON object."""
    return {
        "mode": settings.mode.value,
        "hold_threshold": settings.hold_threshold,
        "reject_threshold": settings.reject_threshold,
        "banned_words": list(settings.banned_words),
        "watched_words": list(settings.watched_words),
        "max_links": settings.max_links,
        "min_seconds_to_submit": settings.min_seconds_to_submit,
        "report_threshold": settings.report_threshold,
        "extra": dict(settings.extra),
        "category_holds": dict(settings.category_holds),
        "read_only_after_days": settings.read_only_after_days,
        "trust_approved": settings.trust_approved,
        "trust_clean_days": settings.trust_clean_days,
    }


def settings_from_json(data: Mapping[str, Any] | None) -> ModerationSettings:
    """Settings from their JSON object; missing keys take the defaults (a site created before
    moderation existed has none), unknown or wrong values raise ``ValidationError``."""
    if not data:
        return ModerationSettings()
    defaults = ModerationSettings()
    known = set(settings_to_json(defaults))
    unknown = sorted(set(data) - known)
    if unknown:
        raise ValidationError(f"Unknown moderation setting {unknown[0]!r}.", field=unknown[0])
    try:
        mode = ModerationMode(data.get("mode", defaults.mode.value))
    except ValueError:
        raise ValidationError("'mode' is post, pre or pre_first_time.", field="mode") from None
    extra = data.get("extra", {})
    if not isinstance(extra, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in extra.items()
    ):
        raise ValidationError("'extra' must map names to text.", field="extra")
    settings = ModerationSettings(
        mode=mode,
        hold_threshold=data.get("hold_threshold", defaults.hold_threshold),
        reject_threshold=data.get("reject_threshold", defaults.reject_threshold),
        banned_words=_words(data.get("banned_words", []), "banned_words"),
        watched_words=_words(data.get("watched_words", []), "watched_words"),
        max_links=data.get("max_links", defaults.max_links),
        min_seconds_to_submit=data.get("min_seconds_to_submit", defaults.min_seconds_to_submit),
        report_threshold=data.get("report_threshold", defaults.report_threshold),
        extra=dict(extra),
        category_holds=_category_holds(data.get("category_holds", {})),
        read_only_after_days=validate_read_only_days(data.get("read_only_after_days", 0)),
        trust_approved=data.get("trust_approved", defaults.trust_approved),
        trust_clean_days=data.get("trust_clean_days", defaults.trust_clean_days),
    )
    return validate_settings(settings)


def reasons_to_json(reasons: Iterable[Reason]) -> list[dict[str, Any]]:
    """Reasons as stored with a decision."""
    return [
        {"rule": r.rule, "detail": r.detail, "verdict": r.verdict.value, "score": r.score}
        for r in reasons
    ]


def reasons_from_json(data: Iterable[Mapping[str, Any]]) -> tuple[Reason, ...]:
    """Reasons as read back from a stored decision."""
    return tuple(
        Reason(str(r["rule"]), str(r["detail"]), Verdict(r["verdict"]), r.get("score"))
        for r in data
    )
