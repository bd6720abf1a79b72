"""Disqus XML exports (``<disqus>`` with ``<thread>`` and ``<post>`` records).

Threads come first in the file and posts after them, all as children of the root; a post names
its thread and its parent by ``dsq:id``. Disqus keeps message bodies as HTML and exports no votes.
"""

from __future__ import annotations

from pathlib import Path

from rostra.domain.comments import CommentStatus
from rostra.importers.common import (
    Progress,
    Spool,
    child_text,
    html_to_markdown,
    iter_xml,
    local,
    page_of,
    parse_time,
    release,
    require_root,
)
from rostra.services.imports import ImportFileError, SourceComment

DSQ_ID = "{http://disqus.com/disqus-internals}id"


def read(path: Path, on_read: Progress | None = None) -> Spool:
    """Read a Disqus export into a spool (threads by page, posts in file order)."""
    spool = Spool()
    try:
        root = None
        for event, element in iter_xml(path, on_read):
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
                spool.add_thread(key, page, child_text(element, "title") or None, record)
            elif kind == "post":
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
                if child_text(element, "isDeleted") == "true":
                    status = CommentStatus.DELETED
                elif child_text(element, "isSpam") == "true":
                    status = CommentStatus.REJECTED
                else:
                    status = CommentStatus.PUBLISHED
                created = child_text(element, "createdAt")
                if not created:
                    raise ImportFileError(f"{path.name}: {record}: the post has no <createdAt>.")
                spool.add_comment(
                    thread,
                    SourceComment(
                        source_id=element.get(DSQ_ID) or "",
                        parent_id=parent,
                        author_name=name or username,
                        author_email=email,
                        body=html_to_markdown(child_text(element, "message")),
                        created_at=parse_time(created, f"{path.name}: {record}"),
                        status=status,
                        record=record,
                    ),
                )
            release(element)
        if root is None:
            raise ImportFileError(f"{path.name}: the file is empty.")
        spool.finish()
    except BaseException:
        spool.close()
        raise
    return spool
