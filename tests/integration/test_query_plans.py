"""The statements that build a thread's page each read one range of the index meant for them.

The database is seeded with a large thread, smaller ones and comments in every status, and its
statistics are gathered (ANALYZE), so the planner has a real choice: a plan that walks another
index or the whole table costs the thread's size instead of the page's. That happened once
without any test failing: a status condition on the replies' statement made SQLite walk the
status index across the table (0.5 s a page at 1,000,000 comments).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler

from rostra.domain.paging import Sort
from rostra.services.registry import Services
from rostra.storage import images, threads, votes
from rostra.storage.comments import FEATURED, REPLIES, ROOTS
from rostra.storage.database import async_url
from rostra.storage.tables import comments, sites
from rostra.storage.tables import images as image_rows
from rostra.storage.tables import threads as thread_rows
from rostra.storage.tables import votes as vote_rows

BIG = 12_000  # comments in the thread whose page is read
SMALL_THREADS = 40
PER_SMALL_THREAD = 150
STATUSES = ("published",) * 7 + ("pending", "rejected", "deleted")
BASE_US = 1_700_000_000_000_000


class Explain(sa.sql.expression.Executable, sa.sql.expression.ClauseElement):
    """``EXPLAIN`` of a statement, its parameters bound as when it runs."""

    inherit_cache = False

    def __init__(self, statement: Any) -> None:
        self.statement = statement


@compiles(Explain, "sqlite")
def _explain_sqlite(element: Explain, compiler: SQLCompiler, **kw: Any) -> str:
    return "EXPLAIN QUERY PLAN " + compiler.process(element.statement, **kw)


@compiles(Explain, "postgresql")
def _explain_postgresql(element: Explain, compiler: SQLCompiler, **kw: Any) -> str:
    return "EXPLAIN (FORMAT JSON) " + compiler.process(element.statement, **kw)


def _rows(thread_id: int, count: int, prefix: str, *, pins: int = 0) -> list[dict[str, Any]]:
    """``count`` comments of one thread: a third of them replies, every status, some pinned,
    featured and anchored ones, as a busy article has."""
    rows: list[dict[str, Any]] = []
    for n in range(count):
        reply = n % 3 == 2 and n > 3
        # n - 2 - 3k is a multiple of three: a top-level comment a little before the reply.
        root = f"{prefix}{max(0, n - 2 - 3 * (n % 10)):07d}" if reply else None
        status = STATUSES[n % len(STATUSES)]
        rows.append(
            {
                "id": f"{prefix}{n:07d}",
                "thread_id": thread_id,
                "parent_id": root,
                "root_id": root,
                "depth": 1 if reply else 0,
                "status": status,
                "author_name": f"Reader {n % 97}",
                "author_is_staff": False,
                "body": "A comment.",
                "body_html": "<p>A comment.</p>",
                "is_anchored": n % 11 == 0,
                "pinned": not reply and n < pins * 3 and status == "published",
                "featured_us": BASE_US + n if n % 500 == 0 and not reply else None,
                "created_us": BASE_US + n * 1_000_000,
                "upvotes": n % 5,
                "downvotes": 0,
                "score": n % 5,
                "reaction_total": n % 4,
                "descendant_count": 3 if not reply else 0,
                "ip_hash": f"ip{n % 300}",
            }
        )
    return rows


async def _seed(conn: AsyncConnection) -> tuple[int, list[str]]:
    """The big thread's id and the ids of its newest 50 top-level comments (a first page)."""
    await conn.execute(
        sites.insert(),
        [{"name": f"other-{n}", "origins": [], "created_us": BASE_US} for n in range(60)],
    )
    site_id = await conn.scalar(sa.select(sites.c.id).where(sites.c.name == "news"))

    async def thread(page: str) -> int:
        created = await conn.execute(
            thread_rows.insert()
            .values(site_id=site_id, page=page, comment_count=0, created_us=BASE_US)
            .returning(thread_rows.c.id)
        )
        return int(created.scalar_one())

    big = await thread("/big")
    rows = _rows(big, BIG, "b", pins=3)
    for n in range(SMALL_THREADS):
        rows += _rows(await thread(f"/small-{n}"), PER_SMALL_THREAD, f"s{n:02d}-")
    for start in range(0, len(rows), 2_000):
        await conn.execute(comments.insert(), rows[start : start + 2_000])
    page = [
        row["id"]
        for row in sorted(rows[:BIG], key=lambda row: -row["created_us"])
        if row["depth"] == 0
    ][:50]
    await conn.execute(
        image_rows.insert(),
        [
            {
                "id": f"img{n:05d}",
                "comment_id": rows[n * 7]["id"],
                "kind": "webp",
                "width": 10,
                "height": 10,
                "thumbnail_width": 10,
                "thumbnail_height": 10,
                "byte_size": 100,
                "upload_token_hash": "x",
                "created_us": BASE_US + n,
            }
            for n in range(1_000)
        ],
    )
    await conn.execute(
        vote_rows.insert(),
        [
            {"comment_id": rows[n]["id"], "voter": f"voter{n % 40}", "value": 1, "created_us": 0}
            for n in range(3_000)
        ],
    )
    await conn.execute(sa.text("ANALYZE"))
    return big, page


def _sqlite_plan(rows: list[Any]) -> tuple[set[str], list[str]]:
    """The indexes the plan reads by (a table's own key as ``<table>_pkey``), and its steps."""
    steps = [str(row[3]) for row in rows]
    used: set[str] = set()
    for step in steps:
        words = step.split()
        if " USING " not in step or len(words) < 4:
            continue
        table, how = words[1], step.split(" USING ", 1)[1].replace("COVERING ", "")
        used.add(how.split()[1] if how.startswith("INDEX ") else f"{table}_pkey")
    return used, steps


