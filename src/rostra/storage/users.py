"""Staff accounts and their server-side sessions in SQL."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from rostra.domain.staff import Role, StaffUser
from rostra.domain.times import from_us, to_us
from rostra.services.staff_ports import StaffCredentials
from rostra.storage.tables import staff_sessions, users

USER_COLUMNS = (
    users.c.id,
    users.c.email,
    users.c.role,
    users.c.created_us,
    users.c.disabled,
    users.c.totp_secret,
)


def _user(row: Any) -> StaffUser:
    return StaffUser(
        id=int(row.id),
        email=row.email,
        role=Role(row.role),
        created_at=from_us(row.created_us),
        disabled=bool(row.disabled),
        has_totp=row.totp_secret is not None,
    )


class SqlUserRepository:
    """``UserRepository`` on one connection."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, email: str, password_hash: str, role: Role, created_at: datetime) -> None:
        await self._conn.execute(
            users.insert().values(
                email=email,
                password_hash=password_hash,
                role=role.value,
                created_us=to_us(created_at),
            )
        )

    async def credentials(self, email: str) -> StaffCredentials | None:
        row = (
            await self._conn.execute(
                sa.select(*USER_COLUMNS, users.c.password_hash).where(users.c.email == email)
            )
        ).first()
        if row is None:
            return None
        return StaffCredentials(_user(row), row.password_hash, row.totp_secret)

    async def lock(self, user_id: int) -> None:
        # SQLite writers already take turns (BEGIN IMMEDIATE); FOR UPDATE is PostgreSQL's.
        await self._conn.execute(
            sa.select(users.c.id).where(users.c.id == user_id).with_for_update()
        )

    async def get(self, user_id: int) -> StaffUser | None:
        row = (
            await self._conn.execute(sa.select(*USER_COLUMNS).where(users.c.id == user_id))
        ).first()
        return _user(row) if row else None

    async def list_all(self) -> list[StaffUser]:
        result = await self._conn.execute(sa.select(*USER_COLUMNS).order_by(users.c.email))
        return [_user(row) for row in result]

    async def set_password_hash(self, user_id: int, password_hash: str) -> None:
        await self._conn.execute(
            users.update().where(users.c.id == user_id).values(password_hash=password_hash)
        )

    async def set_totp_secret(self, user_id: int, secret: str | None) -> None:
        await self._conn.execute(
            users.update().where(users.c.id == user_id).values(totp_secret=secret)
        )

    async def set_disabled(self, user_id: int, disabled: bool) -> None:
        await self._conn.execute(
            users.update().where(users.c.id == user_id).values(disabled=disabled)
        )

    async def add_session(
        self, session_digest: str, user_id: int, created_at: datetime, expires_at: datetime
    ) -> None:
        await self._conn.execute(
            staff_sessions.insert().values(
                id=session_digest,
                user_id=user_id,
                created_us=to_us(created_at),
                expires_us=to_us(expires_at),
            )
        )

    async def session_user(self, session_digest: str, now: datetime) -> StaffUser | None:
        row = (
            await self._conn.execute(
                sa.select(*USER_COLUMNS)
                .select_from(staff_sessions.join(users, users.c.id == staff_sessions.c.user_id))
                .where(
                    staff_sessions.c.id == session_digest,
                    staff_sessions.c.expires_us > to_us(now),
                    users.c.disabled.is_(False),
                )
            )
        ).first()
        return _user(row) if row else None

    async def delete_session(self, session_digest: str) -> None:
        await self._conn.execute(
            staff_sessions.delete().where(staff_sessions.c.id == session_digest)
        )

    async def delete_sessions_of(self, user_id: int) -> None:
        await self._conn.execute(staff_sessions.delete().where(staff_sessions.c.user_id == user_id))
