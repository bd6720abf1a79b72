"""Hot threads: the first page read while comments pour into the same thread.

A news site's load is an article receiving comments every second while thousands read it.
For each setup (SQLite one process, SQLite two workers, PostgreSQL + Redis two workers) and
each thread size (bulk-seeded: bench/seed.py), this part of ``bench/compare_isso.py`` runs wrk
at 50 connections on the first page (``limit=50``, newest) twice on a fresh server: once with
no writes, once while a writer posts ``WRITES_PER_SECOND`` comments a second to that thread
through the API. During the writing run a prober reads the page every ``PROBE_EVERY`` seconds
and notes when each acknowledged comment first appears (how stale a reader's page can be),
and the servers' ``rostra_event_loop_lag_seconds`` histogram is read before and after (how long
anything held a worker's event loop).
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

import harness as h
import seed

SIZES = (1_000, 100_000)
# Readers spread over this many other threads of the site (SPREAD_SIZE comments each) while
# the hot one is written to: what a commit costs the readers of pages it did not change.
SPREAD = 200
SPREAD_SIZE = 60
WRITES_PER_SECOND = 20
WRITERS = 4  # clients posting at once: one alone waits for each answer and falls behind
PROBE_EVERY = 0.05
CONNECTIONS = 50
LAG_LIMIT = 0.005  # seconds: the most a page build may hold the event loop
ROSTRA_SETUPS = (("SQLite", 1, False), ("SQLite", 2, False), ("PostgreSQL", 2, True))


def page_path(size: int) -> str:
    return f"/hot/{size}"


def spread_path(n: int) -> str:
    return f"/spread/{n}"


def spread_read_path(n: int) -> str:
    return "/api/v1/comments?" + urlencode({"site": seed.SITE, "page": spread_path(n), "limit": 50})


def read_path(size: int) -> str:
    return "/api/v1/comments?" + urlencode(
        {"site": seed.SITE, "page": page_path(size), "limit": 50}
    )


@dataclass
class Writing:
    """What the writer and the prober saw during one writing run."""

    posted: int = 0
    refused: int = 0
    held: int = 0
    acknowledged: dict[str, float] = field(default_factory=dict)  # id -> time of the 201
    first_seen: dict[str, float] = field(default_factory=dict)  # id -> first probe showing it
    probes: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def staleness(self) -> list[float]:
        """Seconds from each published comment's acknowledgement to a probe showing it;
        comments never seen count as the whole rest of the run (they make the maximum)."""
        end = max([*self.first_seen.values(), *self.acknowledged.values(), 0.0])
        return [
            max(0.0, self.first_seen.get(comment, end) - at)
            for comment, at in self.acknowledged.items()
        ]

    def unseen(self) -> int:
        return sum(1 for comment in self.acknowledged if comment not in self.first_seen)


def write_steadily(
    port: int, size: int, seconds: float, out: Writing, stop: threading.Event, writer: int = 0
) -> None:
    """Post this writer's share of ``WRITES_PER_SECOND`` comments a second (on a fixed
    schedule, not as fast as possible) to the thread for ``seconds``."""
    client = seed.JsonClient(port)
    # Ordinary words, each comment unlike the last (no duplicates), from its own address.
    rng = random.Random(size * WRITERS + writer)
    rate = WRITES_PER_SECOND / WRITERS
    started = time.monotonic() + writer / WRITES_PER_SECOND
    n = 0
    try:
        while not stop.is_set() and time.monotonic() - started < seconds:
            due = started + n / rate
            if (wait := due - time.monotonic()) > 0:
                time.sleep(wait)
            n += 1
            status, raw = client.request(
                "POST",
                "/api/v1/comments",
                {
                    "site": seed.SITE,
                    "page": page_path(size),
                    "author_name": f"Writer {n % 13}",
                    "body": seed.body_text(rng),
                },
            )
            with out.lock:
                if status != 201:
                    out.refused += 1
                    continue
                answer = json.loads(raw)
                out.posted += 1
                if answer.get("status") == "published":
                    out.acknowledged[answer["id"]] = time.monotonic()
                else:
                    out.held += 1
    finally:
        client.close()


def probe(port: int, size: int, out: Writing, stop: threading.Event) -> None:
    """Read the first page every ``PROBE_EVERY`` seconds, as an anonymous reader does, and
    note when each comment first shows."""
    client = seed.JsonClient(port)
    try:
        while not stop.is_set():
            status, raw = client.request("GET", read_path(size))
            at = time.monotonic()
            out.probes += 1
            if status == 200:
                for item in json.loads(raw)["comments"]:
                    out.first_seen.setdefault(item["id"], at)
            stop.wait(PROBE_EVERY)
    finally:
        client.close()


def lag_buckets(port: int) -> dict[float, float]:
    """The cumulative bucket counts of ``rostra_event_loop_lag_seconds`` (all workers)."""
    status, raw = h.fetch(port, "/metrics")
    if status != 200:
        return {}
    buckets: dict[float, float] = {}
    for line in raw.decode().splitlines():
        if line.startswith("rostra_event_loop_lag_seconds_bucket{"):
            bound = line.split('le="', 1)[1].split('"', 1)[0]
            value = float(line.rsplit(" ", 1)[1])
            key = float("inf") if bound == "+Inf" else float(bound)
            buckets[key] = buckets.get(key, 0.0) + value
    return buckets


@dataclass
class Lag:
    periods: float  # quarter-second periods observed (all workers)
    over_limit: float  # of which the worst lag exceeded LAG_LIMIT
    worst_bucket: float  # the upper bound of the highest bucket any period reached (s)

    @classmethod
    def between(cls, before: dict[float, float], after: dict[float, float]) -> Lag:
        delta = {bound: after.get(bound, 0.0) - before.get(bound, 0.0) for bound in after}
        total = delta.get(float("inf"), 0.0)
        within = max((v for b, v in delta.items() if b <= LAG_LIMIT), default=0.0)
        bounds = sorted(delta)
        worst = next((b for b in bounds if delta[b] >= total), float("inf")) if total else 0.0
        return cls(total, total - within, worst)


@dataclass
class HotResult:
    setup: str
    size: int
    quiet: h.WrkRun
    hot: h.WrkRun
    writing: Writing
    lag: Lag
    quiet_lag: Lag
    calm_lag: Lag  # writers and the prober only, no wrk
    calm_cpu: float  # CPU seconds of the server in the calm run
    calm: Writing  # what the writers of the calm run stored
    spread: int = 0  # wrk read this many other threads in turn (0: the hot thread itself)

    @property
    def read_cpu_ms(self) -> float:
        """Server CPU per read with no writes (ms)."""
        return self.quiet.server_cpu / self.quiet.requests * 1000 if self.quiet.requests else 0.0

    @property
    def post_cpu_ms(self) -> float:
        """Server CPU per post in the calm run, the prober's reads taken off (ms)."""
        if not self.calm.posted:
            return 0.0
        reads = self.calm.probes * self.read_cpu_ms / 1000
        return max(0.0, self.calm_cpu - reads) / self.calm.posted * 1000

    @property
    def kept(self) -> float:
        return self.hot.rps / self.quiet.rps if self.quiet.rps else 0.0


