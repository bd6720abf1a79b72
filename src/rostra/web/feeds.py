"""RSS 2.0 and Atom documents of a ``Feed``, written with feedgen."""

from __future__ import annotations

from feedgen.feed import FeedGenerator

from rostra.domain.subscriptions import article_url
from rostra.services.feeds import Feed

FORMATS = {"atom": "application/atom+xml", "rss": "application/rss+xml"}


def render_feed(feed: Feed, kind: str, self_url: str) -> bytes:
    """The feed as ``kind`` (``atom`` or ``rss``). Entries carry the comment's HTML as stored:
    sanitized when it was written (nh3), so a feed reader shows what the widget shows."""
    site = feed.site
    home = article_url(site.origins, feed.page) if feed.page else None
    home = home or (site.origins[0] if site.origins else self_url)
    site_title = site.title or site.name
    generator = FeedGenerator()
    generator.id(self_url)
    if feed.page is not None:
        generator.title(f"Comments on {feed.page_title or feed.page} – {site_title}")
    else:
        generator.title(f"Latest comments – {site_title}")
    generator.subtitle("The latest published comments, newest first.")
    generator.link(href=self_url, rel="self")
    generator.link(href=home, rel="alternate")  # last: RSS's <link> is the last one given
    generator.generator("Rostra")
    if feed.items:  # else feedgen's default, the time of writing
        generator.updated(max(item.comment.created_at for item in feed.items))
    # feedgen lists entries in reverse order of adding: add the oldest first.
    for item in reversed(feed.items):
        comment = item.comment
        link = article_url(site.origins, item.page, comment.id) or f"{home}#comment-{comment.id}"
        entry = generator.add_entry()
        entry.id(link)
        entry.guid(link, permalink=link.startswith("http"))
        title = item.page_title or item.page
        entry.title(f"{comment.author_name} on {title}")
        entry.author(name=comment.author_name)
        entry.link(href=link)
        entry.published(comment.created_at)
        entry.updated(comment.edited_at or comment.created_at)
        entry.content(comment.body_html, type="html")
        if kind == "rss":
            entry.description(comment.body_html)
    if kind == "atom":
        return bytes(generator.atom_str(pretty=False))
    return bytes(generator.rss_str(pretty=False))
