"""Reader accounts, their sessions, used sign-in tokens and the site settings in SQL."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from rostra.domain.accounts import (
    AccountSettings,
    DeletionPolicy,
    Reader,
    ReaderProfile,
    SignInMethod,
    SsoAlgorithm,
)
from rostra.domain.comments import CommentStatus
from rostra.domain.times import from_us, to_us
from rostra.services.accounts_ports import AuthoredComment, PendingLogin
from rostra.storage.tables import (
    comment_reports,
    comments,
    oidc_logins,
    outbox,
    reactions,
    reader_identities,
    reader_sessions,
    readers,
    site_accounts,
    sites,
    subscriptions,
    threads,
    used_tokens,
    votes,
)

READER_COLUMNS = (
    readers.c.id,
    sites.c.name.label("site"),
    readers.c.method,
    readers.c.subject,
    readers.c.name,
    readers.c.email,
    readers.c.email_hash,
    readers.c.avatar_url,
    readers.c.created_us,
    readers.c.avatar_image,
)


def _reader(row: Any) -> Reader:
    return Reader(
        id=row.id,
        site=row.site,
        method=SignInMethod(row.method),
        subject=row.subject,
        name=row.name,
        email=row.email,
        email_hash=row.email_hash,
        avatar_url=row.avatar_url,
        created_at=from_us(row.created_us),
        avatar_image=row.avatar_image,
    )


def _site_id(name: str) -> sa.ScalarSelect[Any]:
    return sa.select(sites.c.id).where(sites.c.name == name).scalar_subquery()


class SqlAccountRepository:
    """``AccountRepository`` on one connection."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    def _insert(self) -> Any:
        return postgresql.insert if self._conn.dialect.name == "postgresql" else sqlite.insert

    async def settings(self, site: str) -> AccountSettings:
        row = (
            await self._conn.execute(
                sa.select(site_accounts).where(site_accounts.c.site_id == _site_id(site))
            )
        ).first()
        if row is None:
            return AccountSettings()
        return AccountSettings(
            sso_algorithm=SsoAlgorithm(row.sso_algorithm) if row.sso_algorithm else None,
            sso_key=row.sso_key,
            deletion_policy=DeletionPolicy(row.deletion_policy),
            email_sign_in=bool(row.email_sign_in),
            oidc_issuer=row.oidc_issuer,
            oidc_client_id=row.oidc_client_id,
            oidc_client_secret=row.oidc_client_secret,
            oidc_name=row.oidc_name,
        )

    async def save_settings(self, site: str, settings: AccountSettings, now: datetime) -> None:
        site_id = await self._conn.scalar(sa.select(sites.c.id).where(sites.c.name == site))
        values = {
            "sso_algorithm": settings.sso_algorithm.value if settings.sso_algorithm else None,
            "sso_key": settings.sso_key,
            "deletion_policy": settings.deletion_policy.value,
            "email_sign_in": settings.email_sign_in,
            "oidc_issuer": settings.oidc_issuer,
            "oidc_client_id": settings.oidc_client_id,
            "oidc_client_secret": settings.oidc_client_secret,
            "oidc_name": settings.oidc_name,
            "updated_us": to_us(now),
        }
        statement = self._insert()(site_accounts).values(site_id=site_id, **values)
        await self._conn.execute(
            statement.on_conflict_do_update(index_elements=["site_id"], set_=values)
        )

    async def upsert_reader(
        self,
        site: str,
        method: SignInMethod,
        profile: ReaderProfile,
        email_hash: str | None,
        new_id: str,
        now: datetime,
    ) -> Reader:
        site_id = await self._conn.scalar(sa.select(sites.c.id).where(sites.c.name == site))
        changes: dict[str, Any] = {
            "name": profile.name,
            "email": profile.email,
            "email_hash": email_hash,
            "avatar_url": profile.avatar_url,
            "last_seen_us": to_us(now),
        }
        # An uploaded picture wins over the one a sign-in brings (migration 0012).
        keep = {
            "avatar_url": sa.case(
                (readers.c.avatar_image.is_not(None), readers.c.avatar_url),
                else_=profile.avatar_url,
            )
        }
        statement = self._insert()(readers).values(
            id=new_id,
            site_id=site_id,
            method=method.value,
            subject=profile.subject,
            created_us=to_us(now),
            **changes,
        )
        await self._conn.execute(
            statement.on_conflict_do_update(
                index_elements=["site_id", "method", "subject"], set_={**changes, **keep}
            )
        )
        row = (
            await self._conn.execute(
                sa.select(*READER_COLUMNS)
                .join(sites, sites.c.id == readers.c.site_id)
                .where(
                    readers.c.site_id == site_id,
                    readers.c.method == method.value,
                    readers.c.subject == profile.subject,
                )
            )
        ).one()
        return _reader(row)

    async def get_reader(self, reader_id: str) -> Reader | None:
        row = (
            await self._conn.execute(
                sa.select(*READER_COLUMNS)
                .join(sites, sites.c.id == readers.c.site_id)
                .where(readers.c.id == reader_id)
            )
        ).first()
        return _reader(row) if row else None

    async def find_readers(self, site: str | None, email_hash: str) -> list[Reader]:
        query = (
            sa.select(*READER_COLUMNS)
            .join(sites, sites.c.id == readers.c.site_id)
            .where(readers.c.email_hash == email_hash)
            .order_by(sites.c.name, readers.c.created_us)
        )
        if site is not None:
            query = query.where(sites.c.name == site)
        return [_reader(row) for row in await self._conn.execute(query)]

    async def add_session(
        self, digest: str, reader_id: str, created_at: datetime, expires_at: datetime
    ) -> None:
        await self._conn.execute(
            reader_sessions.insert().values(
                id=digest,
                reader_id=reader_id,
                created_us=to_us(created_at),
                expires_us=to_us(expires_at),
            )
        )

    async def session_reader(self, digest: str, now: datetime) -> Reader | None:
        row = (
            await self._conn.execute(
                sa.select(*READER_COLUMNS)
                .select_from(reader_sessions)
                .join(readers, readers.c.id == reader_sessions.c.reader_id)
                .join(sites, sites.c.id == readers.c.site_id)
                .where(reader_sessions.c.id == digest, reader_sessions.c.expires_us > to_us(now))
            )
        ).first()
        return _reader(row) if row else None

    async def delete_session(self, digest: str) -> None:
        await self._conn.execute(reader_sessions.delete().where(reader_sessions.c.id == digest))

    async def use_token(self, digest: str, expires_at: datetime) -> bool:
        statement = self._insert()(used_tokens).values(id=digest, expires_us=to_us(expires_at))
        result = await self._conn.execute(statement.on_conflict_do_nothing(index_elements=["id"]))
        return bool(result.rowcount)

    def _authored_by(self, reader_id: str, email_hash: str | None) -> sa.ColumnElement[bool]:
        if email_hash is None:
            return comments.c.reader_id == reader_id
        return sa.or_(comments.c.reader_id == reader_id, comments.c.author_email_hash == email_hash)

    async def comments_of(
        self, reader_id: str, email_hash: str | None, site: str, limit: int, before: datetime | None
    ) -> list[AuthoredComment]:
        query = (
            sa.select(
                comments.c.id,
                comments.c.parent_id,
                comments.c.root_id,
                comments.c.thread_id,
                comments.c.status,
                comments.c.body,
                comments.c.created_us,
                comments.c.edited_us,
                threads.c.page,
            )
            .join(threads, threads.c.id == comments.c.thread_id)
            .where(threads.c.site_id == _site_id(site), self._authored_by(reader_id, email_hash))
            .order_by(comments.c.created_us.desc(), comments.c.id.desc())
            .limit(limit)
        )
        if before is not None:
            query = query.where(comments.c.created_us < to_us(before))
        return [
            AuthoredComment(
                id=row.id,
                site=site,
                page=row.page,
                parent_id=row.parent_id,
                status=row.status,
                body=row.body,
                created_at=from_us(row.created_us),
                edited_at=from_us(row.edited_us) if row.edited_us is not None else None,
                root_id=row.root_id,
                thread_id=row.thread_id,
            )
            for row in await self._conn.execute(query)
        ]

    async def reactions_of(self, voter: str) -> list[dict[str, Any]]:
        result = await self._conn.execute(
            sa.select(reactions.c.comment_id, reactions.c.reaction, reactions.c.created_us)
            .where(reactions.c.voter == voter)
            .order_by(reactions.c.created_us)
        )
        return [
            {
                "comment_id": row.comment_id,
                "reaction": row.reaction,
                "created_at": from_us(row.created_us).isoformat().replace("+00:00", "Z"),
            }
            for row in result
        ]

    async def votes_of(self, voter: str) -> list[dict[str, Any]]:
        result = await self._conn.execute(
            sa.select(votes.c.comment_id, votes.c.value, votes.c.created_us)
            .where(votes.c.voter == voter)
            .order_by(votes.c.created_us)
        )
        return [
            {
                "comment_id": row.comment_id,
                "value": row.value,
                "created_at": from_us(row.created_us).isoformat().replace("+00:00", "Z"),
            }
            for row in result
        ]

    async def subscriptions_of(self, site: str, email_hash: str) -> list[dict[str, Any]]:
        result = await self._conn.execute(
            sa.select(
                subscriptions.c.page,
                subscriptions.c.kind,
                subscriptions.c.status,
                subscriptions.c.email,
                subscriptions.c.created_us,
            ).where(
                subscriptions.c.site_id == _site_id(site),
                subscriptions.c.email_hash == email_hash,
            )
        )
        return [
            {
                "page": row.page,
                "kind": row.kind,
                "status": row.status,
                "email": row.email,
                "created_at": from_us(row.created_us).isoformat().replace("+00:00", "Z"),
            }
            for row in result
        ]

    async def claim_comments(self, reader: Reader) -> int:
        result = await self._conn.execute(
            comments.update()
            .where(
                comments.c.author_email_hash == reader.email_hash,
                comments.c.reader_id.is_(None),
                comments.c.status != CommentStatus.DELETED.value,
                comments.c.thread_id.in_(
                    sa.select(threads.c.id).where(threads.c.site_id == _site_id(reader.site))
                ),
            )
            .values(reader_id=reader.id)
        )
        return int(result.rowcount or 0)

    async def anonymize_comments(self, comment_ids: list[str], name: str) -> None:
        if not comment_ids:
            return
        await self._conn.execute(
            comments.update()
            .where(comments.c.id.in_(comment_ids))
            .values(
                author_name=name,
                author_email_hash=None,
                author_url=None,
                author_avatar=None,
                reader_id=None,
                ip_hash=None,
                edit_token_hash=None,
            )
        )

    async def scrub_mail(self, comment_ids: list[str]) -> None:
        if not comment_ids:
            return
        text = sa.cast(outbox.c.payload, sa.Text)
        found = await self._conn.execute(
            sa.select(outbox.c.id, outbox.c.payload).where(
                sa.or_(*(text.like(f'%"{comment_id}"%') for comment_id in comment_ids))
            )
        )
        gone = set(comment_ids)
        for row in found.all():
            payload = dict(row.payload or {})
            items = [item for item in payload.get("items", []) if item.get("id") not in gone]
            if items:
                payload["items"] = items
                await self._conn.execute(
                    outbox.update().where(outbox.c.id == row.id).values(payload=payload)
                )
            else:
                await self._conn.execute(outbox.delete().where(outbox.c.id == row.id))

    async def rekey_voter(self, voter: str, replacement: str) -> int:
        result = await self._conn.execute(
            votes.update().where(votes.c.voter == voter).values(voter=replacement)
        )
        await self._conn.execute(
            reactions.update().where(reactions.c.voter == voter).values(voter=replacement)
        )
        await self._conn.execute(
            comment_reports.update()
            .where(comment_reports.c.reporter == voter)
            .values(reporter=replacement)
        )
        return int(result.rowcount or 0)

    async def forget_address(self, site: str, email: str | None, email_hash: str) -> int:
        owned = sa.select(subscriptions.c.id).where(
            subscriptions.c.site_id == _site_id(site), subscriptions.c.email_hash == email_hash
        )
        await self._conn.execute(outbox.delete().where(outbox.c.subscription_id.in_(owned)))
        if email:
            await self._conn.execute(
                outbox.delete().where(sa.func.lower(outbox.c.recipient) == email.lower())
            )
        result = await self._conn.execute(
            subscriptions.delete().where(
                subscriptions.c.site_id == _site_id(site), subscriptions.c.email_hash == email_hash
            )
        )
        return int(result.rowcount or 0)

    async def delete_reader(self, reader_id: str) -> None:
        # Comments removed by the policy had reader_id cleared by mark_deleted; any left are
        # placeholders deleted earlier. Clear the column everywhere before the row goes.
        await self._conn.execute(
            comments.update().where(comments.c.reader_id == reader_id).values(reader_id=None)
        )
        await self._conn.execute(
            reader_sessions.delete().where(reader_sessions.c.reader_id == reader_id)
        )
        await self._conn.execute(
            reader_identities.delete().where(reader_identities.c.reader_id == reader_id)
        )
        await self._conn.execute(readers.delete().where(readers.c.id == reader_id))

    async def purge(self, now: datetime, ip_hashes_before: datetime) -> dict[str, int]:
        ips = await self._conn.execute(
            comments.update()
            .where(comments.c.ip_hash.is_not(None), comments.c.created_us < to_us(ip_hashes_before))
            .values(ip_hash=None)
        )
        sessions = await self._conn.execute(
            reader_sessions.delete().where(reader_sessions.c.expires_us <= to_us(now))
        )
        tokens = await self._conn.execute(
            used_tokens.delete().where(used_tokens.c.expires_us <= to_us(now))
        )
        logins = await self._conn.execute(
            oidc_logins.delete().where(oidc_logins.c.expires_us <= to_us(now))
        )
        return {
            "ip_hashes": int(ips.rowcount or 0),
            "sessions": int(sessions.rowcount or 0),
            "used_tokens": int(tokens.rowcount or 0),
            "oidc_logins": int(logins.rowcount or 0),
        }

    # --- OpenID Connect (migration 0012) -----------------------------------------------------

    async def save_oidc_login(
        self, digest: str, site: str, login: PendingLogin, expires_at: datetime
    ) -> None:
        await self._conn.execute(
            oidc_logins.insert().values(
                id=digest,
                site_id=_site_id(site),
                origin=login.origin,
                nonce=login.nonce,
                code_verifier=login.code_verifier,
                expires_us=to_us(expires_at),
            )
        )

    async def take_oidc_login(self, digest: str, now: datetime) -> PendingLogin | None:
        row = (
            await self._conn.execute(
                sa.select(oidc_logins, sites.c.name.label("site"))
                .join(sites, sites.c.id == oidc_logins.c.site_id)
                .where(oidc_logins.c.id == digest)
            )
        ).first()
        if row is None:
            return None
        deleted = await self._conn.execute(oidc_logins.delete().where(oidc_logins.c.id == digest))
        if not deleted.rowcount or row.expires_us <= to_us(now):
            return None  # another request took it first, or it expired
        return PendingLogin(row.site, row.origin, row.nonce, row.code_verifier)

    async def identity_reader(self, identity_id: str) -> Reader | None:
        row = (
            await self._conn.execute(
                sa.select(*READER_COLUMNS)
                .select_from(reader_identities)
                .join(readers, readers.c.id == reader_identities.c.reader_id)
                .join(sites, sites.c.id == readers.c.site_id)
                .where(reader_identities.c.id == identity_id)
            )
        ).first()
        return _reader(row) if row else None

    async def add_identity(
        self, identity_id: str, reader_id: str, issuer: str, subject: str, now: datetime
    ) -> None:
        await self._conn.execute(
            reader_identities.insert().values(
                id=identity_id,
                reader_id=reader_id,
                issuer=issuer,
                subject=subject,
                created_us=to_us(now),
            )
        )

    async def identities_of(self, reader_id: str) -> list[dict[str, Any]]:
        rows = await self._conn.execute(
            sa.select(reader_identities)
            .where(reader_identities.c.reader_id == reader_id)
            .order_by(reader_identities.c.created_us)
        )
        return [
            {"issuer": row.issuer, "subject": row.subject, "linked_at": _rfc3339(row.created_us)}
            for row in rows
        ]

    async def set_avatar_image(
        self, reader_id: str, name: str | None, avatar_url: str | None
    ) -> str | None:
        previous = await self._conn.scalar(
            sa.select(readers.c.avatar_image).where(readers.c.id == reader_id)
        )
        await self._conn.execute(
            readers.update()
            .where(readers.c.id == reader_id)
            .values(avatar_image=name, avatar_url=avatar_url)
        )
        # The account's comments show the new picture too (they keep a copy of its URL).
        await self._conn.execute(
            comments.update()
            .where(comments.c.reader_id == reader_id, comments.c.author_avatar.is_not(None))
            .values(author_avatar=avatar_url)
        )
        return previous


def _rfc3339(us: int) -> str:
    return from_us(us).isoformat().replace("+00:00", "Z")