def _postgresql_plan(rows: list[Any]) -> tuple[set[str], list[str]]:
    document = rows[0][0]
    plan = (json.loads(document) if isinstance(document, str) else document)[0]["Plan"]
    used: set[str] = set()
    steps: list[str] = []

    def walk(node: dict[str, Any]) -> None:
        relation = node.get("Relation Name", "")
        steps.append(f"{node['Node Type']} {relation} {node.get('Index Name', '')}".strip())
        if "Index Name" in node:
            used.add(node["Index Name"])
        for child in node.get("Plans", []):
            walk(child)

    walk(plan)
    return used, steps


EXPECTED_ROOTS = {
    None: "ix_comments_pinned_roots",
    Sort.NEWEST: "ix_comments_roots_by_time",
    Sort.OLDEST: "ix_comments_roots_by_time",
    Sort.VOTES: "ix_comments_roots_by_score",
    Sort.REACTIONS: "ix_comments_roots_by_reactions",
}


def cases(big: int, page: list[str]) -> list[tuple[str, Any, dict[str, Any], tuple[str, ...]]]:
    """(name, statement, parameters, the indexes it may read by)."""
    found: list[tuple[str, Any, dict[str, Any], tuple[str, ...]]] = []
    for key, statement in ROOTS.items():
        parameters: dict[str, Any] = {"thread_id": big, "limit": 50}
        if key.keyset:
            parameters |= {"after_us": BASE_US + BIG // 2 * 1_000_000, "after_id": "b0006000"}
            if key.sort in (Sort.VOTES, Sort.REACTIONS):
                parameters["after_score"] = 2
        name = f"roots {key.sort.value if key.sort else 'pinned'} anchored={key.anchored}"
        found.append(
            (
                name + (" after" if key.keyset else ""),
                statement,
                parameters,
                (EXPECTED_ROOTS[key.sort],),
            )
        )
    found += [
        ("replies", REPLIES, {"roots": page}, ("ix_comments_replies",)),
        ("featured", FEATURED, {"thread_id": big, "limit": 3}, ("ix_comments_featured",)),
        ("images", images._FOR_COMMENTS, {"ids": page}, ("ix_images_comment_id",)),
        ("thread", threads._FIND, {"site": "news", "page": "/big"}, ("threads",)),
        # Kept pages checked after a commit elsewhere: their threads' rows by id.
        ("threads by id", threads._FIND_MANY, {"ids": [big, big + 1]}, ("threads", "pk_threads")),
        # A reader's votes on the page: by the page's ids, or by the reader (who has few).
        ("votes", votes._FOR_VOTER, {"voter": "voter3", "ids": page}, ("votes", "ix_votes_voter")),
    ]
    return found


def _reads_by(expected: tuple[str, ...], used: set[str]) -> bool:
    """Whether the plan reads by one of ``expected``: an index's name, or a table's name for
    a read by the table's own key or unique constraint (SQLite's ``sqlite_autoindex_…``,
    PostgreSQL's ``…_pkey`` and ``uq_…``)."""
    return any(
        name == wanted
        or name.startswith((f"sqlite_autoindex_{wanted}_", f"uq_{wanted}_"))
        or name == f"{wanted}_pkey"
        for name in used
        for wanted in expected
    )


async def test_each_page_statement_reads_one_range_of_its_own_index(
    services: Services, database_url: str
) -> None:
    engine = create_async_engine(async_url(database_url))
    try:
        async with engine.begin() as conn:
            big, page = await _seed(conn)
        async with engine.connect() as conn:
            sqlite = conn.dialect.name == "sqlite"
            if not sqlite:
                # With the whole table in memory a sequential scan of a small table can look
                # cheaper; a page must not depend on that guess as the table grows.
                await conn.execute(sa.text("SET enable_seqscan = off"))
            wrong = []
            for name, statement, parameters, expected in cases(big, page):
                rows = (await conn.execute(Explain(statement), parameters)).all()
                used, steps = (_sqlite_plan if sqlite else _postgresql_plan)(rows)
                whole_table = [
                    step
                    for step in steps
                    if step.startswith(("SCAN comments", "Seq Scan comments"))
                    or (
                        step.startswith("SCAN ")
                        and " USING " not in step
                        and "json_each" not in step
                    )
                ]
                if not _reads_by(expected, used) or whole_table:
                    wrong.append((name, expected, steps))
            assert not wrong, "\n".join(f"{n}: wants {e}, plan {s}" for n, e, s in wrong)
    finally:
        await engine.dispose()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_the_check_sees_a_plan_that_walks_the_wrong_index(
    services: Services, database_url: str
) -> None:
    """The check itself: the replies read with a condition on the status (the statement as
    it once was) is caught when the planner walks the status index, and a read of the whole
    table is caught."""
    engine = create_async_engine(async_url(database_url))
    try:
        async with engine.begin() as conn:
            _, page = await _seed(conn)
            forced = sa.text(
                "SELECT id FROM comments INDEXED BY ix_comments_status_created_us "
                "WHERE status = 'published' AND root_id IN (SELECT value FROM json_each(:roots)) "
                "ORDER BY created_us"
            )
            rows = (await conn.execute(Explain(forced), {"roots": json.dumps(page)})).all()
            used, _ = _sqlite_plan(rows)
            assert not _reads_by(("ix_comments_replies",), used)
            assert _reads_by(("ix_comments_status_created_us",), used)
            scan = sa.text("SELECT id FROM comments NOT INDEXED WHERE body = 'x'")
            _, steps = _sqlite_plan((await conn.execute(Explain(scan))).all())
            assert any(step.startswith("SCAN comments") for step in steps), steps
    finally:
        await engine.dispose()
