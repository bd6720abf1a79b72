"""The inputs of docs/deployment.md's capacity model, measured on this machine.

For SQLite and PostgreSQL, at 1 and 2 workers (`rostra serve --workers N`, the trained screen on,
rate limits off), on a thread of 50 comments:

- read rate: `GET /api/v1/comments` (first page) under wrk, 32 connections, and the server's
  CPU per read;
- post rate: `POST /api/v1/comments` under wrk, 16 connections, and the server's CPU per post;
- PostgreSQL per post: CPU of the database backends serving the bench's database, and its
  transactions and written rows (pg_stat_database);
- Redis commands per read and per post (PostgreSQL runs use a Redis server of the bench's own,
  so its counter is Rostra's alone; SQLite runs use none, as a one-host install does);
- SSE memory: the server's resident memory before and after opening `--streams` live streams.

    .venv/bin/python bench/capacity.py [--seconds 10] [--streams 500] [--json out.json]

Needs wrk (apt-get install wrk), redis-server and, for the PostgreSQL rows, the server named by
ROSTRA_TEST_POSTGRESQL_URL (default postgresql://postgres@127.0.0.1:5432/test). The machine's
other load is reported with each run: the rates are only as good as the machine was quiet.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from compare_isso import pg_url, postgresql_answers, recreate_postgresql
from harness import (
    CLOCK_TICKS,
    Processes,
    free_port,
    group_rss_kib,
    group_ticks,
    log,
    run_wrk,
    serve_rostra,
    wait_for_quiet,
    warm_up,
)
from sse_fanout import _open, raise_fd_limit

SITE = "bench"
PAGE = "/capacity"
DATABASE = "rostra_bench_capacity"


def redis_server(extras: list[subprocess.Popen[bytes]], workdir: Path) -> str:
    """A Redis of the bench's own (no persistence) on a free port."""
    port = free_port()
    command = ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no"]
    handle = (workdir / "redis.log").open("ab")
    process = subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT, cwd=workdir)
    handle.close()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if redis_cli(port, "PING") == "PONG":
            extras.append(process)
            return f"redis://127.0.0.1:{port}/0"
        time.sleep(0.1)
    process.kill()
    raise RuntimeError("redis-server did not start")


def redis_cli(port: int, *args: str) -> str:
    done = subprocess.run(
        ["redis-cli", "-p", str(port), *args], capture_output=True, text=True, check=False
    )
    return done.stdout.strip()


def redis_commands(url: str | None) -> int:
    if url is None:
        return 0
    port = url.rsplit(":", 1)[1].split("/")[0]
    for line in redis_cli(int(port), "INFO", "stats").splitlines():
        if line.startswith("total_commands_processed:"):
            return int(line.split(":")[1])
    return 0


