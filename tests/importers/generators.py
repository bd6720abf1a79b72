"""Small writers of export files in each source format, for tests and the benchmark."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO
from xml.sax.saxutils import escape, quoteattr

BASE_TIME = datetime(2019, 3, 4, 5, 6, 7, tzinfo=UTC)


@dataclass
class Post:
    """One comment in a generated export."""

    id: str
    thread: str
    body: str = "Hello"
    author: str = "Reader"
    email: str = "reader@example.org"
    parent: str | None = None
    created: datetime = BASE_TIME
    deleted: bool = False
    spam: bool = False
    status: str = "1"  # WordPress comment_approved
    meta: dict[str, str] = field(default_factory=dict)
    kind: str = "comment"  # WordPress comment_type


@dataclass
class Page:
    """One thread in a generated export."""

    id: str
    link: str
    title: str = "An article"
    identifier: str = ""


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def write_disqus_stream(out: IO[str], pages: Iterable[Page], posts: Iterable[Post]) -> None:
    """A Disqus export: threads first, then posts, as Disqus writes them."""
    out.write('<?xml version="1.0" encoding="utf-8"?>\n')
    out.write(
        '<disqus xmlns="http://disqus.com" '
        'xmlns:dsq="http://disqus.com/disqus-internals">\n'
        '  <category dsq:id="1"><forum>news</forum><title>General</title></category>\n'
    )
    for page in pages:
        out.write(
            f"  <thread dsq:id={quoteattr(page.id)}><id>{escape(page.identifier)}</id>"
            f"<forum>news</forum><link>{escape(page.link)}</link>"
            f"<title>{escape(page.title)}</title><createdAt>{BASE_TIME:%Y-%m-%dT%H:%M:%SZ}"
            "</createdAt></thread>\n"
        )
    for post in posts:
        parent = f"<parent dsq:id={quoteattr(post.parent)}/>" if post.parent else ""
        out.write(
            f"  <post dsq:id={quoteattr(post.id)}><id/><message>{_cdata(post.body)}</message>"
            f"<createdAt>{post.created:%Y-%m-%dT%H:%M:%SZ}</createdAt>"
            f"<isDeleted>{str(post.deleted).lower()}</isDeleted>"
            f"<isSpam>{str(post.spam).lower()}</isSpam>"
            f"<author><email>{escape(post.email)}</email><name>{escape(post.author)}</name>"
            "<isAnonymous>false</isAnonymous><username>reader</username></author>"
            f"<ipAddress>127.0.0.1</ipAddress><thread dsq:id={quoteattr(post.thread)}/>"
            f"{parent}</post>\n"
        )
    out.write("</disqus>\n")


def write_disqus(path: Path, pages: Iterable[Page], posts: Iterable[Post]) -> Path:
    with path.open("w", encoding="utf-8") as out:
        write_disqus_stream(out, pages, posts)
    return path


def write_wxr(path: Path, pages: Iterable[Page], posts: Iterable[Post]) -> Path:
    """A WordPress WXR 1.2 export with each post's comments inside its item."""
    by_page: dict[str, list[Post]] = {}
    for post in posts:
        by_page.setdefault(post.thread, []).append(post)
    with path.open("w", encoding="utf-8") as out:
        out.write(
            '<?xml version="1.0" encoding="UTF-8" ?>\n<rss version="2.0" '
            'xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:wp="http://wordpress.org/export/1.2/">\n<channel>\n'
            "<title>News</title><link>https://news.example</link>"
            "<wp:wxr_version>1.2</wp:wxr_version>\n"
        )
        for page in pages:
            out.write(
                f"<item><title>{escape(page.title)}</title><link>{escape(page.link)}</link>"
                f"<wp:post_id>{escape(page.id)}</wp:post_id><wp:post_type>post</wp:post_type>"
                f"<content:encoded>{_cdata('<p>Article</p>')}</content:encoded>\n"
            )
            for post in by_page.get(page.id, []):
                meta = "".join(
                    f"<wp:commentmeta><wp:meta_key>{escape(k)}</wp:meta_key>"
                    f"<wp:meta_value>{_cdata(v)}</wp:meta_value></wp:commentmeta>"
                    for k, v in post.meta.items()
                )
                out.write(
                    f"<wp:comment><wp:comment_id>{escape(post.id)}</wp:comment_id>"
                    f"<wp:comment_author>{_cdata(post.author)}</wp:comment_author>"
                    f"<wp:comment_author_email>{escape(post.email)}</wp:comment_author_email>"
                    "<wp:comment_author_url>https://reader.example</wp:comment_author_url>"
                    "<wp:comment_author_IP>127.0.0.1</wp:comment_author_IP>"
                    f"<wp:comment_date>{post.created + timedelta(hours=1):%Y-%m-%d %H:%M:%S}"
                    "</wp:comment_date>"
                    f"<wp:comment_date_gmt>{post.created:%Y-%m-%d %H:%M:%S}</wp:comment_date_gmt>"
                    f"<wp:comment_content>{_cdata(post.body)}</wp:comment_content>"
                    f"<wp:comment_approved>{escape(post.status)}</wp:comment_approved>"
                    f"<wp:comment_type>{escape(post.kind)}</wp:comment_type>"
                    f"<wp:comment_parent>{escape(post.parent or '0')}</wp:comment_parent>"
                    f"<wp:comment_user_id>0</wp:comment_user_id>{meta}</wp:comment>\n"
                )
            out.write("</item>\n")
        out.write("</channel>\n</rss>\n")
    return path


def write_isso(path: Path, pages: Iterable[Page], posts: Iterable[Post], *, likes: int = 0) -> Path:
    """An Isso database made by Isso's own code (``isso.db.SQLite3``): its schema, its inserts."""
    from isso.config import default_file, load  # the real package, a test-only dependency
    from isso.db import SQLite3

    conf = load(default_file())
    conf.set("general", "dbpath", str(path))
    db = SQLite3(str(path), conf)
    uris = {page.id: page for page in pages}
    for page in uris.values():
        db.threads.new(page.link, page.title)
    ids: dict[str, int] = {}
    for post in posts:
        page = uris[post.thread]
        added = db.comments.add(
            page.link,
            {
                "parent": ids.get(post.parent) if post.parent else None,
                "created": post.created.timestamp(),
                "mode": 2 if post.status == "0" else 1,
                "remote_addr": "127.0.0.1",
                "text": post.body,
                "author": post.author,
                "email": post.email,
                "website": None,
                "notification": 0,
            },
        )
        ids[post.id] = added["id"]
        if likes:
            db.execute(
                "UPDATE comments SET likes = ?, dislikes = 1 WHERE id = ?", (likes, added["id"])
            )
        if post.deleted:
            db.execute("UPDATE comments SET mode = 4 WHERE id = ?", (added["id"],))
    return path


def isso_tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
