"""The shared pieces of every importer: HTML to Markdown, pages from URLs, dates."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest

from rostra.domain.rendering import render_markdown
from rostra.importers.common import (
    BadRecord,
    RepairingReader,
    html_to_markdown,
    page_of,
    parse_time,
)


@pytest.mark.parametrize(
    ("html", "markdown"),
    [
        ("<p>One</p><p>Two</p>", "One\n\nTwo"),
        ("line<br>break", "line\nbreak"),
        ("<b>bold</b> <em>it</em> <code>x()</code> <del>no</del>", "**bold** *it* `x()` ~~no~~"),
        ('<a href="https://e.org/a b">the [site]</a>', "[the (site)](https://e.org/a%20b)"),
        ('<a href="https://e.org">https://e.org</a>', "https://e.org"),
        ('<a href="javascript:alert(1)">click</a>', "click"),
        ("<ul><li>a</li><li>b</li></ul>", "- a\n- b"),
        ("<blockquote><p>said</p><p>twice</p></blockquote>after", "> said\n>\n> twice\n\nafter"),
        ("<pre>x = 1\ny = 2</pre>", "```\nx = 1\ny = 2\n```"),
        ("a<script>alert(1)</script><style>p{}</style>b", "ab"),
        ("&lt;script&gt; &amp; &eacute;", "<script> & é"),
        (
            '<img src="https://e.org/p.png" alt="cat"><img src="data:x">',
            "[cat](https://e.org/p.png)",
        ),
        ("<span onclick='x'>kept text</span>", "kept text"),
    ],
)
def test_html_becomes_markdown(html: str, markdown: str) -> None:
    assert html_to_markdown(html) == markdown


def test_converted_html_renders_safely() -> None:
    markdown = html_to_markdown('&lt;img src=x onerror=alert(1)&gt;<a href="vbscript:x">y</a>')
    html = render_markdown(markdown)
    assert "<img" not in html and "vbscript" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


@pytest.mark.parametrize(
    ("link", "identifier", "page"),
    [
        ("https://news.example/2020/a/?utm=1#c5", "", "/2020/a/"),
        ("https://news.example", "", "/"),
        ("/relative/path", "", "/relative/path"),
        ("", "article-42", "article-42"),
        ("not a url", "id-7", "id-7"),
    ],
)
def test_pages_are_url_paths_or_identifiers(link: str, identifier: str, page: str) -> None:
    assert page_of(link, identifier) == page


def test_times_are_utc_and_bad_ones_say_why() -> None:
    assert parse_time("2020-02-01 09:00:00") == datetime(2020, 2, 1, 9, tzinfo=UTC)
    assert parse_time("2020-02-01T10:00:00+01:00") == datetime(2020, 2, 1, 9, tzinfo=UTC)
    assert parse_time("2013-01-01T12:00:00Z") == datetime(2013, 1, 1, 12, tzinfo=UTC)
    with pytest.raises(BadRecord, match="'yesterday' is not a date"):
        parse_time("yesterday")
    with pytest.raises(BadRecord, match="'2011-x09-30T22:48:43Z' is not a date"):
        parse_time("2011-x09-30T22:48:43Z")


def test_repairs_leave_cdata_alone_and_say_what_they_changed() -> None:
    raw = (
        b'<disqus>\n<post dsq:id=1 kind="a"><message><![CDATA[<a href=x>\x01 <post y=2>\n'
        b"<b c=d>]]></message></post>\n<post dsq:id=3/><bad\x0b/>\n</disqus>\n"
    )
    reader = RepairingReader(io.BytesIO(raw), None, b"post")

    repaired = b"".join(iter(lambda: reader.read(7), b""))

    assert repaired == (
        b'<disqus>\n<post dsq:id="1" kind="a"><message><![CDATA[<a href=x> <post y=2>\n'
        b'<b c=d>]]></message></post>\n<post dsq:id="3"/><bad/>\n</disqus>\n'
    )
    assert reader.repairs == [
        "line 2: removed 1 control character(s) XML does not allow (U+0001)",
        "line 2: quoted an attribute value written without quotes: <post dsq:id=1",
        "line 4: removed 1 control character(s) XML does not allow (U+000B)",
        "line 4: quoted an attribute value written without quotes: <post dsq:id=3",
    ]
    assert reader.tags == 2  # the <post> inside the body's CDATA is text, not a record
