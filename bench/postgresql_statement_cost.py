"""CPU of one small statement on PostgreSQL: through SQLAlchemy's asyncio engine, and as the
same prepared statement straight on asyncpg (what a post's ten round trips cost
Rostra's workers, docs/performance.md).

Runs a post's thread lookup (``storage/threads.py``'s ``_FIND``, an indexed join) against an
empty thread on a scratch database, ``--count`` times each way, one at a time, and prints the
process CPU per statement.

    .venv/bin/python bench/postgresql_statement_cost.py [--count 5000]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from compare_isso import pg_url, recreate_postgresql

DATABASE = "rostra_bench_statement"


async def measure(url: str, count: int) -> tuple[float, float]:
    from sqlalchemy.ext.asyncio import create_async_engine

    from rostra.storage.database import async_url
    from rostra.storage.threads import _FIND

    parameters = {"site": "bench", "page": "/bench-post"}
    engine = create_async_engine(async_url(url))
    try:
        async with engine.connect() as conn:
            for _ in range(200):  # warm: the statement is prepared and its plan settled
                await conn.execute(_FIND, parameters)
            started = time.process_time()
            for _ in range(count):
                (await conn.execute(_FIND, parameters)).first()
            through_sqlalchemy = (time.process_time() - started) / count
            raw = (await conn.get_raw_connection()).driver_connection
            assert raw is not None  # an open asyncpg connection
            prepared = await raw.prepare(str(_FIND.compile(dialect=engine.dialect)))
            for _ in range(200):
                await prepared.fetchrow(*parameters.values())
            started = time.process_time()
            for _ in range(count):
                await prepared.fetchrow(*parameters.values())
            on_asyncpg = (time.process_time() - started) / count
    finally:
        await engine.dispose()
    return through_sqlalchemy, on_asyncpg


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=5000)
    args = parser.parse_args()
    url_text = pg_url(DATABASE)
    recreate_postgresql(url_text)
    from rostra.storage.migrate import upgrade

    upgrade(url_text)
    through_sqlalchemy, on_asyncpg = asyncio.run(measure(url_text, args.count))
    print(
        f"thread lookup, CPU a statement: SQLAlchemy {through_sqlalchemy * 1e6:.0f} us, "
        f"asyncpg prepared {on_asyncpg * 1e6:.0f} us"
    )


if __name__ == "__main__":
    main()
