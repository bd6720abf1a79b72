"""Rostra against Isso, its peer, on this machine, in one run.

Seeds the same 1,000-comment thread (30 % replies, fixed random seed: bench/seed.py) into
Rostra on SQLite, Rostra on PostgreSQL and Isso (from PyPI, in bench/.isso-venv, under
``gunicorn -w 2 --preload isso.run``), then drives each with wrk on 127.0.0.1:

  reads    first page of the thread at 50 and 200 connections, plus the same JSON bytes served
           by nginx as a static file (this machine's ceiling)
  counts   comment counts for 20 pages in one request
  posts    new comments (Isso with its default guard, and without it for reference)
  fanout   POST → N connected SSE readers have the event (Rostra only), RSS per connection
  growth   first-page reads on threads of 50 to 100,000 (and 1,000,000 if it seeds in time)
  hot      first-page reads of a 1,000- and a 100,000-comment thread while 20 comments a second
           are posted to it (Rostra only: bench/hot_threads.py)
  profile  py-spy on Rostra's workers under first-page and counts load

Every server is restarted before every run (a saturated server keeps working on abandoned
requests); each figure is the median of 3 runs. Results go to docs/performance.md.

    .venv/bin/python bench/compare_isso.py [--quick] [--only reads,counts,...]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness as h
import hot_threads
import seed
import sse_fanout
from report import write_section

PARTS = ("reads", "counts", "posts", "fanout", "growth", "hot", "profile")
# The parts that compare servers; the hot threads and the profile measure Rostra alone.
COMPARED = PARTS[:5]
ADMIN_POSTGRESQL_URL = os.environ.get(
    "ROSTRA_TEST_POSTGRESQL_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
READ_CONNECTIONS = (50, 200)
ROSTRA_READ = "/api/v1/comments?" + urlencode({"site": seed.SITE, "page": seed.PAGE, "limit": 50})
ISSO_READ = "/?" + urlencode({"uri": seed.PAGE, "limit": 50, "nested_limit": 5})
POST_PAGE = "/bench-post"
REDIS_URL = os.environ.get("ROSTRA_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
GROWTH_SIZES = (50, 1_000, 10_000, 100_000, 1_000_000)
TARGETS = {"reads_rps": 2_000, "reads_p99_ms": 50, "counts_rps": 10_000, "posts_rps": 1_000}


@dataclass
class Plan:
    """How long and how often to measure."""

    quick: bool
    runs: int
    seconds: float
    fanout_clients: int
    growth_sizes: tuple[int, ...]
    seed_budget: float
    profile_seconds: float
    quiet_wait: float = 60.0

    @classmethod
    def make(cls, quick: bool) -> Plan:
        if quick:
            return cls(True, 1, 3, 200, GROWTH_SIZES[:3], 60, 5)
        return cls(False, 3, 12, 1000, GROWTH_SIZES, 600, 15)


@dataclass
class Scenario:
    """Repeated wrk runs of one server, one request, one connection count."""

    label: str
    connections: int
    runs: list[h.WrkRun] = field(default_factory=list)

    @property
    def rps(self) -> float:
        return statistics.median(run.rps for run in self.runs)

    @property
    def accepted_rps(self) -> float:
        return statistics.median(
            sum(n for code, n in run.statuses.items() if code.startswith("2")) / run.seconds
            for run in self.runs
        )

    def latency_ms(self, key: str) -> float:
        return statistics.median(run.latency_us[key] for run in self.runs) / 1000

    def spread(self) -> str:
        rates = sorted(run.rps for run in self.runs)
        return f"{rates[0]:,.0f}–{rates[-1]:,.0f}" if len(rates) > 1 else "–"

    def bad_answers(self) -> int:
        return sum(run.errors["status"] for run in self.runs)

    def socket_errors(self) -> int:
        return sum(run.socket_errors for run in self.runs)

    def other_load(self) -> float:
        return max(run.other_load for run in self.runs)

    def statuses(self) -> dict[str, int]:
        merged: dict[str, int] = {}
        for run in self.runs:
            for code, n in run.statuses.items():
                merged[code] = merged.get(code, 0) + n
        return dict(sorted(merged.items()))


class Bench:
    """The servers of one run, their data, and the measurements."""

    def __init__(self, plan: Plan, workdir: Path, procs: h.Processes, postgresql: bool) -> None:
        self.plan = plan
        self.workdir = workdir
        self.procs = procs
        self.logs = workdir / "logs"
        self.logs.mkdir()
        self.databases = {"SQLite": f"sqlite:///{workdir}/rostra.db"}
        if postgresql:
            self.databases["PostgreSQL"] = pg_url("rostra_bench_isso")
        self.isso_dir = workdir / "isso"
        self.isso_dir.mkdir()
        self.www = workdir / "nginx"
        self.started = 0
        self.facts: dict[str, object] = {}
        self.pythonpath: list[str] = []  # a snapshot of Rostra's source (--rostra-rev)

    def rostra_env(self, *, redis: bool = False) -> dict[str, str]:
        paths = self.pythonpath
        env = {"ROSTRA_RATE_LIMITS": "off"}
        if paths:
            env["PYTHONPATH"] = os.pathsep.join(paths)
        if redis:
            env["ROSTRA_REDIS_URL"] = REDIS_URL
        return env

    def add_site(self, url: str) -> None:
        """Migrate and register the site through the CLI, as an operator would."""
        subprocess.run(
            [
                str(h.VENV_BIN / "rostra"),
                "site",
                "add",
                seed.SITE,
                "--origin",
                "https://bench.example",
                "--database",
                url,
            ],
            check=True,
            capture_output=True,
            env={**os.environ, **self.rostra_env()},
        )

    # --- servers -----------------------------------------------------------------------------

    def rostra(
        self,
        database: str,
        *,
        workers: int = 2,
        url: str | None = None,
        redis: bool = False,
    ) -> h.Server:
        port = h.free_port()
        self.started += 1
        return self.procs.start(
            rostra_label(database, redis=redis, workers=workers),
            [
                str(h.VENV_BIN / "rostra"),
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(workers),
                "--database",
                url or self.databases[database],
            ],
            port=port,
            ready_path="/healthz",
            log_path=self.logs / f"rostra-{self.started}.log",
            env=self.rostra_env(redis=redis),
        )

    def isso(self, *, guard: bool = True) -> h.Server:
        port = h.free_port()
        self.started += 1
        conf = self.isso_dir / ("isso.cfg" if guard else "isso-noguard.cfg")
        return self.procs.start(
            "Isso" if guard else "Isso (guard off)",
            [
                str(h.ISSO_VENV / "bin" / "gunicorn"),
                "-w",
                "2",
                "--preload",
                "-b",
                f"127.0.0.1:{port}",
                "isso.run",
            ],
            port=port,
            ready_path="/config",
            log_path=self.logs / f"isso-{self.started}.log",
            env={"ISSO_SETTINGS": str(conf)},
        )

    def nginx(self) -> h.Server:
        port = h.free_port()
        self.started += 1
        conf = self.www.parent / f"nginx-{self.started}.conf"
        conf.write_text(NGINX_CONF.format(prefix=self.www.parent, port=port, root=self.www))
        return self.procs.start(
            "nginx",
            ["nginx", "-c", str(conf), "-p", str(self.www.parent), "-e", "stderr"],
            port=port,
            ready_path="/first-page.json",
            log_path=self.logs / f"nginx-{self.started}.log",
        )

    # --- setup -------------------------------------------------------------------------------

    def seed_all(self, need_isso: bool) -> None:
        """The identical thread (and 19 small ones for counts) in every server."""
        plan = seed.plan_thread(1000)
        small = seed.small_pages_plan()
        self.facts["thread"] = plan
        for name, url in self.databases.items():
            if url.startswith("postgresql"):
                recreate_postgresql(url)
            self.add_site(url)
            # One worker: seeding posts one comment at a time anyway.
            server = self.rostra(name, workers=1)
            try:
                started = time.perf_counter()
                seed.seed_rostra_http(server.port, plan)
                for page, comments in small.items():
                    seed.seed_rostra_http(server.port, comments, page)
                h.log(f"Seeded Rostra {name} over HTTP in {time.perf_counter() - started:.1f} s")
                status, body = h.fetch(server.port, ROSTRA_READ)
                assert status == 200, body[:200]
                data = json.loads(body)
                assert data["thread"]["comment_count"] == len(plan), data["thread"]
                self.facts[f"rostra_page_{name}"] = body
            finally:
                self.procs.stop(server)
            if url.startswith("postgresql"):
                # A production database has planner statistics (autovacuum); a database filled
                # a second ago has none, and PostgreSQL then plans as for an empty table.
                analyze_postgresql(url)
        first_page = self.facts["rostra_page_SQLite"]
        assert isinstance(first_page, bytes)
        self.www.mkdir()
        (self.www / "first-page.json").write_bytes(first_page)
        for path in (self.workdir, self.www.parent, self.www):
            path.chmod(0o755)  # nginx's workers run as nobody
        (self.www / "first-page.json").chmod(0o644)
        if not need_isso:
            return
        storage = self.isso_dir / "comments.db"
        dead_host = f"http://127.0.0.1:{h.free_port()}"  # Isso only warns that it is down
        base = ISSO_CONF.format(db=storage, host=dead_host)
        (self.isso_dir / "isso.cfg").write_text(base)
        (self.isso_dir / "isso-noguard.cfg").write_text(base + "\n[guard]\nenabled = false\n")
        server = self.isso(guard=False)
        try:
            started = time.perf_counter()
            seed.seed_isso_http(server.port, plan)
            for page, comments in small.items():
                seed.seed_isso_http(server.port, comments, page)
            h.log(f"Seeded Isso over HTTP in {time.perf_counter() - started:.1f} s")
            status, body = h.fetch(server.port, ISSO_READ)
            assert status == 200, body[:200]
            assert json.loads(body)["total_replies"] == len(plan)
            self.facts["isso_page"] = body
        finally:
            self.procs.stop(server)

    # --- measuring ---------------------------------------------------------------------------

    def measure(
        self,
        label: str,
        start: Callable[[], h.Server],
        path: str,
        connections: int,
        *,
        script: str = "get.lua",
        env: dict[str, str] | None = None,
        body: bytes | None = None,
        runs: int | None = None,
        seconds: float | None = None,
    ) -> Scenario:
        scenario = Scenario(label, connections)
        for n in range(runs or self.plan.runs):
            if n == 0:
                h.wait_for_quiet(self.plan.quiet_wait)
            server = start()
            try:
                if script == "post_comment.lua":
                    h.warm_up(server.port, "GET", "/healthz" if "Rostra" in label else "/config")
                else:
                    h.warm_up(server.port, "POST" if body else "GET", path, body)
                run = h.run_wrk(
                    f"http://127.0.0.1:{server.port}{path}",
                    connections=connections,
                    seconds=seconds or self.plan.seconds,
                    script=script,
                    env=env,
                    server_pgid=server.pgid,
                )
            finally:
                self.procs.stop(server)
            scenario.runs.append(run)
        h.log(
            f"  {label:<26} c={connections:<4} {scenario.rps:>9,.0f} req/s  "
            f"p50 {scenario.latency_ms('p50'):8.1f} ms  p99 {scenario.latency_ms('p99'):8.1f} ms"
            f"  (runs: {', '.join(f'{r.rps:,.0f}' for r in scenario.runs)})"
            + (f"  statuses {scenario.statuses()}" if scenario.statuses() else "")
            + (f"  >=400: {scenario.bad_answers()}" if scenario.bad_answers() else "")
            + (f"  socket errors: {scenario.socket_errors()}" if scenario.socket_errors() else "")
            + (
                f"  other load up to {scenario.other_load():.0%}"
                if scenario.other_load() > 0.05
                else ""
            )
        )
        return scenario

    def rostra_starter(
        self, database: str, workers: int = 2, redis: bool = False
    ) -> Callable[[], h.Server]:
        return lambda: self.rostra(database, workers=workers, redis=redis)

    def variants(self) -> list[tuple[str, bool]]:
        """(database, with Redis) of each two-worker Rostra measured for reads, counts and
        posts: the embedded default, PostgreSQL alone, PostgreSQL with Redis (scale-out)."""
        found = [(name, False) for name in self.databases]
        return [*found, ("PostgreSQL", True)] if "PostgreSQL" in self.databases else found


def setup_name(database: str, *, redis: bool = False) -> str:
    return database + (" + Redis" if redis else "")


def rostra_label(database: str, *, redis: bool = False, workers: int = 2) -> str:
    return f"Rostra {setup_name(database, redis=redis)}" + (", 1 worker" if workers == 1 else "")


# --- the parts -------------------------------------------------------------------------------


def part_reads(bench: Bench) -> list[Scenario]:
    h.log("== reads: the first page of the thread")
    results = []
    for connections in READ_CONNECTIONS:
        for name, redis in bench.variants():
            results.append(
                bench.measure(
                    rostra_label(name, redis=redis),
                    bench.rostra_starter(name, redis=redis),
                    ROSTRA_READ,
                    connections,
                )
            )
        results.append(bench.measure("Isso", bench.isso, ISSO_READ, connections))
        results.append(bench.measure("nginx", bench.nginx, "/first-page.json", connections))
        # `rostra serve` without --workers: the embedded default, one process.
        results.append(
            bench.measure(
                rostra_label("SQLite", workers=1),
                bench.rostra_starter("SQLite", workers=1),
                ROSTRA_READ,
                connections,
            )
        )
    return results


def part_counts(bench: Bench) -> list[Scenario]:
    h.log("== counts: 20 pages in one request")
    rostra_body = json.dumps({"site": seed.SITE, "pages": seed.COUNT_PAGES})
    isso_body = json.dumps(seed.COUNT_PAGES)
    results = []
    setups = [(name, 2, redis) for name, redis in bench.variants()] + [("SQLite", 1, False)]
    for name, workers, redis in setups:
        results.append(
            bench.measure(
                rostra_label(name, redis=redis, workers=workers),
                bench.rostra_starter(name, workers=workers, redis=redis),
                "/api/v1/counts",
                50,
                script="post_json.lua",
                env={"WRK_BODY": rostra_body},
                body=rostra_body.encode(),
            )
        )
    results.append(
        bench.measure(
            "Isso",
            bench.isso,
            "/count",
            50,
            script="post_json.lua",
            env={"WRK_BODY": isso_body},
            body=isso_body.encode(),
        )
    )
    return results


def part_posts(bench: Bench) -> list[Scenario]:
    h.log("== posts: new comments")
    results = []
    setups = [(name, 2, redis) for name, redis in bench.variants()] + [("SQLite", 1, False)]
    for name, workers, redis in setups:
        results.append(
            bench.measure(
                rostra_label(name, redis=redis, workers=workers),
                bench.rostra_starter(name, workers=workers, redis=redis),
                "/api/v1/comments",
                50,
                script="post_comment.lua",
                env={"WRK_FLAVOR": "rostra", "WRK_SITE": seed.SITE, "WRK_PAGE": POST_PAGE},
            )
        )
    isso_path = "/new?" + urlencode({"uri": POST_PAGE})
    for label, guard in (("Isso", True), ("Isso (guard off)", False)):
        results.append(
            bench.measure(
                label,
                lambda guard=guard: bench.isso(guard=guard),  # type: ignore[misc]
                isso_path,
                50,
                script="post_comment.lua",
                env={"WRK_FLAVOR": "isso"},
            )
        )
    return results


@dataclass
class FanoutResult:
    label: str
    workers: int
    clients: int
    connect_seconds: float
    rss_before_kib: int
    rss_after_kib: int
    rounds: list[dict[str, float | int]]


def part_fanout(bench: Bench) -> list[FanoutResult]:
    h.log(f"== fan-out: POST → {bench.plan.fanout_clients:,} SSE readers")
    results = []
    setups = [("SQLite", 2, False), ("SQLite", 2, True), ("SQLite", 1, False)] + [
        (name, 2, False) for name in bench.databases if name != "SQLite"
    ]
    for name, workers, redis in setups:
        h.wait_for_quiet(bench.plan.quiet_wait)
        server = bench.rostra(name, workers=workers, redis=redis)
        try:
            h.warm_up(server.port, "GET", ROSTRA_READ)
            time.sleep(0.5)
            before = h.group_rss_kib(server.pgid)
            after: list[int] = []

            def measure_rss(pgid: int = server.pgid, into: list[int] = after) -> None:
                into.append(h.group_rss_kib(pgid))

            outcome = asyncio.run(
                sse_fanout.fanout(
                    server.port,
                    clients=bench.plan.fanout_clients,
                    rounds=3,
                    on_connected=measure_rss,
                )
            )
        finally:
            bench.procs.stop(server)
        result = FanoutResult(
            rostra_label(name, redis=redis),
            workers,
            bench.plan.fanout_clients,
            float(outcome["connect_seconds"]),  # type: ignore[arg-type]
            before,
            after[0],
            outcome["rounds"],  # type: ignore[arg-type]
        )
        h.log(
            f"  {result.label} ({workers} worker{'s' if workers > 1 else ''}): "
            f"RSS {before / 1024:.1f} → {after[0] / 1024:.1f} MiB; rounds {result.rounds}"
        )
        results.append(result)
    return results


@dataclass
class GrowthResult:
    database: str
    seeded: dict[str, float]
    skipped: list[str]
    sizes: dict[str, int]
    loaded: list[Scenario] = field(default_factory=list)
    single: list[Scenario] = field(default_factory=list)


def part_growth(bench: Bench) -> list[GrowthResult]:
    h.log("== growth: first page as the thread grows (bulk SQL seeding)")
    results = []
    seconds = max(3, round(bench.plan.seconds * 2 / 3))
    for name in bench.databases:
        url = (
            f"sqlite:///{bench.workdir}/growth.db"
            if name == "SQLite"
            else pg_url("rostra_bench_growth")
        )
        if url.startswith("postgresql"):
            recreate_postgresql(url)
        bench.add_site(url)
        threads = [(f"/g/{size}", size) for size in bench.plan.growth_sizes]
        seeded = seed.bulk_seed_rostra(
            url, threads, budget_seconds=bench.plan.seed_budget, progress=h.log
        )
        if url.startswith("postgresql"):
            analyze_postgresql(url)
        growth = GrowthResult(
            name, seeded, [page for page, _ in threads if page not in seeded], dict(threads)
        )
        for page, size in threads:
            if page in growth.skipped:
                continue
            path = "/api/v1/comments?" + urlencode({"site": seed.SITE, "page": page, "limit": 50})

            def start(name: str = name, url: str = url) -> h.Server:
                return bench.rostra(name, url=url)

            label = f"{name} {size:,}"
            growth.loaded.append(bench.measure(label, start, path, 50, seconds=seconds))
            growth.single.append(
                bench.measure(f"{label} alone", start, path, 1, runs=1, seconds=min(5, seconds))
            )
        results.append(growth)
    return results


def part_hot(bench: Bench) -> list[hot_threads.HotResult]:
    h.log("== hot: first page while comments pour into the same thread")
    seconds = max(3, round(bench.plan.seconds * 2 / 3))
    sizes = hot_threads.SIZES if not bench.plan.quick else hot_threads.SIZES[:1]
    urls: dict[str, str] = {}
    for name in bench.databases:
        url = (
            f"sqlite:///{bench.workdir}/hot.db" if name == "SQLite" else pg_url("rostra_bench_hot")
        )
        if url.startswith("postgresql"):
            recreate_postgresql(url)
        bench.add_site(url)
        seed.bulk_seed_rostra(
            url,
            [(hot_threads.page_path(size), size) for size in sizes]
            + [
                (hot_threads.spread_path(n), hot_threads.SPREAD_SIZE)
                for n in range(hot_threads.SPREAD)
            ],
            budget_seconds=bench.plan.seed_budget,
            progress=h.log,
        )
        if url.startswith("postgresql"):
            analyze_postgresql(url)
        urls[name] = url
    results = []
    for name, workers, redis in hot_threads.ROSTRA_SETUPS:
        if name not in urls:
            continue
        setup = f"{setup_name(name, redis=redis)}, {workers} worker{'s' if workers > 1 else ''}"
        for size in sizes:

            def start(name: str = name, workers: int = workers, redis: bool = redis) -> h.Server:
                return bench.rostra(name, workers=workers, url=urls[name], redis=redis)

            results.append(hot_threads.run_setup(start, setup, size, seconds, bench.procs.stop))
        # Readers of many other pages while the smallest hot thread is written to.
        results.append(
            hot_threads.run_setup(
                start, setup, sizes[0], seconds, bench.procs.stop, spread=hot_threads.SPREAD
            )
        )
    bench.facts["hot_seconds"] = seconds
    return results


@dataclass
class ProfileResult:
    label: str
    rps: float
    summary: dict[str, list[tuple[str, float]]]


def part_profile(bench: Bench) -> list[ProfileResult]:
    h.log("== profile: py-spy on Rostra's workers under load")
    counts_body = json.dumps({"site": seed.SITE, "pages": seed.COUNT_PAGES})
    cases = [
        ("first page, SQLite", "SQLite", ROSTRA_READ, "get.lua", None),
        ("counts, SQLite", "SQLite", "/api/v1/counts", "post_json.lua", counts_body),
    ]
    if "PostgreSQL" in bench.databases:
        cases.append(("first page, PostgreSQL", "PostgreSQL", ROSTRA_READ, "get.lua", None))
    results = []
    seconds = bench.plan.profile_seconds
    for label, database, path, script, body in cases:
        h.wait_for_quiet(bench.plan.quiet_wait)
        server = bench.rostra(database)
        output = bench.workdir / f"profile-{len(results)}.txt"
        try:
            h.warm_up(server.port, "POST" if body else "GET", path, body and body.encode())
            command = h.wrk_command(
                f"http://127.0.0.1:{server.port}{path}",
                connections=50,
                seconds=seconds + 4,
                script=script,
            )
            env = {**os.environ, **({"WRK_BODY": body} if body else {})}
            with subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env) as wrk:
                try:
                    time.sleep(2)
                    h.run_pyspy(server.pgid, seconds, output)
                    out, _ = wrk.communicate(timeout=seconds + 60)
                finally:
                    if wrk.poll() is None:
                        wrk.kill()
        finally:
            bench.procs.stop(server)
        line = next(ln for ln in out.splitlines() if ln.startswith("WRKJSON "))
        data = json.loads(line.removeprefix("WRKJSON "))
        rps = data["requests"] / (data["duration_us"] / 1e6)
        results.append(ProfileResult(label, rps, h.summarize_profile(output)))
        h.log(f"  {label}: {rps:,.0f} req/s while sampled")
    return results


# --- report ----------------------------------------------------------------------------------


def fmt(value: float, digits: int = 0) -> str:
    return f"{value:,.{digits}f}"


def ratio(a: float, b: float) -> str:
    return f"{a / b:,.2f}×" if b else "n/a"


def scenario_table(scenarios: list[Scenario], *, show_statuses: bool = False) -> list[str]:
    head = (
        "| server | conns | req/s (median) | runs range | p50 ms | p99 ms | max ms | other load |"
    )
    rule = "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    if show_statuses:
        head += " 2xx/s | answers by status |"
        rule += " ---: | --- |"
    else:
        head += " answers ≥ 400 |"
        rule += " ---: |"
    lines = [head, rule]
    for s in scenarios:
        row = (
            f"| {s.label} | {s.connections} | {fmt(s.rps)} | {s.spread()} | "
            f"{fmt(s.latency_ms('p50'), 1)} | {fmt(s.latency_ms('p99'), 1)} | "
            f"{fmt(s.latency_ms('max'), 1)} | {s.other_load():.0%} |"
        )
        if show_statuses:
            codes = ", ".join(f"{code}: {n:,}" for code, n in s.statuses().items())
            row += f" {fmt(s.accepted_rps)} | {codes} |"
        else:
            row += f" {s.bad_answers():,} |"
        if s.socket_errors():
            row = row.rstrip("|") + f"(socket errors: {s.socket_errors():,}) |"
        lines.append(row)
    return lines


def find(scenarios: list[Scenario], label: str, connections: int = 50) -> Scenario | None:
    return next((s for s in scenarios if s.label == label and s.connections == connections), None)


def met(ok: bool) -> str:
    return "**met**" if ok else "**not met**"


def report_setup(bench: Bench, versions: dict[str, str], command: str) -> str:
    plan = bench.facts.get("thread", seed.plan_thread(1000))
    assert isinstance(plan, list)
    roots = sum(c.parent is None for c in plan)
    lines = [
        f"Rostra measured: {bench.facts.get('source', '?')}.",
        "",
        f"Command: `{command}` (Makefile: `make bench-isso`). "
        f"{bench.plan.runs} run(s) of {bench.plan.seconds:g} s per figure, the server restarted "
        "before every run and warmed up with 20 sequential requests; figures are medians.",
        "",
        f"Tools: {', '.join(f'{k} {v}' for k, v in versions.items())}; "
        f"Python {sys.version.split()[0]}.",
        "",
        "Servers (each on a free 127.0.0.1 port):",
        "",
        "- Rostra: `ROSTRA_RATE_LIMITS=off rostra serve --host 127.0.0.1 --port $PORT "
        "--workers 2 --database sqlite:///…/rostra.db` (the embedded default) and the same with "
        "`--database postgresql://postgres@127.0.0.1:5432/rostra_bench_isso` (a fresh database), "
        f"alone and with `ROSTRA_REDIS_URL={REDIS_URL}` (`+ Redis`).",
        f"- Isso {versions.get('isso', h.ISSO_VERSION)}: `ISSO_SETTINGS=isso.cfg "
        "bench/.isso-venv/bin/gunicorn -w 2 --preload -b 127.0.0.1:$PORT isso.run` with the "
        "documented defaults (guard on: 2 comments per minute and 3 top-level comments per "
        "thread per address).",
        "- nginx: `nginx -c nginx.conf -p $PREFIX -e stderr` (`daemon off`, 2 workers, "
        "`sendfile on`, `tcp_nopush off`, `access_log off`) serving Rostra's first-page answer "
        "as a static file.",
        "- `other load` in the tables: the largest share of the 2 CPUs that processes outside "
        "the measurement (not the server, not wrk) used during any of its runs; each "
        f"measurement waits (up to {bench.plan.quiet_wait:.0f} s) for other load below 15 % "
        "before its first run. This machine is shared with other sessions: rows with a high "
        "other load understate the server.",
        "- Load: `wrk -t2 -c$CONNS -d12s --timeout=30s -s bench/wrk/<script>.lua $URL` on the same "
        "2 cores as the servers.",
        "",
        f"Thread: {len(plan):,} comments ({roots} top-level, {len(plan) - roots} replies to one "
        f"of the previous {seed.REPLY_WINDOW} comments; seed {seed.SEED}), posted oldest first "
        "through each server's own HTTP API (`bench/seed.py`; Isso with `[guard] enabled = "
        "false` for seeding only), plus 19 small threads for the counts.",
    ]
    for key, label, path in (
        ("rostra_page_SQLite", "Rostra", ROSTRA_READ),
        ("isso_page", "Isso", ISSO_READ),
    ):
        body = bench.facts.get(key)
        if isinstance(body, bytes):
            data = json.loads(body)
            items = data["comments"] if "comments" in data else data["replies"]
            nested = sum(_count_nested(item) for item in items)
            lines.append(
                f"- {label}'s first page `GET {path}`: {len(body) / 1024:.1f} KiB, "
                f"{len(items)} top-level comments and {nested} replies."
            )
    return "\n".join(lines)


def _count_nested(item: dict[str, object]) -> int:
    replies = item.get("replies") or []
    assert isinstance(replies, list)
    return len(replies) + sum(_count_nested(reply) for reply in replies)


def one_worker(results: list[Scenario], describe: Callable[[Scenario], str]) -> str:
    """The same figure for `rostra serve` without --workers, when it was measured."""
    one = find(results, rostra_label("SQLite", workers=1))
    return f" With one worker (the embedded default): {describe(one)}." if one else ""


def report_reads(results: list[Scenario], bench: Bench) -> str:
    lines = [
        "Rostra `GET " + ROSTRA_READ + "` (50 newest top-level comments with all their "
        "replies); Isso `GET " + ISSO_READ + "` (its list endpoint: 50 oldest top-level comments, "
        "at most 5 replies each); nginx `GET /first-page.json` (Rostra's answer, same bytes).",
        "",
        *scenario_table(results),
        "",
        "| ratio | 50 connections | 200 connections |",
        "| --- | ---: | ---: |",
    ]
    for name in (setup_name(db, redis=redis) for db, redis in bench.variants()):
        rows = {
            "req/s Rostra/Isso": lambda r, i: ratio(r.rps, i.rps),
            "p99 Rostra/Isso (lower is better)": lambda r, i: ratio(
                r.latency_ms("p99"), i.latency_ms("p99")
            ),
        }
        for title, compute in rows.items():
            cells = []
            for conns in READ_CONNECTIONS:
                r, i = find(results, f"Rostra {name}", conns), find(results, "Isso", conns)
                cells.append(compute(r, i) if r and i else "n/a")
            lines.append(f"| {title} ({name}) | {' | '.join(cells)} |")
        cells = []
        for conns in READ_CONNECTIONS:
            r, n = find(results, f"Rostra {name}", conns), find(results, "nginx", conns)
            cells.append(f"{100 * r.rps / n.rps:.1f} %" if r and n else "n/a")
        lines.append(f"| Rostra ({name}) as a share of nginx's req/s | {' | '.join(cells)} |")
    r = find(results, "Rostra SQLite")
    if r:
        lines += [
            "",
            f"Target (SQLite, 2 workers, 50 connections): ≥ {TARGETS['reads_rps']:,} req/s with "
            f"p99 < {TARGETS['reads_p99_ms']} ms. Measured {fmt(r.rps)} req/s, p99 "
            f"{fmt(r.latency_ms('p99'), 1)} ms: "
            + met(r.rps >= TARGETS["reads_rps"] and r.latency_ms("p99") < TARGETS["reads_p99_ms"])
            + "."
            + one_worker(
                results, lambda one: f"{fmt(one.rps)} req/s, p99 {fmt(one.latency_ms('p99'), 1)} ms"
            ),
        ]
    return "\n".join(lines)


def report_counts(results: list[Scenario], bench: Bench) -> str:
    lines = [
        'Rostra `POST /api/v1/counts` with `{"site": "bench", "pages": [20 pages]}`; '
        "Isso `POST /count` with a JSON list of the same 20 URIs. 50 connections.",
        "",
        *scenario_table(results),
        "",
    ]
    isso = find(results, "Isso")
    for name in (setup_name(db, redis=redis) for db, redis in bench.variants()):
        r = find(results, f"Rostra {name}")
        if r and isso:
            lines.append(
                f"- Rostra {name} / Isso: {ratio(r.rps, isso.rps)} the req/s, "
                f"{ratio(r.latency_ms('p99'), isso.latency_ms('p99'))} the p99."
            )
    r = find(results, "Rostra SQLite")
    if r:
        lines += [
            "",
            f"Target (SQLite): {TARGETS['counts_rps']:,} req/s. Measured {fmt(r.rps)}: "
            + met(r.rps >= TARGETS["counts_rps"])
            + "."
            + one_worker(results, lambda one: f"{fmt(one.rps)} req/s"),
        ]
    return "\n".join(lines)


def report_posts(results: list[Scenario], bench: Bench) -> str:
    lines = [
        f"Rostra `POST /api/v1/comments` (site `bench`, page `{POST_PAGE}`, a different random "
        "sentence with Markdown per request, `bench/wrk/post_comment.lua`); "
        f"Isso `POST /new?uri={POST_PAGE}` with "
        "the same bodies. 50 connections, all from 127.0.0.1. `2xx/s` counts only the comments "
        "actually stored.",
        "",
        *scenario_table(results, show_statuses=True),
        "",
        "Isso's guard (on by default) allows 2 comments per minute and 3 top-level comments per "
        "thread from one (anonymized) address; wrk is one address, so after the first few "
        "comments every answer is `403 Forbidden` and the req/s above is the speed of refusing. "
        "The `guard off` row is Isso's real write speed, given for reference only.",
        "",
    ]
    isso = find(results, "Isso")
    isso_off = find(results, "Isso (guard off)")
    for name in (setup_name(db, redis=redis) for db, redis in bench.variants()):
        r = find(results, f"Rostra {name}")
        if r and isso and isso_off:
            lines.append(
                f"- Rostra {name}: {ratio(r.accepted_rps, isso_off.accepted_rps)} the stored "
                f"comments per second of Isso without its guard; {ratio(r.rps, isso.rps)} the "
                "answers per second of Isso with its guard (which stores almost none)."
            )
    r = find(results, "Rostra SQLite")
    if r:
        lines += [
            "",
            f"Target (SQLite): {TARGETS['posts_rps']:,} req/s. Measured {fmt(r.accepted_rps)} "
            "stored comments/s: "
            + met(r.accepted_rps >= TARGETS["posts_rps"])
            + "."
            + one_worker(results, lambda one: f"{fmt(one.accepted_rps)} stored comments/s"),
        ]
    return "\n".join(lines)


def report_fanout(results: list[FanoutResult]) -> str:
    lines = [
        "`bench/sse_fanout.py`: N clients hold `GET /api/v1/events?site=bench&page=/bench` open "
        "(raw asyncio streams in one process), each having received `: connected`; then one "
        "comment is posted per round (3 rounds, 0.5 s apart) and each client notes when "
        "`event: comment.created` with that id arrives. Times are from sending the POST; a "
        "client that has not seen the event 5 s later counts as missed. Isso has no live "
        "updates.",
        "",
        "| server | workers | clients | connect all (s) | round | received | missed | "
        "p50 ms | p99 ms | max ms | POST answered ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        for n, rnd in enumerate(r.rounds, start=1):
            lines.append(
                f"| {r.label} | {r.workers} | {r.clients:,} | {r.connect_seconds:.2f} | {n} | "
                f"{rnd['received']:,} | {rnd['missed']:,} | "
                f"{fmt(float(rnd.get('p50_ms', float('nan'))), 1)} | "
                f"{fmt(float(rnd.get('p99_ms', float('nan'))), 1)} | "
                f"{fmt(float(rnd.get('max_ms', float('nan'))), 1)} | "
                f"{fmt(float(rnd['post_ms']), 1)} |"
            )
    lines += [
        "",
        "Memory (RSS of the server's whole process group, master and workers, before and after "
        "the idle connections were opened):",
        "",
        "| server | workers | RSS before MiB | RSS with N idle SSE MiB | per connection KiB |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        lines.append(
            f"| {r.label} | {r.workers} | {r.rss_before_kib / 1024:.1f} | "
            f"{r.rss_after_kib / 1024:.1f} | "
            f"{(r.rss_after_kib - r.rss_before_kib) / r.clients:.1f} |"
        )
    return "\n".join(lines)


def report_growth(results: list[GrowthResult], bench: Bench) -> str:
    lines = [
        "Threads of growing size in one database per engine, written with bulk `INSERT`s through "
        "the `rostra.storage` tables (`bench/seed.py` `bulk_seed_rostra`: same shape, 30 % "
        "replies, denormalized counts kept right), not through the services: posting one by "
        "one runs at a few hundred comments per second, so 100,000 would take minutes and "
        "1,000,000 an hour. Read: `GET /api/v1/comments?site=bench&page=/g/<size>&limit=50` "
        "with 2 workers at 50 connections (`rostra serve --workers 2`), and the unloaded "
        "latency at 1 connection.",
        "",
        "| database | comments in thread | seeded in s | req/s at 50 | p50 ms at 50 | "
        "p99 ms at 50 | other load | p50 ms at 1 conn | p99 ms at 1 conn |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    notes = []
    for g in results:
        pages = [page for page in g.sizes if page not in g.skipped]
        for page, loaded, single in zip(pages, g.loaded, g.single, strict=True):
            lines.append(
                f"| {g.database} | {g.sizes[page]:,} | {g.seeded[page]:.1f} | {fmt(loaded.rps)} | "
                f"{fmt(loaded.latency_ms('p50'), 1)} | {fmt(loaded.latency_ms('p99'), 1)} | "
                f"{max(loaded.other_load(), single.other_load()):.0%} | "
                f"{fmt(single.latency_ms('p50'), 2)} | {fmt(single.latency_ms('p99'), 2)} |"
            )
        total = sum(g.sizes[p] for p in pages)
        notes.append(f"- {g.database}: {total:,} comments in the database at the end.")
        for page in g.skipped:
            notes.append(
                f"- {g.database}: the {g.sizes[page]:,}-comment thread was **skipped**: its "
                f"projected seeding time exceeded the {bench.plan.seed_budget:.0f} s budget."
            )
    return "\n".join([*lines, "", *notes])


def report_profile(results: list[ProfileResult]) -> str:
    lines = [
        "`py-spy record --subprocesses --nonblocking --rate 200 --format raw` on the server's "
        "process group (2 uvicorn workers, SQLite or PostgreSQL) while wrk runs at 50 "
        "connections. Samples of threads that were blocked but not recognized as idle by py-spy "
        "(aiosqlite's worker thread waiting for its next query, an event loop in epoll) are "
        "counted apart; the shares are of the remaining, working samples. `self` is the line "
        "being run (time in C code called from Python counts for the calling line); "
        "`inclusive` is a function anywhere on the stack (start-up and event-loop frames left "
        "out); `by package` is the package of the line being run.",
    ]
    for r in results:
        samples = dict(r.summary["samples"])
        lines += [
            "",
            f"### {r.label}: {fmt(r.rps)} req/s while sampled; {samples.get('working', 0):,.0f} "
            f"working samples of {samples.get('all', 0):,.0f}",
            "",
        ]
        waits = "; ".join(f"{name} {share:.0f} %" for name, share in r.summary["waits"])
        if waits:
            lines += [f"Blocked samples (of all): {waits}.", ""]
        for key, title in (("packages", "by package (self)"), ("self", "self"),
                           ("inclusive", "inclusive")):  # fmt: skip
            lines += [f"Top {title}:", "", "| share | where |", "| ---: | --- |"]
            lines += [f"| {share:.1f} % | `{name}` |" for name, share in r.summary[key][:12]]
            lines.append("")
    return "\n".join(lines)


def report_problems(procs: h.Processes) -> str:
    lines = [
        "Scanned from every server log after every run: uvicorn access-log lines with a 5xx "
        "status, tracebacks, and error lines."
    ]
    for name, found in sorted(procs.problems.items()):
        if not found:
            lines.append(f"- {name}: none.")
        else:
            items = "; ".join(f"{what} ×{n:,}" for what, n in found.most_common(8))
            lines.append(f"- {name}: {items}.")
    return "\n".join(lines)


# --- helpers ---------------------------------------------------------------------------------


NGINX_CONF = """\
daemon off;
worker_processes 2;
pid {prefix}/nginx.pid;
error_log stderr warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush off;
    keepalive_requests 10000000;
    default_type application/json;
    client_body_temp_path {prefix}/tmp-body;
    proxy_temp_path {prefix}/tmp-proxy;
    fastcgi_temp_path {prefix}/tmp-fastcgi;
    uwsgi_temp_path {prefix}/tmp-uwsgi;
    scgi_temp_path {prefix}/tmp-scgi;
    server {{
        listen 127.0.0.1:{port};
        root {root};
    }}
}}
"""

ISSO_CONF = """\
[general]
dbpath = {db}
host = {host}
notify = stdout
gravatar = false

