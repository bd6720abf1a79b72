"""What a worker's kept pages cost besides the reads they answer: the check after a commit, and
a full pass of the cyclic collector over them.

Bulk-seeds 200 threads of 60 comments into a SQLite file and, in one process, does what a
worker does: freezes what it loaded (rostra.web.loop_lag.settle_collector), then reads each
first page once, so that the thread reader keeps it arranged. Then it measures

- *check*: ``find_many`` of the 200 threads, what the kept answers' check runs after every
  commit (rostra.web.middleware.settled), with the threads' objects reused for unchanged rows
  as Rostra does, against making every object anew in the same run;
- *full pass*: one ``gc.collect()`` with the pages kept, against one before they were read:
  how long a full pass stops a worker's event loop.

    .venv/bin/python bench/kept_pages.py
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import seed
from report import write_section
from thread_pages import SECRET

from rostra.bootstrap import build_services
from rostra.config import Settings
from rostra.domain.paging import Sort
from rostra.services.callers import Caller
from rostra.services.registry import Services
from rostra.services.thread_reads import ThreadQuery
from rostra.storage import threads as thread_rows
from rostra.storage.migrate import upgrade
from rostra.web.loop_lag import settle_collector

PAGES = 200
SIZE = 60
CHECKS = 300
PASSES = 5


def page(n: int) -> str:
    return f"/kept/{n}"


async def check_ms(storage: Any, ids: list[int], *, anew: bool) -> float:
    """Median milliseconds of one ``find_many`` of ``ids``."""
    times = []
    for _ in range(CHECKS):
        if anew:
            thread_rows._MADE.clear()
        began = time.perf_counter()
        async with storage.glance() as look:
            await look.threads.find_many(ids)
        times.append(time.perf_counter() - began)
    return statistics.median(times) * 1000


def full_pass_ms() -> float:
    """Median milliseconds of a full collection."""
    times = []
    for _ in range(PASSES):
        began = time.perf_counter()
        gc.collect()
        times.append(time.perf_counter() - began)
    return statistics.median(times) * 1000


async def measure(url: str) -> list[str]:
    services: Services = build_services(
        Settings(database_url=url, secret_key=SECRET, rate_limits=False)
    )
    storage: Any = services.comments._reader._storage  # type: ignore[attr-defined]
    await settle_collector()  # as a worker's start-up ends, before it reads any page
    empty = full_pass_ms()
    ids = []
    for n in range(PAGES):
        read = await services.comments.read_thread(
            ThreadQuery(seed.SITE, page(n), Sort.NEWEST, 50), Caller()
        )
        assert read.revision is not None
        ids.append(read.revision.thread.id)
    kept = full_pass_ms()
    reused = await check_ms(storage, ids, anew=False)
    anew = await check_ms(storage, ids, anew=True)
    for hook in services.on_shutdown:
        await hook()
    return [
        "| what | measured | baseline in the same run |",
        "| --- | ---: | ---: |",
        f"| check of {len(ids)} threads (median) | {reused:.2f} ms | {anew:.2f} ms, each "
        "thread made anew |",
        f"| a full pass of the collector (median) | {kept:.1f} ms with the pages kept | "
        f"{empty:.1f} ms before any page was read |",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/kept.db"
        upgrade(url)

        async def add_site() -> None:
            services = build_services(Settings(database_url=url, secret_key=SECRET))
            await services.sites.add_site(seed.SITE, ["https://bench.example"])
            for hook in services.on_shutdown:
                await hook()

        asyncio.run(add_site())
        seed.bulk_seed_rostra(
            url, [(page(n), SIZE) for n in range(PAGES)], budget_seconds=300, progress=print
        )
        lines = asyncio.run(measure(url))
    body = "\n".join(
        [
            "Command: `.venv/bin/python bench/kept_pages.py`. In-process on SQLite: "
            f"{PAGES} threads of {SIZE} comments; what a worker loaded is frozen first, then "
            "each first page is read once so that the thread reader keeps it. *check*: what "
            "the kept answers' check reads after every commit. *A full pass*: `gc.collect()`, "
            "which stops a worker's event loop while it runs.",
            "",
            *lines,
        ]
    )
    print(body)
    write_section("kept-pages", "Kept pages: the check after a commit, and the collector", body)


if __name__ == "__main__":
    main()