def run_setup(
    start: Callable[[], h.Server],
    setup: str,
    size: int,
    seconds: float,
    stop_server: Callable,
    spread: int = 0,
) -> HotResult:
    """One quiet and one writing run on fresh servers of ``start``; with ``spread``, wrk
    reads that many other threads in turn instead of the hot one."""
    script, wrk_env = "get.lua", None
    if spread:
        script, wrk_env = "pages.lua", {"WRK_PAGES": str(spread), "WRK_SITE": seed.SITE}
    runs: dict[str, tuple[h.WrkRun | None, Lag]] = {}
    calm_cpu = 0.0
    writing, unloaded = Writing(), Writing()
    # "calm": the writers and the prober without wrk, so that a worker's loop lag shows what
    # one step (a page build, a post) holds it up, not the queue of a saturated server.
    for mode in ("quiet", "hot", "calm"):
        h.wait_for_quiet(20)
        server = start()
        try:
            h.warm_up(server.port, "GET", read_path(size))
            for n in range(spread):  # each page read once before wrk starts
                h.warm_up(server.port, "GET", spread_read_path(n), count=1)
            before = lag_buckets(server.port)
            stop = threading.Event()
            helpers = []
            if mode != "quiet":
                out = writing if mode == "hot" else unloaded
                helpers = [
                    threading.Thread(
                        target=write_steadily,
                        args=(server.port, size, seconds, out, stop, writer),
                    )
                    for writer in range(WRITERS)
                ]
                helpers.append(threading.Thread(target=probe, args=(server.port, size, out, stop)))
                for thread in helpers:
                    thread.start()
            run = None
            try:
                if mode == "calm":
                    ticks = h.group_ticks(server.pgid)
                    time.sleep(seconds)
                    calm_cpu = (h.group_ticks(server.pgid) - ticks) / h.CLOCK_TICKS
                else:
                    run = h.run_wrk(
                        f"http://127.0.0.1:{server.port}{read_path(size)}",
                        connections=CONNECTIONS,
                        seconds=seconds,
                        server_pgid=server.pgid,
                        script=script,
                        env=wrk_env,
                    )
            finally:
                time.sleep(1.0 if mode != "quiet" else 0)  # the last comments' probe
                stop.set()
                for thread in helpers:
                    thread.join(timeout=30)
            runs[mode] = (run, Lag.between(before, lag_buckets(server.port)))
        finally:
            stop_server(server)
    quiet, hot = runs["quiet"][0], runs["hot"][0]
    assert quiet is not None and hot is not None
    result = HotResult(
        setup,
        size,
        quiet,
        hot,
        writing,
        runs["hot"][1],
        runs["quiet"][1],
        runs["calm"][1],
        calm_cpu,
        unloaded,
        spread,
    )
    stale = result.writing.staleness()
    h.log(
        f"  {setup:<30} {size:>9,}{f' ({spread} pages read)' if spread else ''}: "
        f"quiet {result.quiet.rps:>7,.0f} req/s p99 "
        f"{result.quiet.latency_us['p99'] / 1000:6.1f} ms | writing {result.hot.rps:>7,.0f} req/s "
        f"p99 {result.hot.latency_us['p99'] / 1000:6.1f} ms ({result.kept:.0%}), "
        f"{writing.posted} posted, staleness max {max(stale, default=0) * 1000:.0f} ms, "
        f"lag>5ms {result.lag.over_limit:.0f}/{result.lag.periods:.0f}"
    )
    return result