[server]
listen = http://127.0.0.1:0
"""


def pg_url(database: str) -> str:
    return str(sa.make_url(ADMIN_POSTGRESQL_URL).set(database=database).render_as_string(False))


def postgresql_answers() -> bool:
    parsed = sa.make_url(ADMIN_POSTGRESQL_URL)
    try:
        with socket.create_connection((parsed.host or "127.0.0.1", parsed.port or 5432), 3):
            return True
    except OSError:
        return False


def analyze_postgresql(url: str) -> None:
    async def go() -> None:
        from sqlalchemy.ext.asyncio import create_async_engine

        from rostra.storage.database import async_url

        engine = create_async_engine(async_url(url), isolation_level="AUTOCOMMIT")
        async with engine.connect() as conn:
            await conn.execute(sa.text("ANALYZE"))
        await engine.dispose()

    asyncio.run(go())


def recreate_postgresql(url: str) -> None:
    name = sa.make_url(url).database

    async def go() -> None:
        from sqlalchemy.ext.asyncio import create_async_engine

        from rostra.storage.database import async_url

        engine = create_async_engine(async_url(ADMIN_POSTGRESQL_URL), isolation_level="AUTOCOMMIT")
        async with engine.connect() as conn:
            await conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            await conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        await engine.dispose()

    asyncio.run(go())


def git(*args: str) -> str:
    done = subprocess.run(["git", "-C", str(h.ROOT), *args], capture_output=True, text=True)
    return done.stdout.strip()


def source_description(rev: str | None) -> str:
    if rev:
        return f"commit {git('rev-parse', '--short', rev)} (a `git archive` copy of `src/`)"
    dirty = git("status", "--porcelain", "src")
    head = git("rev-parse", "--short", "HEAD")
    return f"the work tree at {head}" + (" with uncommitted changes in `src/`" if dirty else "")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="one short run each; no docs")
    parser.add_argument(
        "--only", default=",".join(PARTS), help=f"comma-separated parts: {', '.join(PARTS)}"
    )
    parser.add_argument("--no-postgresql", action="store_true", help="Rostra on SQLite only")
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=60.0,
        metavar="S",
        help="before each measurement, wait up to S seconds for other processes to go quiet",
    )
    parser.add_argument(
        "--rostra-rev",
        metavar="REV",
        help="measure this git revision of src/ (a `git archive` copy) instead of the work tree",
    )
    args = parser.parse_args()
    parts = [part.strip() for part in args.only.split(",") if part.strip()]
    unknown = set(parts) - set(PARTS)
    if unknown:
        parser.error(f"unknown parts: {', '.join(sorted(unknown))}")
    began = time.perf_counter()
    plan = Plan.make(args.quick)
    plan.quiet_wait = args.quiet_wait
    sse_fanout.raise_fd_limit(65536)  # the servers inherit it too
    needs_isso = bool({"reads", "counts", "posts"} & set(parts))
    versions = h.ensure_tools(
        need_isso=needs_isso, need_nginx="reads" in parts, need_pyspy="profile" in parts
    )
    postgresql = not args.no_postgresql and postgresql_answers()
    if not postgresql:
        h.log("PostgreSQL is skipped (--no-postgresql, or nothing answers on its port)")
    procs = h.Processes()
    command = "python bench/compare_isso.py" + (" --quick" if args.quick else "")
    if set(parts) != set(PARTS):
        command += f" --only {','.join(parts)}"
    if args.rostra_rev:
        command += f" --rostra-rev {args.rostra_rev}"
    sections: list[tuple[str, str, str]] = []
    try:
        with tempfile.TemporaryDirectory(prefix="rostra-isso-") as folder:
            bench = Bench(plan, Path(folder), procs, postgresql)
            if args.rostra_rev:
                snapshot = Path(folder) / "rostra-src"
                snapshot.mkdir()
                archive = subprocess.run(
                    ["git", "-C", str(h.ROOT), "archive", args.rostra_rev, "src"],
                    check=True,
                    capture_output=True,
                ).stdout
                subprocess.run(["tar", "-x", "-C", str(snapshot)], input=archive, check=True)
                bench.pythonpath = [str(snapshot / "src")]
                sys.path.insert(0, bench.pythonpath[0])
            bench.facts["source"] = source_description(args.rostra_rev)
            # The setup section describes the run of every compared part; a rerun of some of
            # them (their sections name their own command and commit) leaves it as it is.
            writes_setup = not plan.quick and set(COMPARED) <= set(parts)
            h.log(f"Measuring Rostra from {bench.facts['source']}")
            if set(parts) - {"growth", "hot"}:
                bench.seed_all(needs_isso)
            if writes_setup:  # first, so that a new docs/performance.md has it on top
                write_section(
                    "isso-setup", "Against Isso: setup", report_setup(bench, versions, command)
                )
            runners: dict[str, tuple[str, Callable[[], str]]] = {
                "reads": ("First page of a thread", lambda: report_reads(part_reads(bench), bench)),
                "counts": (
                    "Counts for 20 pages",
                    lambda: report_counts(part_counts(bench), bench),
                ),
                "posts": ("Posting comments", lambda: report_posts(part_posts(bench), bench)),
                "fanout": ("Live fan-out over SSE", lambda: report_fanout(part_fanout(bench))),
                "growth": (
                    "First page as the thread grows",
                    lambda: report_growth(part_growth(bench), bench),
                ),
                "hot": (
                    "Hot threads: reads while comments pour in",
                    lambda: (
                        (results := part_hot(bench))
                        and hot_threads.report(results, float(bench.facts["hot_seconds"]))
                    ),
                ),
                "profile": (
                    "Where a read's time goes (profile)",
                    lambda: report_profile(part_profile(bench)),
                ),
            }
            for part in PARTS:
                if part in parts:
                    title, run = runners[part]
                    body = f"Command: `{command}`; Rostra from {bench.facts['source']}.\n\n{run()}"
                    # The hot threads measure Rostra alone: their title says so.
                    heading = title if part == "hot" else f"Against Isso: {title}"
                    section = (f"isso-{part}", heading, body)
                    sections.append(section)
                    if not plan.quick:  # written at once: a later failure keeps this one
                        write_section(*section)
            sections.insert(
                0,
                (
                    "isso-setup",
                    "Against Isso: setup",
                    report_setup(bench, versions, command),
                ),
            )
    finally:
        procs.stop_all()
    took = time.perf_counter() - began
    sections.append(
        (
            "isso-problems",
            "Against Isso: errors under load",
            f"Parts run: {', '.join(parts)}. "
            + report_problems(procs)
            + f"\n\nTotal run time of `{command}`: {took / 60:.1f} min.",
        )
    )
    for key, title, body in sections:
        print(f"\n## {title}\n\n{body}")
        if (key == "isso-setup" and writes_setup) or (key == "isso-problems" and not plan.quick):
            write_section(key, title, body)
    h.log(
        f"\nTotal run time: {took:.0f} s" + ("" if plan.quick else "; docs/performance.md written")
    )


if __name__ == "__main__":
    main()
