"""Reading a thread page costs the page, not the thread.

Seeds two threads through the real services (50 and 10,000 top-level comments, 30 % of them with a
reply), then times reading the first page (20 top-level comments with their replies) of each, and
walks the big thread to the end with cursors checking that every comment comes exactly once.
Results go to docs/performance.md between the markers of this benchmark.

    .venv/bin/python bench/thread_pages.py [--database sqlite|postgresql] [--comments 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from rostra.bootstrap import build_services
from rostra.config import Settings
from rostra.domain.paging import Sort
from rostra.services.callers import Caller
from rostra.services.comments import CommentDraft
from rostra.services.registry import Services
from rostra.services.thread_reads import ThreadQuery
from rostra.storage.database import Database
from rostra.storage.migrate import upgrade

sys.path.insert(0, str(Path(__file__).parent))
from report import write_section

POSTGRESQL_URL = os.environ.get(
    "ROSTRA_TEST_POSTGRESQL_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
SECRET = "benchmark-secret-key-long-enough-for-rostra"


class StepClock:
    """Each seeded comment a second after the previous, so the order is the insertion order."""

    def __init__(self) -> None:
        self.moment = datetime.now(UTC) - timedelta(days=30)

    def now(self) -> datetime:
        self.moment += timedelta(seconds=1)
        return self.moment


async def seed(services: Services, page: str, count: int, rng: random.Random) -> None:
    ids: list[str] = []
    for n in range(count):
        posted = await services.comments.post_comment(
            CommentDraft("bench", page, f"Comment {n} with **some** text.", f"Reader {n % 97}"),
            Caller(),
        )
        ids.append(posted.comment.id)
        if rng.random() < 0.3:
            await services.comments.post_comment(
                CommentDraft("bench", page, f"Reply to {n}.", "Replier", parent_id=ids[-1]),
                Caller(),
            )
        if rng.random() < 0.2:
            await services.votes.cast_vote(ids[-1], 1, Caller(voter=f"v:{n}"))


async def time_first_page(services: Services, page: str, sort: Sort, rounds: int) -> list[float]:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        await services.comments.read_thread(ThreadQuery("bench", page, sort, 20), Caller())
        samples.append((time.perf_counter() - start) * 1000)
    return samples


async def walk(services: Services, page: str, sort: Sort) -> tuple[int, int]:
    """Pages through the whole thread; returns (comments seen, distinct comments)."""
    seen: list[str] = []
    cursor = None
    while True:
        result = await services.comments.read_thread(
            ThreadQuery("bench", page, sort, 100, cursor), Caller()
        )
        seen.extend(node.comment.id for node in result.comments)
        cursor = result.next_cursor
        if cursor is None:
            return len(seen), len(set(seen))


async def query_plan(url: str) -> str:
    if not url.startswith("sqlite"):
        return ""
    database = Database(url)
    async with database.read() as tx:
        rows = await tx.connection.execute(
            sa.text(
                "EXPLAIN QUERY PLAN SELECT id FROM comments WHERE thread_id = 2 AND "
                "root_id IS NULL ORDER BY created_us DESC, id DESC LIMIT 21"
            )
        )
        plan = " / ".join(str(row[-1]) for row in rows)
    await database.close()
    return plan


async def run(url: str, big: int, rounds: int) -> list[str]:
    services = build_services(
        Settings(database_url=url, secret_key=SECRET, rate_limits=False), clock=StepClock()
    )
    rng = random.Random(2)
    await services.sites.add_site("bench", ["https://bench.example"])
    started = time.perf_counter()
    await seed(services, "/small", 50, rng)
    await seed(services, "/big", big, rng)
    seeded = time.perf_counter() - started
    if not url.startswith("sqlite"):
        # What autovacuum would do after a bulk load; without statistics the planner guesses.
        database = Database(url)
        async with database.write() as tx:
            await tx.connection.execute(sa.text("ANALYZE"))
        await database.close()
    lines = [
        f"Seeded {big + 50:,} top-level comments (plus ~30 % replies) through the services "
        f"in {seeded:.1f} s.",
        "",
        "| thread | sort | median ms | p95 ms |",
        "| --- | --- | ---: | ---: |",
    ]
    for page, label in (("/small", "50 comments"), ("/big", f"{big:,} comments")):
        for sort in Sort:
            samples = sorted(await time_first_page(services, page, sort, rounds))
            p95 = samples[int(len(samples) * 0.95) - 1]
            lines.append(
                f"| {label} | {sort.value} | {statistics.median(samples):.2f} | {p95:.2f} |"
            )
    for sort in Sort:
        total, distinct = await walk(services, "/big", sort)
        status = "ok" if total == distinct == big else "WRONG"
        lines.append("")
        lines.append(
            f"Paging `/big` by {sort.value} with limit 100: {total:,} comments seen, "
            f"{distinct:,} distinct, {big:,} expected: {status}."
        )
    plan = await query_plan(url)
    if plan:
        lines += ["", f"SQLite plan for the newest page: `{plan}`."]
    for hook in services.on_shutdown:
        await hook()
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--comments", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        if args.database == "sqlite":
            url = f"sqlite:///{folder}/bench.db"
        else:
            url = POSTGRESQL_URL.rsplit("/", 1)[0] + "/rostra_bench"
            recreate_postgresql(url)
        upgrade(url)
        lines = asyncio.run(run(url, args.comments, args.rounds))
    command = (
        f"`.venv/bin/python bench/thread_pages.py --database {args.database} "
        f"--comments {args.comments}`"
    )
    body = "\n".join([f"Command: {command}", "", *lines])
    print(body)
    write_section(f"thread-pages-{args.database}", f"Thread pages ({args.database})", body)


def recreate_postgresql(url: str) -> None:
    name = sa.make_url(url).database

    async def go() -> None:
        from sqlalchemy.ext.asyncio import create_async_engine

        from rostra.storage.database import async_url

        engine = create_async_engine(async_url(POSTGRESQL_URL), isolation_level="AUTOCOMMIT")
        async with engine.connect() as conn:
            await conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            await conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        await engine.dispose()

    asyncio.run(go())


if __name__ == "__main__":
    main()
