"""Markdown to sanitized HTML: what readers may format, and what can never get through."""

from __future__ import annotations

import copy
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from linkify_it import LinkifyIt
from markdown_it import MarkdownIt

from rostra.domain.rendering import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_TAGS,
    _Linkify,
    _parser,
    render_markdown,
)

REL = 'rel="nofollow ugc noopener"'


class _Elements(HTMLParser):
    """Every start tag of a fragment with its attributes, entity references decoded."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {name: value or "" for name, value in attrs}))

    handle_startendtag = handle_starttag


def elements(html: str) -> list[tuple[str, dict[str, str]]]:
    parser = _Elements()
    parser.feed(html)
    parser.close()
    return parser.elements


def url_scheme(url: str) -> str:
    """The scheme a browser would see: it ignores ASCII white space and controls in URLs."""
    squeezed = "".join(ch for ch in url if ord(ch) > 0x20 and ch != "\x7f")
    return urlsplit(squeezed).scheme.lower()


def assert_safe(html: str) -> None:
    """Only allow-listed tags and attributes; links only to http(s), mailto or relative URLs."""
    for tag, attrs in elements(html):
        assert tag in ALLOWED_TAGS, f"<{tag}> in {html!r}"
        for name, value in attrs.items():
            assert not name.startswith("on"), f"{name} on <{tag}> in {html!r}"
            allowed = ALLOWED_ATTRIBUTES.get(tag, set()) | ({"rel"} if tag == "a" else set())
            assert name in allowed, f"{name} on <{tag}> in {html!r}"
            if name == "href":
                assert url_scheme(value) in ("", "http", "https", "mailto"), html


# Markdown formatting readers may use


@pytest.mark.parametrize(
    ("markdown", "html"),
    [
        ("*em* and _em_", "<p><em>em</em> and <em>em</em></p>"),
        ("**strong** and __strong__", "<p><strong>strong</strong> and <strong>strong</strong></p>"),
        ("~~gone~~", "<p><s>gone</s></p>"),
        ("use `x < y` here", "<p>use <code>x &lt; y</code> here</p>"),
        ("```\nif a < b:\n    pass\n```", "<pre><code>if a &lt; b:\n    pass\n</code></pre>"),
        ("    indented code", "<pre><code>indented code\n</code></pre>"),
        ("> quoted\n> text", "<blockquote>\n<p>quoted\ntext</p>\n</blockquote>"),
        ("- one\n- two", "<ul>\n<li>one</li>\n<li>two</li>\n</ul>"),
        ("1. one\n2. two", "<ol>\n<li>one</li>\n<li>two</li>\n</ol>"),
        ("3. three\n4. four", '<ol start="3">\n<li>three</li>\n<li>four</li>\n</ol>'),
        ("above\n\n---\n\nbelow", "<p>above</p>\n<hr>\n<p>below</p>"),
        ("line one  \nline two", "<p>line one<br>\nline two</p>"),
        ("first\n\nsecond", "<p>first</p>\n<p>second</p>"),
    ],
)
def test_markdown_formatting_renders_to_its_html(markdown: str, html: str) -> None:
    assert render_markdown(markdown) == html


def test_fenced_code_language_does_not_leak_a_class_attribute() -> None:
    html = render_markdown("```python\nprint(1)\n```")
    assert html == "<pre><code>print(1)\n</code></pre>"


def test_link_keeps_href_and_title_and_gets_rel() -> None:
    html = render_markdown('[the report](https://council.example/report.pdf "PDF")')
    assert html == (
        f'<p><a href="https://council.example/report.pdf" title="PDF" {REL}>the report</a></p>'
    )


def test_mailto_link_is_kept() -> None:
    html = render_markdown("[write](mailto:desk@news.example)")
    assert html == f'<p><a href="mailto:desk@news.example" {REL}>write</a></p>'


def test_link_with_rel_of_its_own_gets_ours() -> None:
    html = render_markdown("see https://a.example")
    assert html.count("rel=") == 1
    assert REL in html


@pytest.mark.parametrize(
    ("markdown", "href"),
    [
        ("see https://news.example/a?b=1 now", "https://news.example/a?b=1"),
        ("see <https://news.example/a> now", "https://news.example/a"),
        ("see www.news.org now", "http://www.news.org"),
    ],
)
def test_bare_addresses_become_links_with_rel(markdown: str, href: str) -> None:
    links = [attrs for tag, attrs in elements(render_markdown(markdown)) if tag == "a"]
    assert links == [{"href": href, "rel": "nofollow ugc noopener"}]


def test_plain_email_address_stays_text() -> None:
    assert render_markdown("mail me at a@b.example") == "<p>mail me at a@b.example</p>"


def test_headings_are_not_rendered() -> None:
    for markdown in ("# Big", "### Smaller", "Title\n=====", "Title\n-----"):
        html = render_markdown(markdown)
        assert "<h" not in html.replace("<hr>", ""), html


def test_image_syntax_renders_no_image() -> None:
    html = render_markdown("![tracking pixel](https://evil.example/p.png)")
    assert "<img" not in html
    assert_safe(html)


def test_empty_and_blank_bodies_render_empty() -> None:
    assert render_markdown("") == ""
    assert render_markdown("   \n\n ") == ""


# Nothing dangerous gets through

XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    "<<script>script>alert(1)<</script>/script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<body onload=alert(1)>",
    "<details open ontoggle=alert(1)>",
    '<iframe src="javascript:alert(1)"></iframe>',
    "<object data=javascript:alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="https://a.example" onclick="alert(1)">x</a>',
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](<javascript:alert(1)>)",
    "[x](&#106;avascript:alert(1))",
    "[x](javascript&#58;alert(1))",
    "[x](java\tscript:alert(1))",
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](javascript:alert(1))",
    '![x](https://evil.example/x.png" onerror="alert(1))',
    '[x](https://a.example "t\\" onmouseover=\\"alert(1)")',
    '<https://a.example/" onmouseover="alert(1)>',
    "`<script>alert(1)</script>`",
    "<!-- <script>alert(1)</script> -->",
    "[x]: javascript:alert(1)\n\n[click][x]",
]


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_xss_payload_renders_harmless(payload: str) -> None:
    html = render_markdown(payload)
    assert_safe(html)
    assert "<script" not in html.lower()


@pytest.mark.parametrize("scheme", ["javascript", "data", "vbscript", "file"])
def test_links_to_dangerous_schemes_are_not_links(scheme: str) -> None:
    html = render_markdown(f"[click]({scheme}:alert(1))")
    assert "<a" not in html


def test_raw_html_is_shown_as_text() -> None:
    assert render_markdown("<b>bold</b>") == "<p>&lt;b&gt;bold&lt;/b&gt;</p>"


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                *"<>\"'=/:[]()!*_`~#-> \n\tax&;1",
                "javascript:",
                "data:",
                " onerror=",
                "<a href=",
                "<img src=",
                "<script>",
                "](",
                "&#106;",
                "http://",
                "www.",
            ]
        ),
        max_size=40,
    ).map("".join)
)
def test_any_text_renders_to_allow_listed_html(text: str) -> None:
    assert_safe(render_markdown(text))


# Links as linkify-it finds them, with the quick "no link here" answer in front (_Linkify).
LINKISH = [
    "http://", "https://", "HTTP://", "ftp://", "//", "mailto:", "www.", "example.com",
    "x.co", ".org", "192.168.1.1", "localhost", "LOCALHOST", "localhoſt", "ſ", "\u212a",
    "xn--80ak6aa92e.com", "пример.рф", "ann@example.org", "@", ".", ":", "/", "：", "／",
    "＠", "．", "。", "_", "-", "(", ")", "<", ">", "|", "｜", "*", "**", "[", "](", "`",
    "~~", "\n", "\n\n", " ", " ", "word", "Road", "1-234,", "é", "ß", "İ",
]  # fmt: skip


def _with_stock_linkify() -> MarkdownIt:
    """Our parser, rules and options as configured, with linkify-it's own link tests."""
    reference = copy.copy(_parser())
    reference.linkify = LinkifyIt()
    return reference


QUICK, STOCK, REFERENCE = _Linkify(), LinkifyIt(), _with_stock_linkify()


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(LINKISH) | st.text(max_size=4), max_size=30).map("".join))
def test_the_quick_link_test_answers_as_linkify_it(text: str) -> None:
    assert type(_parser().linkify) is _Linkify
    assert QUICK.test(text) == STOCK.test(text)
    assert QUICK.pretest(text) == STOCK.pretest(text)
    assert _parser().render(text) == REFERENCE.render(text)


def test_a_schema_without_a_mark_tests_every_text() -> None:
    quick = _Linkify().add("skype", "mailto:")  # "skype" has no ":" or "/" of its own
    assert quick.test("call skypeann") == LinkifyIt().add("skype", "mailto:").test("call skypeann")
    assert quick.pretest("call skypeann")