def report(results: list[HotResult], seconds: float) -> str:
    lines = [
        f"wrk at {CONNECTIONS} connections for {seconds:g} s on the first page "
        "(`limit=50`, newest) of a bulk-seeded thread, on a fresh server, once with no writes "
        f"and once while {WRITERS} clients post {WRITES_PER_SECOND} comments a second between "
        "them to the same thread through the API (default screening on; *posts/s stored* says "
        "how many got through). Meanwhile a prober reads the page every "
        f"{PROBE_EVERY * 1000:.0f} ms as an anonymous reader: *stale* is the time from a "
        "comment's `201` to the first probe that shows it (the probe's own wait included). "
        "*Loop lag*: quarter-second periods (all workers) whose worst event-loop delay passed "
        "5 ms, from `rostra_event_loop_lag_seconds`. wrk keeps every worker saturated, so "
        "this delay includes the requests queued ahead of the timer, not only a single long "
        "step; a third run without wrk (the writers and the prober alone) shows what one step "
        "holds a loop up: *worst loop lag* is the upper bound of the highest histogram bucket "
        "any quarter second reached. *Server cores*: CPU seconds of the server's processes "
        "per second of wrk's run; *CPU a read* divides the quiet run's by its requests, *CPU "
        "a post* the run without wrk's (less its prober's reads) by the comments posted: what "
        "a post costs the cores readers share. Rows marked *wrk on N others*: wrk reads the "
        f"first pages of {SPREAD} other threads of the site ({SPREAD_SIZE} comments each) in "
        "turn while the hot thread is written to, as readers spread over a site are: what a "
        "commit to one thread costs the readers of the others.",
        "",
        "| setup | comments | no writes: req/s | p99 ms | while writing: req/s | p99 ms | "
        "kept | posts/s stored | stale p99 / max ms | loop lag > 5 ms (writing) | "
        "loop lag > 5 ms (no writes) | loop lag > 5 ms (writes, no wrk) | worst loop lag "
        "(writes, no wrk) | server cores (no writes / writing) | CPU a read ms | "
        "CPU a post ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
        "| ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        stale = sorted(r.writing.staleness())
        p99 = stale[max(0, int(len(stale) * 0.99) - 1)] if stale else 0.0
        lines.append(
            f"| {r.setup} | {r.size:,}{f' (wrk on {r.spread} others)' if r.spread else ''} | "
            f"{r.quiet.rps:,.0f} | "
            f"{r.quiet.latency_us['p99'] / 1000:.1f} | {r.hot.rps:,.0f} | "
            f"{r.hot.latency_us['p99'] / 1000:.1f} | {r.kept:.0%} | "
            f"{r.writing.posted / seconds:.1f} | "
            f"{p99 * 1000:.0f} / {max(stale, default=0) * 1000:.0f} | "
            f"{r.lag.over_limit:.0f} of {r.lag.periods:.0f} | "
            f"{r.quiet_lag.over_limit:.0f} of {r.quiet_lag.periods:.0f} | "
            f"{r.calm_lag.over_limit:.0f} of {r.calm_lag.periods:.0f} | "
            f"≤ {r.calm_lag.worst_bucket * 1000:g} ms | "
            f"{r.quiet.server_cpu / r.quiet.seconds:.2f} / "
            f"{r.hot.server_cpu / r.hot.seconds:.2f} | "
            f"{r.read_cpu_ms:.2f} | {r.post_cpu_ms:.1f} |"
        )
    notes = []
    for r in results:
        if r.writing.unseen():
            notes.append(
                f"- {r.setup}, {r.size:,}: {r.writing.unseen()} acknowledged comments never "
                "showed on a probe."
            )
        if r.writing.held or r.writing.refused:
            notes.append(
                f"- {r.setup}, {r.size:,}: {r.writing.held} posts held by screening, "
                f"{r.writing.refused} refused (not counted as stale)."
            )
    return "\n".join([*lines, "", *notes]) if notes else "\n".join(lines)
