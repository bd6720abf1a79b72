"""Markdown to safe HTML, done once when a comment is written.

markdown-it-py parses CommonMark with raw HTML switched off; nh3 (Ammonia) then keeps only an
allow-list of tags, attributes and URL schemes, so even a parser bug cannot let script through.
Images are not rendered from Markdown: pictures come only from our own uploads.
"""

from __future__ import annotations

import re
from functools import lru_cache

import nh3
from linkify_it import LinkifyIt  # type: ignore[import-untyped]
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "del", "s", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "hr",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
ALLOWED_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow ugc noopener"


# Every link linkify-it finds holds one of these: a schema ("http:", "//"), a host's dot, an
# email's "@", or the one host without a dot.
_MAY_LINK = re.compile(r"[:/.@]|localhost", re.IGNORECASE)


class _Linkify(LinkifyIt):  # type: ignore[misc]  # linkify-it ships no type hints
    """linkify-it, answering "no link" at once for text that cannot hold one.

    Its tests run large case-insensitive patterns over each run of plain text: ~20 us for a
    sentence, about a tenth of rendering a comment (docs/performance.md, seventh pass). A text
    without any of ``_MAY_LINK``'s marks gets the same answer from them, slower."""

    def _compile(self) -> None:
        super()._compile()
        schemas = [name for name, rule in self._compiled.items() if name and rule]
        # A schema added without ":" or "/" would need its own mark: then test everything.
        self._quick = all(":" in name or "/" in name for name in schemas)

    def _may_link(self, text: str) -> bool:
        return not self._quick or _MAY_LINK.search(text) is not None

    def test(self, text: str) -> bool:
        return self._may_link(text) and bool(super().test(text))

    def pretest(self, text: str) -> bool:
        return self._may_link(text) and bool(super().pretest(text))


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    # Built once: the parser is immutable after configuration and safe to share.
    md = MarkdownIt("commonmark", {"html": False, "linkify": True, "typographer": False})
    md.linkify = _Linkify()
    md.enable(["linkify", "strikethrough"])
    md.disable(["image", "heading", "lheading"])
    return md


@lru_cache(maxsize=1)
def _cleaner() -> nh3.Cleaner:
    # Built once: nh3 otherwise converts the allow-lists on every call (half its cost).
    return nh3.Cleaner(
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    )


def render_markdown(text: str) -> str:
    """Render a comment body to sanitized HTML."""
    return _cleaner().clean(_parser().render(text)).strip()
