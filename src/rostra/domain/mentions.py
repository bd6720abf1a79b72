"""@mentions: a comment names someone who wrote in the same thread as ``@`` and their name.

A mention is recognised only for the names of the thread's authors, so nobody can be
addressed who has not written there, and it points at that author's latest comment in the
thread before this one. Before the Markdown is rendered, each mention becomes a link to that
comment (``#comment-ID``) with its name escaped as Markdown text: the renderer and the HTML
sanitizer then treat it like any other text and link, so a name cannot inject markup.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

MAX_MENTIONS = 10  # per comment; more are left as plain text
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!<>|~&\"'])")
_WORD = re.compile(r"\w")


@dataclass(frozen=True, slots=True)
class ThreadAuthor:
    """Someone who wrote in a thread, by the name shown, with their latest comment there."""

    name: str
    comment_id: str
    email_hash: str | None = None


@dataclass(frozen=True, slots=True)
class Mention:
    """One author a comment mentions, and where in its text."""

    name: str
    comment_id: str


def _spans(body: str, authors: Sequence[ThreadAuthor]) -> list[tuple[int, int, ThreadAuthor]]:
    """Where ``@Name`` of an author stands on its own: after the start, a space or punctuation
    (not inside an email address) and before the end or a character that is not part of a
    word. The longest name wins where one name starts another ("Ann" and "Ann Lee")."""
    by_length = sorted(authors, key=lambda a: -len(a.name))
    spans: list[tuple[int, int, ThreadAuthor]] = []
    at = body.find("@")
    while at != -1:
        if at == 0 or not _WORD.match(body[at - 1]):
            for author in by_length:
                end = at + 1 + len(author.name)
                if (
                    author.name
                    and body.startswith(author.name, at + 1)
                    and (end == len(body) or not _WORD.match(body[end]))
                ):
                    spans.append((at, end, author))
                    at = end - 1
                    break
        at = body.find("@", at + 1)
    return spans


def find_mentions(body: str, authors: Sequence[ThreadAuthor]) -> list[Mention]:
    """The thread's authors that ``body`` mentions, each once, in order, at most 10."""
    if "@" not in body or not authors:
        return []
    found: dict[str, Mention] = {}
    for _, _, author in _spans(body, authors):
        if author.comment_id not in found and len(found) < MAX_MENTIONS:
            found[author.comment_id] = Mention(author.name, author.comment_id)
    return list(found.values())


def link_mentions(body: str, mentions: Sequence[Mention]) -> str:
    """``body`` with each mention turned into a Markdown link to the comment it points at."""
    if not mentions:
        return body
    wanted = {m.comment_id for m in mentions}
    authors = [ThreadAuthor(m.name, m.comment_id) for m in mentions]
    out: list[str] = []
    last = 0
    for start, end, author in _spans(body, authors):
        if author.comment_id not in wanted:
            continue
        name = _MARKDOWN_SPECIAL.sub(r"\\\1", author.name)
        out += [body[last:start], f"[@{name}](#comment-{author.comment_id})"]
        last = end
    out.append(body[last:])
    return "".join(out)
