"""Exporting a site as JSON Lines: the format ``rostra import rostra`` restores exactly.

One JSON object per line, each with a ``type``: first the ``site``, then each ``thread`` (with its
per-article ``settings`` when it has any) followed by its ``comment`` lines (parents before
replies), its ``vote`` and ``reaction`` lines, then the site's ``subscription`` lines, then staff
notes on readers (``reader_note``), EU DSA notices (``dsa_notice``) and statements of reasons
with their appeals (``dsa_statement``). Threads are read one at a
time, so memory holds one thread, not the site.
Edit-token digests are never exported: they are secrets, and the edit window of an exported
comment is long closed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from rostra.domain.errors import NotFoundError
from rostra.domain.times import from_us
from rostra.services.ports import Storage

FORMAT = "rostra-export"
VERSION = 1
THREAD_BATCH = 200
# Line types of the staff records that follow the subscriptions, and their tables.
STAFF_RECORDS = {
    "reader_note": "reader_notes",
    "dsa_notice": "dsa_notices",
    "dsa_statement": "dsa_statements",  # statements of reasons, with their appeals
}
# Derived on restore (or secret), so not written.
LEFT_OUT = frozenset(
    {"thread_id", "edit_token_hash", "body_html", "is_anchored", "score", "descendant_count",
     "reaction_total", "root_id", "depth", "created_us", "edited_us"}
)  # fmt: skip


def _time(us: int | None) -> str | None:
    return from_us(us).isoformat() if us is not None else None


class ExportService:
    """Reads a site out, thread by thread."""

    def __init__(self, storage: Storage) -> None:
        self._storage = storage

    async def export_site(self, site: str) -> AsyncIterator[dict[str, Any]]:
        """Every record of the site as export lines (dicts with a ``type``), streamed."""
        async with self._storage.read() as tx:
            found = await tx.sites.get(site)
            if found is None:
                raise NotFoundError(f"There is no site called {site!r}.", field="site")
            yield {
                "type": "site",
                "format": FORMAT,
                "version": VERSION,
                "name": found.name,
                "title": found.title,
                "origins": list(found.origins),
                "reactions": list(found.reactions),
            }
            after = 0
            while True:
                batch = await tx.imports.export_threads(site, after, THREAD_BATCH)
                for thread in batch:
                    yield {
                        "type": "thread",
                        "page": thread["page"],
                        "title": thread["title"],
                        "created_at": _time(thread["created_us"]),
                        "comment_count": thread["comment_count"],
                        # Per-article settings, when the article has any (closed, …).
                        **({"settings": thread["settings"]} if thread["settings"] else {}),
                    }
                    for row in await tx.imports.export_comments(thread["id"]):
                        yield {
                            "type": "comment",
                            "page": thread["page"],
                            **{k: v for k, v in row.items() if k not in LEFT_OUT},
                            "created_at": _time(row["created_us"]),
                            "edited_at": _time(row["edited_us"]),
                        }
                    for vote in await tx.imports.export_votes(thread["id"]):
                        yield {
                            "type": "vote",
                            "comment_id": vote["comment_id"],
                            "voter": vote["voter"],
                            "value": vote["value"],
                            "created_at": _time(vote["created_us"]),
                        }
                    for reaction in await tx.imports.export_reactions(thread["id"]):
                        yield {
                            "type": "reaction",
                            "comment_id": reaction["comment_id"],
                            "voter": reaction["voter"],
                            "reaction": reaction["reaction"],
                            "created_at": _time(reaction["created_us"]),
                        }
                if len(batch) < THREAD_BATCH:
                    break
                after = batch[-1]["id"]
            for subscription in await tx.imports.export_subscriptions(site):
                yield {"type": "subscription", **subscription}
            for kind, table in STAFF_RECORDS.items():
                for row in await tx.imports.export_staff_records(table, site):
                    yield {"type": kind, **row}
