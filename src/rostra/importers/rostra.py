"""Our own JSON Lines export (``rostra export``), restored exactly.

The file is read twice: once to check every line and to count, then to import thread by thread.
Lines of a thread follow its ``thread`` line, as the exporter writes them; memory holds one
thread. A line that cannot be read (not JSON, a comment or vote with a broken field) is skipped
and reported, or, strict, refuses the file; so is a comment or vote that does not follow its
thread's line (its thread line may be the broken one). Every check is made in the first reading,
so a refused file has written nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from rostra.domain.comments import CommentStatus
from rostra.domain.errors import ValidationError
from rostra.domain.reactions import MAX_REACTION_LENGTH
from rostra.domain.threads import ThreadSettings
from rostra.importers.common import Progress
from rostra.services.exports import STAFF_RECORDS
from rostra.services.imports import (
    ImportFileError,
    SkippedRecord,
    SourceComment,
    SourceReaction,
    SourceSite,
    SourceThread,
    SourceVote,
)

MAX_BAD_LINES = 10_000  # more than that, and the file is not an export: refused
TYPES = frozenset({"site", "thread", "comment", "vote", "reaction", "subscription", *STAFF_RECORDS})
# Comment keys with a field of their own; every other key is a stored column restored as is.
OWN_KEYS = frozenset(
    {"type", "id", "page", "parent_id", "author_name", "author_url", "body", "status",
     "created_at", "edited_at", "upvotes", "downvotes", "anchor"}
)  # fmt: skip


class RostraExport:
    """A ``rostra export`` file, checked line by line when opened."""

    def __init__(self, path: Path, on_read: Progress | None = None, *, strict: bool = False):
        self.path = path
        self.strict = strict
        self.comment_count = 0
        self.warnings: list[str] = []
        self.left_out = self.lost = self.repair_count = 0
        self.repairs: list[str] = []
        self.site: SourceSite | None = None
        # Lines that cannot be read, with the reason: few, or the file is not an export.
        self._bad: dict[int, str] = {}
        self._skipped_ids: set[str] = set()  # comments skipped: their votes are left out
        orphan_votes = 0
        page: object = None  # the page of the thread line the next records belong to
        for number, record in self._lines(on_read):
            kind = record["type"]
            if kind == "thread":
                page = record.get("page")
                try:
                    if record.get("created_at"):
                        self._time(number, record["created_at"])
                    self._settings(number, record)
                except ImportFileError as exc:
                    page = None  # its comments and votes go with it
                    self._skip(number, exc)
            if kind == "site":
                if number != 1:
                    raise self._error(number, "the site line must come first")
                chosen = record.get("reactions")
                if chosen is not None and not isinstance(chosen, list):
                    raise self._error(number, "'reactions' is a list of the site's reactions")
                self.site = SourceSite(
                    str(record.get("name", "")),
                    str(record.get("title") or ""),
                    tuple(record.get("origins") or ()),
                    None if chosen is None else tuple(chosen),
                )
            elif number == 1:
                raise self._error(number, "the first line must be the site line")
            elif kind == "comment":
                try:
                    if page is None or record.get("page") != page:
                        raise self._error(
                            number, "the comment does not follow a readable line of its thread"
                        )
                    self._source_comment(number, record)
                except ImportFileError as exc:
                    self._skip(number, exc)
                    self._skipped_ids.add(str(record.get("id")))
                else:
                    self.comment_count += 1
            elif kind == "vote":
                try:
                    if page is None:
                        raise self._error(
                            number, "the vote does not follow a readable line of its thread"
                        )
                    self._vote(number, record)
                except ImportFileError as exc:
                    self._skip(number, exc)
                else:
                    orphan_votes += str(record.get("comment_id")) in self._skipped_ids
            elif kind == "reaction":
                try:
                    if page is None:
                        raise self._error(
                            number, "the reaction does not follow a readable line of its thread"
                        )
                    self._reaction(number, record)
                except ImportFileError as exc:
                    self._skip(number, exc)
        if orphan_votes:
            self.warnings.append(f"{orphan_votes:,} vote(s) on skipped comments were left out.")

    @property
    def record_count(self) -> int:
        """Comment lines, and lines that could not be read."""
        return self.comment_count + len(self._bad)

    def skipped(self) -> Iterator[SkippedRecord]:
        """The lines that could not be read."""
        for number, reason in sorted(self._bad.items()):
            yield SkippedRecord(f"line {number}", reason)

    def _skip(self, number: int, exc: ImportFileError) -> None:
        if self.strict or len(self._bad) >= MAX_BAD_LINES:
            raise exc
        self._bad[number] = exc.message.removeprefix(f"{self.path.name}: line {number}: ")

    def close(self) -> None:
        """Nothing to release; here for symmetry with the other readers."""

    def _error(self, number: int, message: str) -> ImportFileError:
        return ImportFileError(f"{self.path.name}: line {number}: {message}.")

    def _lines(self, on_read: Progress | None = None) -> Iterator[tuple[int, dict[str, Any]]]:
        try:
            file = self.path.open("rb")
        except OSError as exc:
            raise ImportFileError(f"Cannot open {self.path}: {exc.strerror}.") from exc
        with file:
            for number, raw in enumerate(file, start=1):
                if on_read is not None:
                    on_read(len(raw))
                if not raw.strip() or number in self._bad:
                    continue
                try:
                    record = json.loads(raw.decode("utf-8"))
                except UnicodeDecodeError as exc:
                    error = self._error(
                        number,
                        f"the line is not UTF-8 (byte {raw[exc.start]:#04x} at column "
                        f"{exc.start + 1})",
                    )
                except json.JSONDecodeError as exc:
                    error = self._error(number, f"not JSON: {exc.msg}")
                else:
                    if isinstance(record, dict) and record.get("type") in TYPES:
                        yield number, record
                        continue
                    error = self._error(number, "each line must be an object with a known 'type'")
                if number == 1:
                    raise error
                self._skip(number, error)

    def _time(self, number: int, value: Any) -> datetime:
        try:
            return datetime.fromisoformat(str(value))
        except ValueError as exc:
            raise self._error(number, f"{value!r} is not a time") from exc

    def _source_comment(self, number: int, record: dict[str, Any]) -> SourceComment:
        try:
            status = CommentStatus(record.get("status"))
            upvotes, downvotes = int(record.get("upvotes") or 0), int(record.get("downvotes") or 0)
        except (ValueError, TypeError) as exc:
            raise self._error(number, f"bad comment: {exc}") from exc
        if not isinstance(record.get("id"), str) or not isinstance(record.get("body"), str):
            raise self._error(number, "a comment needs a text 'id' and 'body'")
        counts = record.get("reaction_counts")
        if counts is not None and not (
            isinstance(counts, dict)
            and all(
                isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in counts.values()
            )
        ):
            raise self._error(number, "'reaction_counts' maps reactions to counts")
        edited = record.get("edited_at")
        return SourceComment(
            source_id=record["id"],
            parent_id=record.get("parent_id"),
            author_name=str(record.get("author_name") or ""),
            author_url=record.get("author_url"),
            body=record["body"],
            created_at=self._time(number, record.get("created_at")),
            edited_at=self._time(number, edited) if edited else None,
            status=status,
            upvotes=upvotes,
            downvotes=downvotes,
            anchor=record.get("anchor"),
            record=f"line {number}",
            stored={k: v for k, v in record.items() if k not in OWN_KEYS},
        )

    def _settings(self, number: int, record: dict[str, Any]) -> ThreadSettings | None:
        """A thread line's per-article settings (closed, …), checked; None without any."""
        if record.get("settings") is None:
            return None
        try:
            return ThreadSettings.from_json(record["settings"])
        except ValidationError as exc:
            raise self._error(number, f"bad thread settings: {exc.message.rstrip('.')}") from exc

    def _vote(self, number: int, record: dict[str, Any]) -> SourceVote:
        value = record.get("value")
        if value not in (1, -1) or not record.get("comment_id") or not record.get("voter"):
            raise self._error(number, "a vote needs 'comment_id', 'voter' and a value of 1 or -1")
        return SourceVote(
            str(record["comment_id"]),
            str(record["voter"]),
            int(value),
            self._time(number, record.get("created_at")),
        )

    def _reaction(self, number: int, record: dict[str, Any]) -> SourceReaction:
        reaction = record.get("reaction")
        if not isinstance(reaction, str) or not reaction or len(reaction) > MAX_REACTION_LENGTH:
            raise self._error(number, "a reaction needs 'comment_id', 'voter' and a 'reaction'")
        if not record.get("comment_id") or not record.get("voter"):
            raise self._error(number, "a reaction needs 'comment_id', 'voter' and a 'reaction'")
        return SourceReaction(
            str(record["comment_id"]),
            str(record["voter"]),
            reaction,
            self._time(number, record.get("created_at")),
        )

    def threads(self) -> Iterator[SourceThread | SourceSite]:
        """Each thread with its comments and votes, then the site's subscriptions."""
        thread: dict[str, Any] | None = None
        start = 0
        comments: list[SourceComment] = []
        votes: list[SourceVote] = []
        reactions: list[SourceReaction] = []
        subscriptions: list[dict[str, Any]] = []
        staff: dict[str, list[dict[str, Any]]] = {}
        for number, record in self._lines():
            kind = record["type"]
            if kind == "thread":
                if thread is not None:
                    yield self._thread(thread, start, comments, votes, reactions)
                thread, start, comments, votes, reactions = record, number, [], [], []
            elif kind == "comment":
                if thread is None or record.get("page") != thread.get("page"):
                    raise self._error(number, "a comment must follow the line of its thread")
                comments.append(self._source_comment(number, record))
            elif kind == "vote":
                if thread is None:
                    raise self._error(number, "a vote must follow the line of its thread")
                if str(record.get("comment_id")) in self._skipped_ids:
                    continue  # counted in the first reading
                votes.append(self._vote(number, record))
            elif kind == "reaction":
                if thread is None:
                    raise self._error(number, "a reaction must follow the line of its thread")
                if str(record.get("comment_id")) in self._skipped_ids:
                    continue
                reactions.append(self._reaction(number, record))
            elif kind == "subscription":
                subscriptions.append({k: v for k, v in record.items() if k != "type"})
            elif kind in STAFF_RECORDS:
                rows = staff.setdefault(STAFF_RECORDS[kind], [])
                rows.append({k: v for k, v in record.items() if k != "type"})
        if thread is not None:
            yield self._thread(thread, start, comments, votes, reactions)
        if subscriptions or staff:
            site = self.site or SourceSite("")
            yield SourceSite(
                site.name, site.title, site.origins, site.reactions, subscriptions, staff
            )

    def _thread(
        self,
        record: dict[str, Any],
        number: int,
        comments: list[SourceComment],
        votes: list[SourceVote],
        reactions: list[SourceReaction],
    ) -> SourceThread:
        created = record.get("created_at")
        return SourceThread(
            page=str(record.get("page") or ""),
            title=record.get("title"),
            comments=comments,
            record=f"line {number}",
            created_at=self._time(number, created) if created else None,
            votes=votes,
            reactions=reactions,
            settings=self._settings(number, record),
        )
