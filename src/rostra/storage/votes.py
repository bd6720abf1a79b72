"""Votes in SQL."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from rostra.domain.times import to_us
from rostra.services.clock import SystemClock
from rostra.storage.id_lists import in_list
from rostra.storage.prebuilt import prebuilt
from rostra.storage.tables import votes

# A reader's own votes among a page's comments.
_FOR_VOTER = prebuilt(
    sa.select(votes.c.comment_id, votes.c.value).where(
        votes.c.voter == sa.bindparam("voter"), in_list(votes.c.comment_id, "ids")
    )
)


class SqlVoteRepository:
    """``VoteRepository`` on one connection. Callers hold the comment's row lock."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def get(self, comment_id: str, voter: str) -> int:
        value = await self._conn.scalar(
            sa.select(votes.c.value).where(votes.c.comment_id == comment_id, votes.c.voter == voter)
        )
        return int(value or 0)

    async def set(self, comment_id: str, voter: str, value: int) -> None:
        where = (votes.c.comment_id == comment_id, votes.c.voter == voter)
        if value == 0:
            await self._conn.execute(votes.delete().where(*where))
            return
        result = await self._conn.execute(votes.update().where(*where).values(value=value))
        if result.rowcount == 0:
            await self._conn.execute(
                votes.insert().values(
                    comment_id=comment_id,
                    voter=voter,
                    value=value,
                    created_us=to_us(SystemClock().now()),
                )
            )

    async def for_voter(self, voter: str, comment_ids: Sequence[str]) -> dict[str, int]:
        if not comment_ids:
            return {}
        result = await self._conn.execute(_FOR_VOTER, {"voter": voter, "ids": list(comment_ids)})
        return {row.comment_id: row.value for row in result}
