"""Reactions in SQL."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from rostra.domain.times import to_us
from rostra.services.clock import SystemClock
from rostra.storage.tables import reactions


class SqlReactionRepository:
    """``ReactionRepository`` on one connection. Callers hold the comment's row lock."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def get(self, comment_id: str, voter: str) -> str | None:
        value = await self._conn.scalar(
            sa.select(reactions.c.reaction).where(
                reactions.c.comment_id == comment_id, reactions.c.voter == voter
            )
        )
        return str(value) if value is not None else None

    async def set(self, comment_id: str, voter: str, reaction: str | None) -> None:
        where = (reactions.c.comment_id == comment_id, reactions.c.voter == voter)
        if reaction is None:
            await self._conn.execute(reactions.delete().where(*where))
            return
        result = await self._conn.execute(
            reactions.update().where(*where).values(reaction=reaction)
        )
        if result.rowcount == 0:
            await self._conn.execute(
                reactions.insert().values(
                    comment_id=comment_id,
                    voter=voter,
                    reaction=reaction,
                    created_us=to_us(SystemClock().now()),
                )
            )

    async def for_voter(self, voter: str, comment_ids: Sequence[str]) -> dict[str, str]:
        if not comment_ids:
            return {}
        result = await self._conn.execute(
            sa.select(reactions.c.comment_id, reactions.c.reaction).where(
                reactions.c.voter == voter, reactions.c.comment_id.in_(list(comment_ids))
            )
        )
        return {row.comment_id: row.reaction for row in result}
