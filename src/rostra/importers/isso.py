"""Isso SQLite databases (``threads`` and ``comments`` tables).

Isso keeps bodies as Markdown (what readers typed), likes and dislikes as counts, and the state
in ``mode``: 1 accepted, 2 waiting for moderation, 4 deleted (kept for its replies).

SQLite keeps any value in any column, so a row can hold a time or a count that is not a number.
Every row is checked when the database is opened (without its text, so memory stays small):
a row that cannot be read is skipped and reported, or, strict, refuses the database before
anything is imported.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from rostra.domain.comments import CommentStatus
from rostra.importers.common import BadRecord
from rostra.services.imports import ImportFileError, SkippedRecord, SourceComment, SourceThread

MODES = {1: CommentStatus.PUBLISHED, 2: CommentStatus.PENDING, 4: CommentStatus.DELETED}
MAX_SKIPPED_KEPT = 100_000  # ids only; a database that broken is refused (see __init__)


class IssoDatabase:
    """An Isso database opened read-only."""

    def __init__(self, path: Path, *, strict: bool = False) -> None:
        if not path.is_file():
            raise ImportFileError(f"{path} is not a file.")
        self.name = path.name
        try:
            self._db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            tables = {row[0] for row in self._db.execute("SELECT name FROM sqlite_master")}
        except sqlite3.DatabaseError as exc:
            raise ImportFileError(f"{path.name} is not an SQLite database: {exc}.") from exc
        if not {"threads", "comments"} <= tables:
            self._db.close()
            raise ImportFileError(
                f"{path.name} is not an Isso database (it has no threads and comments tables)."
            )
        self.warnings: list[str] = []
        self.left_out = self.lost = self.repair_count = 0
        self.repairs: list[str] = []
        self._skipped: dict[int, str] = {}
        try:
            self._check(strict)
        except BaseException:
            self._db.close()
            raise
        self.record_count = int(self._db.execute("SELECT count(*) FROM comments").fetchone()[0])
        self.comment_count = self.record_count - len(self._skipped)

    def _check(self, strict: bool) -> None:
        rows = self._db.execute(
            "SELECT c.id, c.created, c.modified, c.likes, c.dislikes, c.mode, t.id "
            "FROM comments c LEFT JOIN threads t ON t.id = c.tid ORDER BY c.id"
        )
        for comment_id, created, modified, likes, dislikes, mode, thread in rows:
            try:
                if thread is None:
                    raise BadRecord("its thread is not in the database")
                _time(created, "created")
                if modified:
                    _time(modified, "modified")
                for value, column in ((likes, "likes"), (dislikes, "dislikes"), (mode, "mode")):
                    _count(value, column)
            except BadRecord as exc:
                if strict:
                    raise ImportFileError(f"{self.name}: comment id {comment_id}: {exc}.") from exc
                if len(self._skipped) >= MAX_SKIPPED_KEPT:
                    raise ImportFileError(
                        f"{self.name}: more than {MAX_SKIPPED_KEPT:,} comments cannot be read; "
                        "this does not look like an Isso database."
                    ) from exc
                self._skipped[int(comment_id)] = str(exc)

    def skipped(self) -> Iterator[SkippedRecord]:
        """The comments that cannot be read, by id."""
        for comment_id, reason in self._skipped.items():
            yield SkippedRecord(f"comment id {comment_id}", reason)

    def close(self) -> None:
        """Close the database."""
        self._db.close()

    def threads(self) -> Iterator[SourceThread]:
        """Each thread with its comments, by thread id."""
        threads = self._db.execute("SELECT id, uri, title FROM threads ORDER BY id").fetchall()
        for thread_id, uri, title in threads:
            rows = self._db.execute(
                "SELECT id, parent, created, modified, mode, text, author, email, website, "
                "likes, dislikes FROM comments WHERE tid = ? ORDER BY id",
                (thread_id,),
            )
            comments = [self._comment(row) for row in rows if int(row[0]) not in self._skipped]
            if comments:
                yield SourceThread(uri or "", title, comments, f"thread id {thread_id}")

    def _comment(self, row: tuple[object, ...]) -> SourceComment:
        comment_id, parent, created, modified, mode, text, author, email, website, up, down = row
        return SourceComment(
            source_id=str(comment_id),
            parent_id=str(parent) if parent is not None else None,
            author_name=str(author or ""),
            author_email=str(email) if email else None,
            author_url=str(website) if website else None,
            body=str(text or ""),
            created_at=_time(created, "created"),
            edited_at=_time(modified, "modified") if modified else None,
            status=MODES.get(_count(mode, "mode") or 1, CommentStatus.PENDING),
            upvotes=_count(up, "likes"),
            downvotes=_count(down, "dislikes"),
            record=f"comment id {comment_id}",
        )


def _time(value: object, column: str) -> datetime:
    try:
        return datetime.fromtimestamp(float(value), UTC)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError, OSError) as exc:
        raise BadRecord(f"{column} {value!r} is not a time") from exc


def _count(value: object, column: str) -> int:
    if value is None:
        return 0
    try:
        return int(value)  # type: ignore[call-overload, no-any-return]
    except (TypeError, ValueError) as exc:
        raise BadRecord(f"{column} {value!r} is not a number") from exc
