"""Isso SQLite databases (``threads`` and ``comments`` tables).

Isso keeps bodies as Markdown (what readers typed), likes and dislikes as counts, and the state
in ``mode``: 1 accepted, 2 waiting for moderation, 4 deleted (kept for its replies).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from rostra.domain.comments import CommentStatus
from rostra.services.imports import ImportFileError, SourceComment, SourceThread

MODES = {1: CommentStatus.PUBLISHED, 2: CommentStatus.PENDING, 4: CommentStatus.DELETED}


class IssoDatabase:
    """An Isso database opened read-only."""

    def __init__(self, path: Path) -> None:
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
        self.comment_count = int(self._db.execute("SELECT count(*) FROM comments").fetchone()[0])
        self.warnings: list[str] = []

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
            comments = [self._comment(row) for row in rows]
            if comments:
                yield SourceThread(uri or "", title, comments, f"thread id {thread_id}")

    def _comment(self, row: tuple[object, ...]) -> SourceComment:
        comment_id, parent, created, modified, mode, text, author, email, website, up, down = row
        record = f"{self.name}: comment id {comment_id}"
        try:
            created_at = datetime.fromtimestamp(float(created), UTC)  # type: ignore[arg-type]
            edited_at = (
                datetime.fromtimestamp(float(modified), UTC)  # type: ignore[arg-type]
                if modified
                else None
            )
        except (TypeError, ValueError, OverflowError) as exc:
            raise ImportFileError(f"{record}: {created!r} is not a time.") from exc
        return SourceComment(
            source_id=str(comment_id),
            parent_id=str(parent) if parent is not None else None,
            author_name=str(author or ""),
            author_email=str(email) if email else None,
            author_url=str(website) if website else None,
            body=str(text or ""),
            created_at=created_at,
            edited_at=edited_at,
            status=MODES.get(int(mode or 1), CommentStatus.PENDING),  # type: ignore[call-overload]
            upvotes=int(up or 0),  # type: ignore[call-overload]
            downvotes=int(down or 0),  # type: ignore[call-overload]
            record=record,
        )
