"""Seeding for bench/compare_isso.py: one deterministic thread, written into Rostra and Isso.

``plan_thread`` decides the thread once (which comment replies to which, who wrote it, what it
says) from a fixed random seed; ``seed_rostra_http`` and ``seed_isso_http`` post that same plan
through each server's public HTTP API, oldest first, so both hold the identical conversation.
``bulk_seed_rostra`` writes very large threads (100,000 and more) straight into the
``rostra.storage`` tables, because posting them one by one would take too long.

    .venv/bin/python bench/seed.py --print 5     # show the first comments of the plan
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import http.client
import json
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote

SEED = 4
REPLY_SHARE = 0.3
# A reply answers one of the last few comments, as conversations do; with a uniform choice
# the newest top-level comments (the first page) would have almost no replies.
REPLY_WINDOW = 30
SITE = "bench"
PAGE = "/bench"
# Counts for 20 pages: the big thread plus 19 small ones.
COUNT_PAGES = [PAGE, *(f"/bench/article-{n:02d}" for n in range(1, 20))]

WORDS = [
    "the", "council", "bridge", "budget", "river", "traffic", "report", "article", "readers",
    "school", "market", "weather", "train", "station", "mayor", "election", "tax", "housing",
    "rent", "park", "library", "museum", "festival", "hospital", "police", "fire", "road",
    "cycle", "lane", "bus", "night", "morning", "summer", "winter", "week", "year", "people",
    "city", "town", "village", "street", "square", "harbour", "history", "plan", "vote",
    "meeting", "question", "answer", "reason", "detail", "number", "cost", "money", "opinion",
    "idea", "problem", "solution", "agree", "disagree", "really", "quite", "maybe", "probably",
    "certainly", "never", "always", "sometimes", "often", "again", "still", "already", "only",
    "also",
]  # fmt: skip
AUTHORS = [f"{first} {last}" for first in ("Ana", "Ben", "Chloe", "Dev", "Eva", "Farid",
    "Grace", "Hugo", "Ines", "Jonas", "Kira", "Liam") for last in ("Smith", "Novak",
    "Okafor", "Larsen", "Moreau", "Tanaka", "Rossi")]  # fmt: skip


@dataclass(frozen=True, slots=True)
class PlannedComment:
    """One comment of the plan; ``parent`` is the index of an earlier comment or None."""

    index: int
    parent: int | None
    author: str
    body: str


def body_text(rng: random.Random) -> str:
    """A Markdown comment of one to three short paragraphs (about 40-110 words)."""
    paragraphs = []
    for _ in range(rng.choice((1, 1, 2, 2, 3))):
        words = [rng.choice(WORDS) for _ in range(rng.randint(14, 40))]
        if rng.random() < 0.4:
            n = rng.randrange(len(words))
            words[n] = f"**{words[n]}**"
        if rng.random() < 0.3:
            n = rng.randrange(len(words))
            words[n] = f"*{words[n]}*"
        sentence = " ".join(words)
        paragraphs.append(sentence[0].upper() + sentence[1:] + ".")
    return "\n\n".join(paragraphs)


def plan_shape(count: int, seed: int = SEED) -> list[int | None]:
    """Parents only (index of the parent or None), exactly ``REPLY_SHARE`` of them replies."""
    rng = random.Random(seed)
    replies = round(count * REPLY_SHARE)
    kinds = [True] * replies + [False] * (count - replies - 1)
    rng.shuffle(kinds)
    parents: list[int | None] = [None]
    for index, is_reply in enumerate(kinds, start=1):
        parents.append(rng.randrange(max(0, index - REPLY_WINDOW), index) if is_reply else None)
    return parents


def plan_thread(count: int = 1000, seed: int = SEED) -> list[PlannedComment]:
    """The benchmark thread: ``count`` comments, 30 % of them replies, always the same."""
    rng = random.Random(seed + 1)
    return [
        PlannedComment(index, parent, rng.choice(AUTHORS), body_text(rng))
        for index, parent in enumerate(plan_shape(count, seed))
    ]


def small_pages_plan() -> dict[str, list[PlannedComment]]:
    """The 19 small threads that ``COUNT_PAGES`` asks about besides the big one."""
    return {page: plan_thread(n % 5 + 1, seed=SEED + n) for n, page in enumerate(COUNT_PAGES[1:])}


class JsonClient:
    """A keep-alive HTTP/1.1 JSON client on the standard library (no bench dependency)."""

    def __init__(self, port: int, host: str = "127.0.0.1", timeout: float = 30.0) -> None:
        self._conn = http.client.HTTPConnection(host, port, timeout=timeout)

    def request(self, method: str, path: str, body: object = None) -> tuple[int, bytes]:
        payload = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"} if payload is not None else {}
        self._conn.request(method, path, body=payload, headers=headers)
        response = self._conn.getresponse()
        return response.status, response.read()

    def close(self) -> None:
        self._conn.close()


def seed_rostra_http(port: int, plan: Sequence[PlannedComment], page: str = PAGE) -> list[str]:
    """Post ``plan`` to a running Rostra through ``POST /api/v1/comments``; returns the ids."""
    client = JsonClient(port)
    ids: list[str] = []
    try:
        for comment in plan:
            status, raw = client.request(
                "POST",
                "/api/v1/comments",
                {
                    "site": SITE,
                    "page": page,
                    "page_title": "Bench thread",
                    "parent_id": None if comment.parent is None else ids[comment.parent],
                    "author_name": comment.author,
                    "body": comment.body,
                },
            )
            if status != 201:
                raise RuntimeError(f"Rostra answered {status} while seeding: {raw[:300]!r}")
            ids.append(json.loads(raw)["id"])
    finally:
        client.close()
    return ids


def seed_isso_http(port: int, plan: Sequence[PlannedComment], page: str = PAGE) -> list[int]:
    """Post ``plan`` to a running Isso through ``POST /new?uri=…`` (its guard must be off)."""
    client = JsonClient(port)
    ids: list[int] = []
    try:
        for comment in plan:
            status, raw = client.request(
                "POST",
                f"/new?uri={quote(page, safe='')}",
                {
                    "text": comment.body,
                    "author": comment.author,
                    "parent": None if comment.parent is None else ids[comment.parent],
                    "title": "Bench thread",
                },
            )
            if status != 201:
                raise RuntimeError(f"Isso answered {status} while seeding: {raw[:300]!r}")
            ids.append(int(json.loads(raw)["id"]))
    finally:
        client.close()
    return ids


# --- Bulk seeding of very large threads (growth benchmark) -----------------------------------


def bulk_seed_rostra(
    database_url: str,
    threads: Sequence[tuple[str, int]],
    *,
    budget_seconds: float,
    progress: Callable[[str], None] = print,
) -> dict[str, float]:
    """Write ``threads`` ((page, comment count) pairs, in order) with bulk INSERTs through the
    ``rostra.storage`` tables, keeping the denormalized counts right. The site ``bench`` must
    exist. A thread whose projected time would exceed what is left of ``budget_seconds`` is
    stopped and removed; its page is missing from the returned {page: seconds}."""
    return asyncio.run(_bulk_seed(database_url, threads, budget_seconds, progress))


BATCH = 5_000


async def _bulk_seed(
    database_url: str,
    threads: Sequence[tuple[str, int]],
    budget_seconds: float,
    progress: Callable[[str], None],
) -> dict[str, float]:
    import sqlalchemy as sa

    from rostra.domain.rendering import render_markdown
    from rostra.domain.times import to_us
    from rostra.storage import tables
    from rostra.storage.database import Database

    rng = random.Random(SEED + 99)
    pool = [body_text(rng) for _ in range(200)]
    pool_html = [render_markdown(body) for body in pool]
    database = Database(database_url)
    started = time.perf_counter()
    took: dict[str, float] = {}
    base_us = to_us(datetime.now(UTC)) - 400 * 24 * 3600 * 1_000_000
    try:
        for page, count in threads:
            thread_started = time.perf_counter()
            async with database.write() as tx:
                site_id = await tx.connection.scalar(
                    sa.select(tables.sites.c.id).where(tables.sites.c.name == SITE)
                )
                thread_id = (
                    await tx.connection.execute(
                        tables.threads.insert()
                        .values(
                            site_id=site_id,
                            page=page,
                            title=f"Bench thread of {count:,}",
                            comment_count=count,
                            created_us=base_us,
                        )
                        .returning(tables.threads.c.id)
                    )
                ).scalar_one()
            parents = plan_shape(count, SEED + count)
            ids = [_comment_id(thread_id, n) for n in range(count)]
            roots: list[int] = [0] * count
            depths: list[int] = [0] * count
            descendants: list[int] = [0] * count
            for n, parent in enumerate(parents):
                if parent is not None:
                    roots[n] = roots[parent] if parents[parent] is not None else parent
                    depths[n] = depths[parent] + 1
                    descendants[roots[n]] += 1
            aborted = False
            for start in range(0, count, BATCH):
                rows = []
                for n in range(start, min(count, start + BATCH)):
                    parent = parents[n]
                    body = n % len(pool)
                    rows.append(
                        {
                            "id": ids[n],
                            "thread_id": thread_id,
                            "parent_id": None if parent is None else ids[parent],
                            "root_id": None if parent is None else ids[roots[n]],
                            "depth": depths[n],
                            "status": "published",
                            "author_name": AUTHORS[n % len(AUTHORS)],
                            "author_is_staff": False,
                            "body": pool[body],
                            "body_html": pool_html[body],
                            "is_anchored": False,
                            "created_us": base_us + n * 10_000_000,
                            "upvotes": 0,
                            "downvotes": 0,
                            "score": 0,
                            "descendant_count": descendants[n] if parent is None else 0,
                        }
                    )
                async with database.write() as tx:
                    await tx.connection.execute(tables.comments.insert(), rows)
                done = min(count, start + BATCH)
                elapsed = time.perf_counter() - thread_started
                projected = elapsed / done * count
                left = budget_seconds - (time.perf_counter() - started) + elapsed
                if projected > left and done < count:
                    progress(
                        f"  {page}: {done:,}/{count:,} rows in {elapsed:.0f} s, projected "
                        f"{projected:.0f} s > {left:.0f} s left of the budget: stopping"
                    )
                    aborted = True
                    break
                if done % (BATCH * 20) == 0:
                    progress(f"  {page}: {done:,}/{count:,} rows, {elapsed:.0f} s")
            if aborted:
                async with database.write() as tx:
                    await tx.connection.execute(
                        tables.comments.delete().where(tables.comments.c.thread_id == thread_id)
                    )
                    await tx.connection.execute(
                        tables.threads.delete().where(tables.threads.c.id == thread_id)
                    )
                continue
            took[page] = time.perf_counter() - thread_started
            progress(f"  {page}: {count:,} comments written in {took[page]:.1f} s")
    finally:
        await database.close()
    return took


def _comment_id(thread_id: int, n: int) -> str:
    # The same shape as Keyring.new_id (16 URL-safe characters), unique per thread and index.
    raw = thread_id.to_bytes(3, "big") + n.to_bytes(5, "big") + b"bench!"
    return base64.urlsafe_b64encode(raw[:12]).decode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--print", type=int, default=5, help="comments of the plan to show")
    parser.add_argument("--count", type=int, default=1000)
    args = parser.parse_args()
    plan = plan_thread(args.count)
    replies = sum(comment.parent is not None for comment in plan)
    print(f"{len(plan)} comments, {replies} replies, seed {SEED}")
    for comment in plan[: args.print]:
        print(f"#{comment.index} parent={comment.parent} {comment.author}: {comment.body[:70]}…")


if __name__ == "__main__":
    main()