def psql(url: str, query: str) -> str:
    done = subprocess.run(
        ["psql", url.replace("+asyncpg", ""), "-Atc", query],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def database_counters(url: str | None) -> dict[str, int]:
    """Transactions, written rows and backend CPU ticks of the bench's PostgreSQL database."""
    if url is None:
        return {}
    row = psql(
        url,
        "SELECT xact_commit, tup_inserted + tup_updated + tup_deleted FROM pg_stat_database "
        f"WHERE datname = '{DATABASE}'",
    )
    commits, rows = (int(value) for value in row.split("|"))
    pids = psql(url, f"SELECT pid FROM pg_stat_activity WHERE datname = '{DATABASE}'").split()
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
            ticks += int(fields[11]) + int(fields[12])
        except (OSError, ValueError, IndexError):
            continue  # a backend that ended, or a server on another machine
    return {"commits": commits, "rows": rows, "ticks": ticks}


def measure(
    backend: str,
    workers: int,
    seconds: float,
    streams: int,
    workdir: Path,
    *,
    quiet_wait: float = 60.0,
    blas_threads: int | None = None,
) -> dict[str, Any]:
    processes = Processes()
    extras: list[subprocess.Popen[bytes]] = []
    database = f"sqlite:///{workdir / 'capacity.db'}"
    redis_url = None
    env = {"ROSTRA_RATE_LIMITS": "off", "ROSTRA_SECRET_KEY": "b" * 40}
    if blas_threads is not None:  # numpy's BLAS threads, used by the screen's encoder
        env["OPENBLAS_NUM_THREADS"] = env["OMP_NUM_THREADS"] = str(blas_threads)
    try:
        if backend == "postgresql":
            database = pg_url(DATABASE)
            recreate_postgresql(database)
            redis_url = redis_server(extras, workdir)
            env["ROSTRA_REDIS_URL"] = redis_url
        server = serve_rostra(
            processes, database, site=SITE, workers=workers, workdir=workdir, env=env
        )
        post_body = json.dumps(
            {"site": SITE, "page": PAGE, "author_name": "Seed", "body": "A first comment."}
        ).encode()
        for n in range(50):
            body = post_body.replace(b"A first comment.", f"Seed comment {n} here.".encode())
            warm_up(server.port, "POST", "/api/v1/comments", body, count=1)
        read_path = f"/api/v1/comments?site={SITE}&page={PAGE}"
        warm_up(server.port, "GET", read_path)
        result: dict[str, Any] = {
            "backend": backend,
            "workers": workers,
            "blas_threads": blas_threads or "default",
        }

        quiet = wait_for_quiet(limit_s=quiet_wait)
        before_redis, before_ticks = redis_commands(redis_url), group_ticks(server.pgid)
        read = run_wrk(
            f"http://127.0.0.1:{server.port}{read_path}",
            connections=32,
            seconds=seconds,
            server_pgid=server.pgid,
        )
        reads = max(read.requests, 1)
        result["read"] = {
            "rps": round(read.rps),
            "p99_ms": round(read.latency_us.get("p99", 0) / 1000, 1),
            "server_cpu_us": round(
                (group_ticks(server.pgid) - before_ticks) / CLOCK_TICKS / reads * 1e6
            ),
            "redis_commands": round((redis_commands(redis_url) - before_redis) / reads, 2),
            "other_load": round(max(quiet, read.other_load), 2),
            "errors": read.errors,
        }

        quiet = wait_for_quiet(limit_s=quiet_wait)
        before_redis, before_ticks = redis_commands(redis_url), group_ticks(server.pgid)
        before_db = database_counters(database if backend == "postgresql" else None)
        post = run_wrk(
            f"http://127.0.0.1:{server.port}/api/v1/comments",
            connections=16,
            seconds=seconds,
            script="post_comment.lua",
            env={"WRK_SITE": SITE, "WRK_PAGE": "/capacity-posts"},
            server_pgid=server.pgid,
        )
        posts = max(post.statuses.get("201", 0), 1)
        after_db = database_counters(database if backend == "postgresql" else None)
        result["post"] = {
            "rps": round(posts / post.seconds, 1),
            "p99_ms": round(post.latency_us.get("p99", 0) / 1000, 1),
            "server_cpu_us": round(
                (group_ticks(server.pgid) - before_ticks) / CLOCK_TICKS / posts * 1e6
            ),
            "redis_commands": round((redis_commands(redis_url) - before_redis) / posts, 2),
            "statuses": post.statuses,
            "other_load": round(max(quiet, post.other_load), 2),
        }
        if after_db:
            result["post"]["db_cpu_us"] = round(
                (after_db["ticks"] - before_db["ticks"]) / CLOCK_TICKS / posts * 1e6
            )
            result["post"]["db_commits"] = round(
                (after_db["commits"] - before_db["commits"]) / posts, 2
            )
            result["post"]["db_rows_written"] = round(
                (after_db["rows"] - before_db["rows"]) / posts, 2
            )

        result["sse"] = asyncio.run(sse_memory(server.port, server.pgid, streams))
        return result
    finally:
        processes.stop_all()
        for process in extras:
            process.terminate()
            process.wait(10)


async def sse_memory(port: int, pgid: int, streams: int) -> dict[str, Any]:
    path = f"/api/v1/events?site={SITE}&page={PAGE}"
    before = group_rss_kib(pgid)
    clients = []
    try:
        for _ in range(streams):
            clients.append(await _open("127.0.0.1", port, path, 10.0))
        await asyncio.sleep(1.0)  # let allocations settle before reading RSS
        after = group_rss_kib(pgid)
    finally:
        for client in clients:
            client.writer.close()
    return {
        "streams": streams,
        "rss_before_mib": round(before / 1024, 1),
        "kib_per_stream": round((after - before) / max(streams, 1), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each wrk run")
    parser.add_argument("--streams", type=int, default=500, help="SSE streams to open")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument(
        "--quiet-wait", type=float, default=60.0, help="seconds to wait for a quiet machine"
    )
    parser.add_argument(
        "--blas-threads", type=int, help="OPENBLAS_NUM_THREADS for the servers (default: numpy's)"
    )
    args = parser.parse_args()
    raise_fd_limit()
    results = []
    for backend in args.backends.split(","):
        if backend == "postgresql" and not postgresql_answers():
            log("PostgreSQL does not answer: its rows are skipped")
            continue
        for workers in (int(n) for n in args.workers.split(",")):
            log(f"{backend}, {workers} worker(s) …")
            with tempfile.TemporaryDirectory(prefix="rostra-capacity-") as folder:
                row = measure(
                    backend,
                    workers,
                    args.seconds,
                    args.streams,
                    Path(folder),
                    quiet_wait=args.quiet_wait,
                    blas_threads=args.blas_threads,
                )
            log(json.dumps(row))
            results.append(row)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    print_table(results)


def print_table(results: list[dict[str, Any]]) -> None:
    log(
        "\n| backend | workers | reads/s | CPU µs/read | Redis cmds/read | posts/s | CPU µs/post "
        "| DB CPU µs/post | DB commits/post | rows/post | Redis cmds/post | KiB/SSE stream "
        "| other load |"
    )
    log("| --- " * 14 + "|")
    for row in results:
        read, post, sse = row["read"], row["post"], row["sse"]
        log(
            f"| {row['backend']} | {row['workers']} | {row['blas_threads']} | {read['rps']} "
            f"| {read['server_cpu_us']} "
            f"| {read['redis_commands']} | {post['rps']} | {post['server_cpu_us']} "
            f"| {post.get('db_cpu_us', '-')} | {post.get('db_commits', '-')} "
            f"| {post.get('db_rows_written', '-')} | {post['redis_commands']} "
            f"| {sse['kib_per_stream']} | {max(read['other_load'], post['other_load']):.0%} |"
        )


if __name__ == "__main__":
    main()
