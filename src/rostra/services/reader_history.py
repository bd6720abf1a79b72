"""Deciding with context: a comment author's record on the site, and staff notes on readers."""

from __future__ import annotations

from rostra.domain.errors import NotFoundError, ValidationError
from rostra.domain.moderation import TRUST_COUNT_LIMIT, is_trusted
from rostra.domain.reader_history import (
    RECENT_COMMENTS,
    RECENT_DECISIONS,
    AuthorKey,
    ReaderHistory,
    ReaderNote,
    Trust,
    author_key,
    validate_note,
)
from rostra.domain.staff import StaffAction, StaffUser
from rostra.services.history_ports import CommentAuthor, HistoryStorage, HistoryTransaction
from rostra.services.ports import Clock


class ReaderHistoryService:
    """What staff see about an author before deciding, and the notes they leave for each
    other; any staff member may read and write them (every note is audited)."""

    def __init__(self, storage: HistoryStorage, clock: Clock) -> None:
        self._storage = storage
        self._clock = clock

    async def history(self, user: StaffUser, comment_id: str) -> ReaderHistory:
        """The record on its site of the author of ``comment_id``."""
        del user  # every staff member decides with the same context
        async with self._storage.read() as tx:
            author, key = await self._author(tx, comment_id)
            records = tx.reader_records
            counts = await records.counts(key)
            first_seen = None
            if author.reader_id:
                first_seen = await records.account_created_at(author.reader_id)
            if first_seen is None:
                first_seen = await records.first_comment_at(key)
            digests = [
                (kind, value)
                for kind, value in (("email", author.email_hash), ("ip", author.ip_hash))
                if value
            ]
            settings = await tx.sites.moderation_settings(key.site)
            record = await tx.screening.trust_record(
                key.site, author.email_hash, author.ip_hash, TRUST_COUNT_LIMIT
            )
            now = self._clock.now()
            bans = await records.bans(digests)
            return ReaderHistory(
                site=key.site,
                author_name=author.author_name,
                identified_by="account"
                if author.reader_id
                else ("email" if key.kind == "email" else "address"),
                counts=counts,
                first_seen=first_seen,
                comments=await records.recent_comments(key, RECENT_COMMENTS),
                decisions=await records.staff_decisions(key, RECENT_DECISIONS),
                bans=bans,
                as_of=now,
                bans_in_force=frozenset(
                    b.id for b in bans if b.expires_at is None or b.expires_at > now
                ),
                notes=await records.notes(key),
                trust=Trust(
                    trusted=is_trusted(record, settings, now),
                    approved_since_rejection=record.approved_since_rejection,
                    needed=settings.trust_approved,
                    last_rejection=record.last_rejection,
                    clean_days=settings.trust_clean_days,
                ),
            )

    async def add_note(self, user: StaffUser, comment_id: str, body: str | None) -> ReaderNote:
        """Leave a note on the author of ``comment_id`` for all staff (audited)."""
        text = validate_note(body)
        async with self._storage.write() as tx:
            _, key = await self._author(tx, comment_id)
            now = self._clock.now()
            note_id = await tx.reader_records.add_note(key, text, user.email, now)
            # The audit log names the comment, never the author's digest.
            await tx.staff_records.audit(user.email, StaffAction.NOTE, comment_id, text, now)
        return ReaderNote(note_id, text, user.email, now)

    @staticmethod
    async def _author(tx: HistoryTransaction, comment_id: str) -> tuple[CommentAuthor, AuthorKey]:
        author = await tx.reader_records.author_of(comment_id)
        if author is None:
            raise NotFoundError("There is no such comment.", field="id")
        key = author_key(author.site, author.email_hash, author.ip_hash)
        if key is None:
            raise ValidationError(
                "This comment's author left no email or address to know them by.", field="id"
            )
        return author, key
