"""CPU per request through the whole ASGI app, without a socket.

Builds the production app on a fresh SQLite file, sends ``N`` requests straight to it (after
500 to warm up) and prints the process CPU time per request. A yardstick for one change at a
time on a busy machine: CPU time barely moves with other load, wall-clock rates do.

    .venv/bin/python bench/asgi_cost.py [--requests 20000] [--what counts|read|post] [--log json]
        [--concurrency 1] [--pages 1] [--database-url postgresql://…/an_empty_database]
        [--redis-url redis://127.0.0.1:6379/9]

``--concurrency N`` keeps N requests in flight (as ``wrk -cN`` does), so work that is shared
by requests arriving together (batched screening, the writers' turn) is measured as it is
under load. ``--pages N`` spreads the posts over N threads (writers to one thread take turns
on its row in PostgreSQL); ``--database-url`` measures on another database, which must be empty
(it is migrated first); ``--redis-url`` adds Redis (live events, rate-limit counters, and on
PostgreSQL the commit counter that lets answers be replayed). The wall-clock rate is printed
too: on PostgreSQL, part of the work is the database server's, which the CPU time of this
process does not count.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from typing import Any

os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp())

from rostra.bootstrap import build_services
from rostra.config import Settings
from rostra.web.app import create_app
from rostra.web.logs import configure_logging

SECRET = "asgi-cost-secret-key-long-enough-for-rostra"
WORDS = [
    "bridge",
    "council",
    "river",
    "traffic",
    "budget",
    "mayor",
    "school",
    "library",
    "market",
    "harbour",
    "museum",
]


def migrated_database(url: str | None = None) -> str:
    url = url or f"sqlite:///{tempfile.mkdtemp()}/cost.db"
    env = {**os.environ, "ROSTRA_DATABASE_URL": url, "ROSTRA_SECRET_KEY": SECRET}
    subprocess.run([sys.executable, "-m", "rostra", "migrate"], env=env, check=True)
    return url


async def measure(
    url: str,
    requests: int,
    what: str,
    log_format: str,
    concurrency: int = 1,
    pages: int = 1,
    redis_url: str | None = None,
) -> tuple[float, float]:
    """CPU µs per request of this process, and requests per second of wall-clock time."""
    configure_logging(log_format)
    settings = Settings(database_url=url, redis_url=redis_url, secret_key=SECRET, rate_limits=False)
    services = build_services(settings)
    await services.sites.add_site("news", ["https://news.example"], "News")
    app = create_app(services)
    for hook in services.on_startup:
        await hook()

    async def call(method: str, path: str, body: bytes = b"", query: bytes = b"") -> int:
        sent: list[dict[str, Any]] = []
        given = False

        async def receive() -> dict[str, Any]:
            nonlocal given
            if given:
                await asyncio.sleep(3600)  # never: the app does not wait for a disconnect
            given = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        headers = [
            (b"host", b"127.0.0.1"),
            (b"origin", b"https://news.example"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ]
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
            "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": query,
            "root_path": "", "headers": headers, "client": ("127.0.0.1", 5000),
            "server": ("127.0.0.1", 8000), "state": {},
        }  # fmt: skip
        await app(scope, receive, send)  # type: ignore[arg-type]
        return int(sent[0]["status"])

    counts = json.dumps({"site": "news", "pages": [f"/a/{n}" for n in range(20)]}).encode()
    numbers = iter(range(10**9))

    def post() -> Awaitable[int]:
        n = next(numbers)
        text = " ".join(random.choice(WORDS) for _ in range(12)) + f" {n}, with **Markdown**."
        page = f"/post/{n % pages}"
        body = {"site": "news", "page": page, "author_name": f"Bench {n % 2}", "body": text}
        return call("POST", "/api/v1/comments", json.dumps(body).encode())

    kinds: dict[str, Callable[[], Awaitable[int]]] = {
        "counts": lambda: call("POST", "/api/v1/counts", counts),
        "read": lambda: call("GET", "/api/v1/comments", query=b"site=news&page=/a/1&limit=50"),
        "post": post,
    }
    request = kinds[what]
    for _ in range(500):
        assert await request() < 400
    began, started = time.process_time(), time.perf_counter()
    if concurrency == 1:
        for _ in range(requests):
            await request()
    else:
        left = requests

        async def client() -> None:
            nonlocal left
            while left > 0:
                left -= 1
                await request()

        await asyncio.gather(*(client() for _ in range(concurrency)))
    cpu = (time.process_time() - began) / requests * 1e6
    rate = requests / (time.perf_counter() - started)
    for hook in services.on_shutdown:
        await hook()
    return cpu, rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--what", choices=("counts", "read", "post"), default="counts")
    parser.add_argument("--log", choices=("json", "console"), default="json")
    parser.add_argument("--concurrency", type=int, default=1, help="requests in flight")
    parser.add_argument("--pages", type=int, default=1, help="threads the posts go to")
    parser.add_argument("--database-url", help="an empty database (default: a new SQLite file)")
    parser.add_argument("--redis-url", help="use Redis too (default: none)")
    args = parser.parse_args()
    url = migrated_database(args.database_url)
    sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - the request log, not measured output
    cost, rate = asyncio.run(
        measure(
            url,
            args.requests,
            args.what,
            args.log,
            args.concurrency,
            max(args.pages, 1),
            args.redis_url,
        )
    )
    print(
        f"{args.what}: {cost:.1f} µs CPU per request, {rate:,.0f} requests/s "
        f"({args.requests:,} requests, {args.concurrency} in flight)"
    )


if __name__ == "__main__":
    main()
