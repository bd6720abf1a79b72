"""WordPress WXR exports (RSS with the ``wp:`` namespace), as wpDiscuz keeps its comments.

wpDiscuz stores its comments as ordinary WordPress comments, so the export holds them under each
``<item>`` as ``<wp:comment>`` with ``wp:comment_parent`` links. Votes are comment meta:
``wpdiscuz_votes_seperate`` (sic) is a PHP-serialized ``{"like": n, "dislike": m}`` and
``wpdiscuz_votes`` the net total of older versions; we take the separate counts when present,
else the net total as up- or downvotes. Bodies are WordPress comment HTML (with plain newlines
as paragraph breaks).
"""

from __future__ import annotations

import re
from pathlib import Path

from lxml import etree

from rostra.domain.comments import CommentStatus
from rostra.importers.common import (
    BadRecord,
    Progress,
    Spool,
    XmlFile,
    child_text,
    html_to_markdown,
    local,
    page_of,
    parse_time,
    release,
    require_root,
)
from rostra.services.imports import ImportFileError, SourceComment

VOTES = "wpdiscuz_votes"
VOTES_SEPARATE = "wpdiscuz_votes_seperate"
# A PHP-serialized integer entry: s:4:"like";i:5;
PHP_COUNT = re.compile(r's:\d+:"(like|dislike)";i:(-?\d+);')
STATUS = {
    "1": CommentStatus.PUBLISHED,
    "approve": CommentStatus.PUBLISHED,
    "0": CommentStatus.PENDING,
    "hold": CommentStatus.PENDING,
    "spam": CommentStatus.REJECTED,
    "trash": CommentStatus.DELETED,
    "post-trashed": CommentStatus.DELETED,
}
SKIPPED_TYPES = frozenset({"pingback", "trackback"})
NO_DATE = "0000-00-00 00:00:00"


def votes_from_meta(meta: dict[str, str]) -> tuple[int, int]:
    """(upvotes, downvotes) from wpDiscuz comment meta; (0, 0) when it has none."""
    separate = dict(PHP_COUNT.findall(meta.get(VOTES_SEPARATE, "")))
    if separate:
        return max(0, int(separate.get("like", 0))), abs(int(separate.get("dislike", 0)))
    try:
        net = int(meta.get(VOTES, "0").strip() or 0)
    except ValueError:
        return 0, 0
    return max(net, 0), max(-net, 0)


def _comment(element: etree._Element, where: str) -> SourceComment:
    """One ``<wp:comment>``; :class:`BadRecord` when it cannot be read."""
    fields: dict[str, str] = {}
    meta: dict[str, str] = {}
    for child in element:
        key = local(child)
        if key == "commentmeta":
            meta[child_text(child, "meta_key")] = child_text(child, "meta_value")
        else:
            fields[key] = (child.text or "").strip()
    date = fields.get("comment_date_gmt", "")
    if not date or date == NO_DATE:
        date = fields.get("comment_date", "")
    if not date or date == NO_DATE:
        raise BadRecord("the comment has no date")
    parent = fields.get("comment_parent", "0")
    up, down = votes_from_meta(meta)
    approved = fields.get("comment_approved", "1")
    return SourceComment(
        source_id=fields.get("comment_id", ""),
        parent_id=None if parent in ("", "0") else parent,
        author_name=fields.get("comment_author", ""),
        author_email=fields.get("comment_author_email") or None,
        author_url=fields.get("comment_author_url") or None,
        body=html_to_markdown(fields.get("comment_content", "")),
        created_at=parse_time(date),
        status=STATUS.get(approved, CommentStatus.PENDING),
        upvotes=up,
        downvotes=down,
        record=where,
    )


def read(path: Path, on_read: Progress | None = None, *, strict: bool = False) -> Spool:
    """Read a WXR file into a spool: one thread per post, with its comments.

    Each ``<item>`` is a thread of its own, even when two share a ``wp:post_id`` (files merged
    from two blogs): items that share a page are merged by page like any threads. A comment
    that cannot be read is skipped and reported; ``strict`` refuses the file instead."""
    spool = Spool(path.name, strict=strict)
    xml = XmlFile(path, on_read, strict=strict, record_tag=b"wp:comment")
    try:
        root = None
        comments = items = 0
        for event, element in xml.events():
            if event == "start":
                if root is None:
                    root = element
                    require_root(path, element, "rss", "WordPress")
                continue
            if local(element) != "item":
                continue
            record = f"line {element.sourceline}: <item>"
            post_id = child_text(element, "post_id")
            items += 1
            key = str(items)
            link = child_text(element, "link")
            page = page_of(
                link, child_text(element, "guid") or post_id or f"line-{element.sourceline}"
            )
            post_id = post_id or "?"
            spool.add_thread(key, page, child_text(element, "title") or None, record)
            for child in element:
                if local(child) != "comment":
                    continue
                comments += 1
                comment_id = child_text(child, "comment_id") or "?"
                where = f"line {child.sourceline}: <wp:comment> {comment_id} (post {post_id})"
                if child_text(child, "comment_type") in SKIPPED_TYPES:
                    spool.leave_out()
                    continue
                try:
                    spool.add_comment(key, _comment(child, where))
                except BadRecord as exc:
                    spool.skip(where, str(exc))
            release(element)
        if root is None:
            raise ImportFileError(f"{path.name}: no XML element: the file is empty or not XML.")
        spool.read_from(xml, comments)
        spool.finish()
    except BaseException:
        spool.close()
        raise
    return spool
