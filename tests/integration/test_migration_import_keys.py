"""Revision 0016 on SQLite and PostgreSQL: import keys move from (site, source, id)
to (thread, source, id) with the rows they had, and back."""

from __future__ import annotations

import sqlalchemy as sa

from rostra.storage.migrate import upgrade
from tests.integration.test_migrations import (
    downgrade,
    empty_database_url,  # noqa: F401 - the fixture
    on_connection,
)

ROWS_AT_0015 = [
    "INSERT INTO sites (id, name, title, origins, created_us) VALUES (1, 'news', 'N', '[]', 1)",
    "INSERT INTO threads (id, site_id, page, created_us) VALUES (10, 1, '/a', 1), (20, 1, '/b', 1)",
    "INSERT INTO comments (id, thread_id, depth, status, author_name, body, body_html, "
    "created_us, upvotes, downvotes, score, descendant_count) VALUES "
    "('ca', 10, 0, 'published', 'A', 'x', 'x', 1, 0, 0, 0, 0), "
    "('cb', 20, 0, 'published', 'B', 'y', 'y', 2, 0, 0, 0, 0)",
    "INSERT INTO import_sources (site_id, source, source_id, comment_id, imported_us) VALUES "
    "(1, 'wordpress', '11', 'ca', 5), (1, 'wordpress', '12', 'cb', 5)",
]


def mapped(url: str) -> list[dict[str, object]]:
    return on_connection(
        url,
        lambda conn: [
            dict(row)
            for row in conn.execute(
                sa.text("SELECT * FROM import_sources ORDER BY comment_id")
            ).mappings()
        ],
    )


def run(url: str, *statements: str) -> None:
    def work(conn: sa.Connection) -> None:
        for statement in statements:
            conn.execute(sa.text(statement))

    on_connection(url, work)


def test_existing_keys_get_their_comments_thread_and_come_back_on_downgrade(
    empty_database_url: str,  # noqa: F811
) -> None:
    url = empty_database_url
    upgrade(url, "0015")
    run(url, *ROWS_AT_0015)

    upgrade(url, "0016")

    assert [(r["thread_id"], r["source_id"], r["comment_id"]) for r in mapped(url)] == [
        (10, "11", "ca"),
        (20, "12", "cb"),
    ]
    assert "site_id" not in mapped(url)[0]
    # Now two threads may each have a comment 11.
    run(
        url,
        "INSERT INTO comments (id, thread_id, depth, status, author_name, body, body_html, "
        "created_us, upvotes, downvotes, score, descendant_count) "
        "VALUES ('cc', 20, 0, 'published', 'C', 'z', 'z', 3, 0, 0, 0, 0)",
        "INSERT INTO import_sources (thread_id, source, source_id, comment_id, imported_us) "
        "VALUES (20, 'wordpress', '11', 'cc', 9)",
    )

    downgrade(url, "0015")

    # One row per (site, source, id) again: the oldest mapping of '11' is kept.
    assert [(r["site_id"], r["source_id"], r["comment_id"]) for r in mapped(url)] == [
        (1, "11", "ca"),
        (1, "12", "cb"),
    ]
