"""What a first page costs when nothing is cached, as the thread grows to 1,000,000 comments.

Bulk-seeds threads of 1,000, 100,000 and 1,000,000 comments (bench/seed.py: 30 % replies,
denormalized counts right) into one database, then builds the first page (`limit=50`, newest)
of each many times with a thread reader whose caches hold nothing, and encodes it as the API
does. The cost of a miss should follow the page, not the thread: the 1,000-comment thread in
the same run is the baseline. Results go to docs/performance.md.

    .venv/bin/python bench/page_build.py [--database sqlite|postgresql] [--rounds 200]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import msgspec

sys.path.insert(0, str(Path(__file__).resolve().parent))
import seed
from report import write_section
from thread_pages import POSTGRESQL_URL, SECRET, recreate_postgresql

from rostra.bootstrap import build_services
from rostra.config import Settings
from rostra.domain.paging import Sort
from rostra.services.callers import Caller
from rostra.services.comments import CommentService
from rostra.services.thread_reads import ThreadPage, ThreadQuery, ThreadReader
from rostra.storage.migrate import upgrade
from rostra.web.api.comments import page_out

SIZES = (1_000, 100_000, 1_000_000)


def encode(page: ThreadPage) -> bytes:
    """The page's JSON, as the API answers it."""
    return msgspec.json.encode(page_out(page))


async def measure(url: str, sizes: tuple[int, ...], rounds: int) -> list[str]:
    services = build_services(Settings(database_url=url, secret_key=SECRET, rate_limits=False))
    comments = services.comments
    assert isinstance(comments, CommentService)
    storage, depth = comments._reader._storage, comments._reader._max_depth
    rows = []
    baseline = 0.0
    for size in sizes:
        query = ThreadQuery(seed.SITE, f"/g/{size}", Sort.NEWEST, 50)
        builds, encodes, shown = [], [], 0
        for n in range(rounds + 10):
            reader = ThreadReader(storage, 0, depth, comments._metrics)
            began = time.perf_counter()
            page = await reader.read_thread(query, Caller())
            built = time.perf_counter()
            encode(page)
            done = time.perf_counter()
            if n >= 10:  # the first rounds warm the statement caches
                builds.append((built - began) * 1000)
                encodes.append((done - built) * 1000)
            shown = len(page.comments)
        total = sorted(b + e for b, e in zip(builds, encodes, strict=True))
        median = statistics.median(total)
        baseline = baseline or median
        rows.append(
            f"| {size:,} | {shown} | {statistics.median(builds):.2f} | "
            f"{statistics.median(encodes):.2f} | {median:.2f} | "
            f"{total[int(len(total) * 0.95) - 1]:.2f} | {median / baseline:.2f} |"
        )
    for hook in services.on_shutdown:
        await hook()
    return [
        "| comments in thread | top-level shown | build ms (median) | encode ms (median) | "
        "total ms (median) | total ms (p95) | against 1,000 |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        *rows,
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--largest", type=int, default=SIZES[-1], help="leave out larger threads")
    args = parser.parse_args()
    sizes = tuple(size for size in SIZES if size <= args.largest)
    with tempfile.TemporaryDirectory() as folder:
        if args.database == "sqlite":
            url = f"sqlite:///{folder}/pages.db"
        else:
            url = POSTGRESQL_URL.rsplit("/", 1)[0] + "/rostra_bench_pages"
            recreate_postgresql(url)
        upgrade(url)

        async def add_site() -> None:
            services = build_services(Settings(database_url=url, secret_key=SECRET))
            await services.sites.add_site(seed.SITE, ["https://bench.example"])
            for hook in services.on_shutdown:
                await hook()

        asyncio.run(add_site())
        seed.bulk_seed_rostra(
            url, [(f"/g/{size}", size) for size in sizes], budget_seconds=900, progress=print
        )
        if args.database == "postgresql":
            from compare_isso import analyze_postgresql

            analyze_postgresql(url)
        lines = asyncio.run(measure(url, sizes, args.rounds))
    command = f"`.venv/bin/python bench/page_build.py --database {args.database}`"
    body = "\n".join(
        [
            f"Command: {command}. In-process, one reader at a time, caches empty for every "
            f"build; {args.rounds} builds per thread after 10 warm-up builds. *build*: the "
            "thread reader (`services/thread_reads.py`) reads and arranges the page; *encode*: "
            "the API's JSON of it.",
            "",
            *lines,
        ]
    )
    print(body)
    write_section(
        f"page-build-{args.database}", f"A first page built afresh ({args.database})", body
    )


if __name__ == "__main__":
    main()
