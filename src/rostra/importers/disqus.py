"""Disqus XML exports (``<disqus>`` with ``<thread>`` and ``<post>`` records).

Threads come first in the file and posts after them, all as children of the root; a post names
its thread and its parent by ``dsq:id``. Disqus keeps message bodies as HTML and exports no votes.
"""

from __future__ import annotations

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

DSQ_ID = "{http://disqus.com/disqus-internals}id"
FLAGS = {"true": True, "1": True, "false": False, "0": False, "": False}


def read(path: Path, on_read: Progress | None = None, *, strict: bool = False) -> Spool:
    """Read a Disqus export into a spool (threads by page, posts in file order).

    A post that cannot be read is skipped and reported; ``strict`` refuses the file instead,
    as it refuses XML that is not well-formed rather than repairing it."""
    spool = Spool(path.name, strict=strict)
    xml = XmlFile(path, on_read, strict=strict, record_tag=b"post")
    try:
        root = None
        posts = 0
        for event, element in xml.events():
            if event == "start":
                if root is None:
                    root = element
                    require_root(path, element, "disqus", "Disqus")
                continue
            if element.getparent() is not root:
                continue
            kind = local(element)
            record = f"line {element.sourceline}: <{kind} dsq:id={element.get(DSQ_ID)!r}>"
            if kind == "thread":
                key = element.get(DSQ_ID) or ""
                page = page_of(child_text(element, "link"), child_text(element, "id"))
                if key:
                    spool.add_thread(key, page, child_text(element, "title") or None, record)
                else:  # else posts that name no thread would be taken for its posts
                    spool.warnings.append(f"{record}: a thread without dsq:id; left out.")
            elif kind == "post":
                posts += 1
                try:
                    thread, comment = _post(element, record)
                except BadRecord as exc:
                    spool.skip(record, str(exc))
                else:
                    spool.add_comment(thread, comment)
            release(element)
        if root is None:
            raise ImportFileError(f"{path.name}: no XML element: the file is empty or not XML.")
        spool.read_from(xml, posts)
        spool.finish()
    except BaseException:
        spool.close()
        raise
    return spool


def _flag(element: etree._Element, name: str) -> bool:
    value = child_text(element, name).lower()
    if value not in FLAGS:
        raise BadRecord(f"<{name}> is {value!r}, neither true nor false")
    return FLAGS[value]


def _post(element: etree._Element, record: str) -> tuple[str, SourceComment]:
    """The thread key and the comment of one ``<post>``; :class:`BadRecord` when unreadable."""
    thread, parent = "", None
    name, email, username = "", None, ""
    for child in element:
        name_of = local(child)
        if name_of == "thread":
            thread = child.get(DSQ_ID) or ""
        elif name_of == "parent":
            parent = child.get(DSQ_ID) or None
        elif name_of == "author":
            name = child_text(child, "name")
            email = child_text(child, "email") or None
            username = child_text(child, "username")
    # Deleted wins over spam: a deleted post is a placeholder whatever else it was.
    deleted, spam = _flag(element, "isDeleted"), _flag(element, "isSpam")
    if deleted:
        status = CommentStatus.DELETED
    elif spam:
        status = CommentStatus.REJECTED
    else:
        status = CommentStatus.PUBLISHED
    created = child_text(element, "createdAt")
    if not created:
        raise BadRecord("the post has no <createdAt>")
    comment = SourceComment(
        source_id=element.get(DSQ_ID) or "",
        parent_id=parent,
        author_name=name or username,
        author_email=email,
        body=html_to_markdown(child_text(element, "message")),
        created_at=parse_time(created),
        status=status,
        record=record,
    )
    return thread, comment
