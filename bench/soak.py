"""Soak: hold a mixed read / write / SSE load on `rostra serve` for minutes.

Starts `rostra serve --workers N` on a fresh SQLite file (or ``--database URL``) on a free
127.0.0.1 port, seeds a few threads, then for ``--seconds`` runs at once:

  readers   GET /api/v1/comments of a random seeded thread (4 in 5) or POST /api/v1/counts
  writers   POST /api/v1/comments (one author per comment, so no duplicate holds) and votes
  streams   SSE connections to the seeded threads' /api/v1/events, each counting the
            comment.created events it receives; a dropped stream is an error

Each reader and writer paces itself to its share of ``--read-rps`` / ``--write-rps`` (it does
not queue up when the server is slower: latencies are those of a server kept busy, not
saturated). Every ``--sample`` seconds it records requests, errors, p50/p99 latency and the
resident memory of the server's whole process group. The load generator is Python (asyncio +
httpx) on the same machine, so it competes with the server for the CPUs; the figures are a
soak (errors, memory over time), not a throughput ceiling (that is bench/compare_isso.py).

    .venv/bin/python bench/soak.py [--seconds 120] [--workers 2] [--no-docs]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness as h
from report import write_section

SITE = "soak"
ORIGIN = "https://soak.example"
PAGES = [f"/soak/article-{n}" for n in range(8)]
SEED_COMMENTS = 25  # per page
REDIS_URL = "redis://127.0.0.1:6379/14"
WORDS = [
    "council",
    "budget",
    "river",
    "bridge",
    "school",
    "library",
    "election",
    "harbour",
    "transit",
    "museum",
    "housing",
    "festival",
    "weather",
    "market",
    "stadium",
    "clinic",
    "ferry",
    "orchard",
    "tramline",
    "archive",
]


def redis_answers(url: str) -> bool:
    parsed = httpx.URL(url.replace("redis://", "http://"))
    try:
        with socket.create_connection((parsed.host or "127.0.0.1", parsed.port or 6379), 2):
            return True
    except OSError:
        return False


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


@dataclass
class Window:
    """What happened during one sample interval."""

    started: float
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: Counter[str] = field(default_factory=Counter)
    events: int = 0

    def add(self, kind: str, ms: float) -> None:
        self.latencies.setdefault(kind, []).append(ms)


@dataclass
class Sample:
    at_s: float
    requests: int
    errors: int
    p50_ms: float
    p99_ms: float
    rss_mib: float
    streams_open: int
    events: int


@dataclass
class Load:
    """The running load: the current window, totals, and what the streams saw."""

    url: str
    window: Window = field(default_factory=lambda: Window(time.monotonic()))
    totals: dict[str, list[float]] = field(default_factory=dict)
    errors: Counter[str] = field(default_factory=Counter)
    comment_ids: list[str] = field(default_factory=list)
    streams_open: int = 0
    events: int = 0
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    posted: int = 0
    streams_wanted: int = 0
    streams_per_page: Counter[str] = field(default_factory=Counter)
    expected_events: int = 0  # published posts x the streams following their page
    all_open: asyncio.Event = field(default_factory=asyncio.Event)
    delivered: asyncio.Event = field(default_factory=asyncio.Event)
    streams_done: asyncio.Event = field(default_factory=asyncio.Event)
    streams_at_end: int = 0
    metrics: str = ""

    def event_seen(self) -> None:
        self.events += 1
        self.window.events += 1
        if self.stop.is_set() and self.events >= self.expected_events:
            self.delivered.set()

    def record(self, kind: str, started: float, ok: bool, what: str = "") -> None:
        ms = (time.perf_counter() - started) * 1000
        if ok:
            self.window.add(kind, ms)
            self.totals.setdefault(kind, []).append(ms)
        else:
            self.window.errors[f"{kind}: {what}"] += 1
            self.errors[f"{kind}: {what}"] += 1


def body_text(rng: random.Random, n: int) -> str:
    return f"Soak comment {n}: " + " ".join(rng.sample(WORDS, 9))


async def paced(load: Load, rate: float, action: object) -> None:
    """Call ``action()`` ``rate`` times a second until stopped, never catching up in bursts."""
    interval = 1.0 / rate
    next_at = time.monotonic() + random.random() * interval
    while not load.stop.is_set():
        delay = next_at - time.monotonic()
        if delay > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(load.stop.wait(), delay)
                return
        next_at = max(next_at + interval, time.monotonic())
        await action()  # type: ignore[operator]


async def reader(load: Load, client: httpx.AsyncClient, rate: float, seed: int) -> None:
    rng = random.Random(seed)

    async def one() -> None:
        started = time.perf_counter()
        try:
            if rng.random() < 0.8:
                kind = "read thread"
                response = await client.get(
                    "/api/v1/comments",
                    params={"site": SITE, "page": rng.choice(PAGES), "limit": 20},
                )
            else:
                kind = "counts"
                response = await client.post(
                    "/api/v1/counts", json={"site": SITE, "pages": rng.sample(PAGES, 5)}
                )
            load.record(kind, started, response.status_code == 200, str(response.status_code))
        except httpx.HTTPError as exc:
            load.record("read", started, False, type(exc).__name__)

    await paced(load, rate, one)


async def writer(load: Load, client: httpx.AsyncClient, rate: float, seed: int) -> None:
    rng = random.Random(seed)

    async def one() -> None:
        started = time.perf_counter()
        try:
            if load.comment_ids and rng.random() < 0.3:
                target = rng.choice(load.comment_ids)
                # A new voter each time (no cookie jar): every vote counts.
                response = await client.post(
                    f"/api/v1/comments/{target}/vote",
                    json={"value": rng.choice((1, -1))},
                    headers={"Origin": ORIGIN},
                )
                client.cookies.clear()
                load.record("vote", started, response.status_code == 200, str(response.status_code))
                return
            load.posted += 1
            n = load.posted
            page = rng.choice(PAGES)
            response = await client.post(
                "/api/v1/comments",
                json={
                    "site": SITE,
                    "page": page,
                    "author_name": f"Soak {n}",
                    "author_email": f"soak{seed}-{n}@mail.example",
                    "body": body_text(rng, n),
                },
                headers={"Origin": ORIGIN},
            )
            ok = response.status_code in (201, 202)
            load.record("post", started, ok, str(response.status_code))
            if response.status_code == 201:
                load.comment_ids.append(response.json()["id"])
                load.expected_events += load.streams_per_page[page]
        except httpx.HTTPError as exc:
            load.record("write", started, False, type(exc).__name__)

    await paced(load, rate, one)


async def stream(load: Load, client: httpx.AsyncClient, page: str) -> None:
    """One SSE reader for the whole run; the server ending the stream early is an error."""
    try:
        async with client.stream(
            "GET", "/api/v1/events", params={"site": SITE, "page": page}
        ) as response:
            if response.status_code != 200:
                load.errors[f"sse: {response.status_code}"] += 1
                return
            lines = response.aiter_lines()
            await anext(lines)  # ": connected": the server has subscribed this reader
            load.streams_open += 1
            if load.streams_open == load.streams_wanted:
                load.all_open.set()
            reading = asyncio.ensure_future(_count_events(load, lines))
            done = asyncio.ensure_future(load.streams_done.wait())
            try:
                await asyncio.wait({reading, done}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                load.streams_open -= 1
                for task in (reading, done):
                    task.cancel()
                await asyncio.gather(reading, done, return_exceptions=True)
            if reading.done() and not reading.cancelled() and not load.streams_done.is_set():
                load.errors["sse: stream ended"] += 1
    except httpx.HTTPError as exc:
        if not load.streams_done.is_set():
            load.errors[f"sse: {type(exc).__name__}"] += 1


async def _count_events(load: Load, lines: object) -> None:
    async for line in lines:  # type: ignore[attr-defined]
        if line == "event: comment.created":
            load.event_seen()


async def sampler(load: Load, pgid: int, every: float, began: float, into: list[Sample]) -> None:
    while not load.stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(load.stop.wait(), every)
        window, load.window = load.window, Window(time.monotonic())
        if time.monotonic() - window.started < every / 2:
            continue  # the stub of a window cut short by the end of the run
        latencies = [ms for values in window.latencies.values() for ms in values]
        sample = Sample(
            at_s=time.monotonic() - began,
            requests=len(latencies),
            errors=sum(window.errors.values()),
            p50_ms=percentile(latencies, 0.5),
            p99_ms=percentile(latencies, 0.99),
            rss_mib=h.group_rss_kib(pgid) / 1024,
            streams_open=load.streams_open,
            events=window.events,
        )
        into.append(sample)
        h.log(
            f"  {sample.at_s:6.0f} s  {sample.requests:6d} req  {sample.errors:3d} err  "
            f"p50 {sample.p50_ms:6.1f} ms  p99 {sample.p99_ms:7.1f} ms  "
            f"RSS {sample.rss_mib:6.1f} MiB  streams {sample.streams_open}  "
            f"events {sample.events}"
        )


async def seed_threads(url: str) -> list[str]:
    rng = random.Random(7)
    ids = []
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        for page in PAGES:
            for n in range(SEED_COMMENTS):
                response = await client.post(
                    "/api/v1/comments",
                    json={
                        "site": SITE,
                        "page": page,
                        "author_name": f"Seed {n}",
                        "author_email": f"seed-{page.rsplit('-', 1)[1]}-{n}@mail.example",
                        "body": body_text(rng, n),
                    },
                    headers={"Origin": ORIGIN},
                )
                if response.status_code != 201:
                    raise RuntimeError(f"seeding failed: {response.status_code} {response.text}")
                ids.append(response.json()["id"])
    return ids


async def run_load(args: argparse.Namespace, url: str, pgid: int) -> tuple[Load, list[Sample]]:
    load = Load(url)
    load.comment_ids = await seed_threads(url)
    samples: list[Sample] = []
    limits = httpx.Limits(max_connections=args.readers + args.writers + 8)
    timeout = httpx.Timeout(30.0)
    async with (
        httpx.AsyncClient(base_url=url, limits=limits, timeout=timeout) as readers_client,
        httpx.AsyncClient(base_url=url, limits=limits, timeout=timeout) as writers_client,
        httpx.AsyncClient(
            base_url=url,
            limits=httpx.Limits(max_connections=args.streams + 1),
            timeout=httpx.Timeout(30.0, read=None),
        ) as streams_client,
    ):
        load.streams_wanted = args.streams
        if not args.streams:
            load.all_open.set()
        load.streams_per_page = Counter(PAGES[n % len(PAGES)] for n in range(args.streams))
        streams = [
            asyncio.create_task(stream(load, streams_client, PAGES[n % len(PAGES)]))
            for n in range(args.streams)
        ]
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(load.all_open.wait(), 30)
        began = time.monotonic()
        tasks = [
            asyncio.create_task(reader(load, readers_client, args.read_rps / args.readers, n))
            for n in range(args.readers)
        ]
        tasks += [
            asyncio.create_task(
                writer(load, writers_client, args.write_rps / args.writers, 1000 + n)
            )
            for n in range(args.writers)
        ]
        tasks.append(asyncio.create_task(sampler(load, pgid, args.sample, began, samples)))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(load.stop.wait(), args.seconds)
        load.streams_at_end = load.streams_open
        load.metrics = (await readers_client.get("/metrics")).text
        load.stop.set()
        await asyncio.wait_for(asyncio.gather(*tasks), 60)
        # The last posts' events may still be on their way: wait for them, with a deadline.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(load.delivered.wait(), 10)
        load.streams_done.set()
        await asyncio.wait_for(asyncio.gather(*streams, return_exceptions=True), 30)
    return load, samples


def metric(text: str, name: str) -> float:
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name) and not line.startswith("#"):
            head, _, value = line.rpartition(" ")
            if head == name or head.startswith(name + "{"):
                total += float(value)
    return total


def report(args: argparse.Namespace, load: Load, samples: list[Sample], problems: str) -> str:
    events_note = (
        f"live updates across workers through Redis at {args.redis}"
        if args.redis
        else "no Redis: a worker's readers see only the comments posted to that worker, so "
        "fewer than expected is normal with several workers"
    )
    rows = [
        "| kind | requests | p50 ms | p99 ms |",
        "| --- | ---: | ---: | ---: |",
    ]
    for kind, values in sorted(load.totals.items()):
        rows.append(
            f"| {kind} | {len(values):,} | {percentile(values, 0.5):.1f} | "
            f"{percentile(values, 0.99):.1f} |"
        )
    over_time = [
        "| at s | requests | errors | p50 ms | p99 ms | RSS MiB (all processes) | SSE open | "
        "events seen |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    over_time += [
        f"| {s.at_s:.0f} | {s.requests:,} | {s.errors} | {s.p50_ms:.1f} | {s.p99_ms:.1f} | "
        f"{s.rss_mib:.1f} | {s.streams_open} | {s.events:,} |"
        for s in samples
    ]
    total_requests = sum(len(v) for v in load.totals.values())
    errors = sum(load.errors.values())
    first, last = (samples[0], samples[-1]) if samples else (None, None)
    growth = (
        f"{first.rss_mib:.1f} MiB after the first {args.sample:.0f} s, {last.rss_mib:.1f} MiB "
        f"at the end ({last.rss_mib - first.rss_mib:+.1f} MiB)"
        if first and last
        else "no samples"
    )
    error_list = ", ".join(f"{k} × {v}" for k, v in load.errors.most_common()) or "none"
    slopes = growth_by_quarter(samples)
    return "\n".join(
        [
            f"`bench/soak.py --seconds {args.seconds:g} --sample {args.sample:g} --workers "
            f"{args.workers}`: `rostra serve --workers {args.workers}` on a fresh SQLite file "
            f"({'JSON' if args.json_logs else 'console'} logs, rate limits off, default "
            f"screening, {'Redis ' + args.redis if args.redis else 'no Redis'}), "
            f"{len(PAGES)} threads of {SEED_COMMENTS} seeded comments. Load from "
            f"one Python asyncio + httpx process on the same machine: {args.readers} readers "
            f"paced to {args.read_rps:g} requests/s in all (4/5 thread pages, 1/5 counts), "
            f"{args.writers} writers paced to {args.write_rps:g}/s (7/10 new comments, 3/10 "
            f"votes), {args.streams} SSE readers held for the whole run. "
            "**The machine (2 cores) was shared with other agents' test runs and builds at "
            "the time**, so latencies include their CPU contention; errors and memory are the "
            "point of this run.",
            "",
            f"- Requests: {total_requests:,} in {args.seconds:g} s; errors: {errors} "
            f"({error_list}).",
            f"- SSE: {load.streams_at_end} of {args.streams} streams still open at the end; "
            f"`comment.created` events received {load.events:,} of {load.expected_events:,} "
            "expected (each comment published during the run, once per stream following its "
            f"thread; {events_note}).",
            f"- Memory (RSS of the server's process group): {growth}.",
            f"- Memory growth in each quarter of the run: {slopes}.",
            f"- `/metrics` just before the end: "
            f"{metric(load.metrics, 'rostra_comments_posted_total'):,.0f} "
            "comments posted (seed included), "
            f"{metric(load.metrics, 'rostra_sse_connections'):,.0f} SSE connections open "
            "(summed over the workers by prometheus-client's multiprocess mode).",
            f"- Server log: {problems}.",
            "",
            *rows,
            "",
            *over_time,
        ]
    )


def growth_by_quarter(samples: list[Sample]) -> str:
    """RSS growth per minute in each quarter of the run: whether memory levels off shows
    as the later quarters' rates falling towards zero, which a start-to-end difference hides."""
    if len(samples) < 8:
        return "too few samples to tell"
    quarter = len(samples) // 4
    rates = []
    for n in range(4):
        part = samples[n * quarter : (n + 1) * quarter + 1] if n < 3 else samples[3 * quarter :]
        minutes = (part[-1].at_s - part[0].at_s) / 60
        rates.append(f"{(part[-1].rss_mib - part[0].rss_mib) / minutes:+.2f}")
    return " → ".join(rates) + " MiB/min"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=120.0, help="how long to hold the load")
    parser.add_argument("--workers", type=int, default=2, help="server worker processes")
    parser.add_argument("--database", help="database URL (default: a fresh SQLite file)")
    parser.add_argument("--readers", type=int, default=16)
    parser.add_argument("--writers", type=int, default=2)
    parser.add_argument("--streams", type=int, default=50)
    parser.add_argument("--read-rps", type=float, default=200.0)
    parser.add_argument("--write-rps", type=float, default=10.0)
    parser.add_argument("--sample", type=float, default=10.0, help="seconds per sample")
    parser.add_argument(
        "--redis",
        default=REDIS_URL if redis_answers(REDIS_URL) else None,
        help="ROSTRA_REDIS_URL for the server (default: local Redis db 14 when it answers)",
    )
    parser.add_argument("--no-redis", action="store_true", help="run without Redis")
    parser.add_argument("--json-logs", action="store_true", help="ROSTRA_LOG_FORMAT=json")
    parser.add_argument("--no-docs", action="store_true", help="do not write docs/performance.md")
    parser.add_argument("--server-log", type=Path, help="keep the server's log at this path")
    parser.add_argument(
        "--section",
        default="soak",
        help="section of docs/performance.md to write: 'soak' (the short run of make "
        "bench-soak) or 'soak-long' (the run that shows whether memory levels off)",
    )
    args = parser.parse_args()
    if args.no_redis:
        args.redis = None

    procs = h.Processes()
    with tempfile.TemporaryDirectory(prefix="rostra-soak-") as tmp:
        workdir = Path(tmp)
        database = args.database or f"sqlite:///{workdir / 'soak.db'}"
        env = {
            "ROSTRA_DATABASE_URL": database,
            "ROSTRA_SECRET_KEY": "soak-secret-key-that-is-long-enough-for-rostra",
            "ROSTRA_RATE_LIMITS": "off",
            "ROSTRA_LOG_FORMAT": "json" if args.json_logs else "console",
        }
        if args.redis:
            env["ROSTRA_REDIS_URL"] = args.redis
        env_all = {**os.environ, **env}
        env_all.pop("PROMETHEUS_MULTIPROC_DIR", None)
        rostra = str(h.VENV_BIN / "rostra")
        subprocess.run(
            [rostra, "site", "add", SITE, "--origin", ORIGIN],
            env=env_all,
            check=True,
            capture_output=True,
        )
        port = h.free_port()
        try:
            server = procs.start(
                "rostra",
                [rostra, "serve", "--port", str(port), "--workers", str(args.workers)],
                port=port,
                ready_path="/healthz",
                log_path=workdir / "server.log",
                env=env,
            )
            url = f"http://127.0.0.1:{port}"
            h.log(
                f"rostra serve --workers {args.workers} on {url}; seeding, then {args.seconds:g} s"
            )
            load, samples = asyncio.run(run_load(args, url, server.pgid))
            log_text = (workdir / "server.log").read_text(errors="replace")
            tracebacks = log_text.count("Traceback")
            server_errors = sum(
                1
                for line in log_text.splitlines()
                if '"status": 5' in line or '"status":5' in line or "status=5" in line
            )
            problems = (
                f"{tracebacks} tracebacks, {server_errors} answers >= 500"
                if tracebacks or server_errors
                else "no tracebacks, no answers >= 500"
            )
        finally:
            # Copied before the stop, which deletes it (the last shutdown lines are not in it).
            if args.server_log and (workdir / "server.log").exists():
                shutil.copyfile(workdir / "server.log", args.server_log)
            procs.stop_all()
    body = report(args, load, samples, problems)
    print(body)
    if not args.no_docs:
        title = "Soak: mixed read, write and SSE load"
        if args.section != "soak":
            title = f"Soak: memory over {args.seconds / 60:g} minutes"
        write_section(args.section, title, body)
        h.log(f"Wrote the {args.section} section of docs/performance.md")
    print(json.dumps({"errors": sum(load.errors.values()), "streams_open": load.streams_open}))


if __name__ == "__main__":
    main()
