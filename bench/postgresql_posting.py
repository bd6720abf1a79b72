"""Posting to one thread on PostgreSQL: what limits it.

Starts `rostra serve --workers N` on a fresh PostgreSQL database (rate limits off, default
screening), posts a distinct comment per request with `wrk -c50` and
`bench/wrk/post_comment.lua` (as `bench/compare_isso.py`'s posting part does) and reports, for
each run: stored comments per second, CPU per post of Rostra's processes and of every
`postgres` process on the machine, and what the database's sessions were waiting on (sampled
from `pg_stat_activity` once a second). To measure another commit, run it with
``PYTHONPATH=<that checkout>/src``; alternate the two, this machine is noisy.

    .venv/bin/python bench/postgresql_posting.py [--workers 2] [--seconds 10] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
from collections import Counter
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness as h
from compare_isso import pg_url, recreate_postgresql

SITE, PAGE = "bench", "/bench-post"
DATABASE = "rostra_bench_posting"
WAITS = sa.text(
    "SELECT coalesce(wait_event_type || ':' || wait_event, 'running') AS waiting, state"
    " FROM pg_stat_activity WHERE datname = :database AND pid <> pg_backend_pid()"
)


def postgres_ticks() -> int:
    """CPU ticks of every process named ``postgres`` (the server and its backends)."""
    total = 0
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if (proc / "comm").read_text().strip() != "postgres":
                continue
            fields = (proc / "stat").read_text().rpartition(")")[2].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, ValueError, IndexError):
            continue
    return total


async def post_and_sample(url: str, seconds: float, database_url: str) -> tuple[str, Counter[str]]:
    """wrk's report, and how many sessions were seen in each wait state (once a second)."""
    from sqlalchemy.ext.asyncio import create_async_engine

    from rostra.storage.database import async_url

    wrk = h.wrk_command(url, connections=50, seconds=seconds, script="post_comment.lua")
    env = {**os.environ, "WRK_FLAVOR": "rostra", "WRK_SITE": SITE, "WRK_PAGE": PAGE}
    load = await asyncio.create_subprocess_exec(*wrk, stdout=asyncio.subprocess.PIPE, env=env)
    engine = create_async_engine(async_url(database_url), isolation_level="AUTOCOMMIT")
    waits: Counter[str] = Counter()
    try:
        async with engine.connect() as conn:
            for _ in range(int(seconds) - 1):  # bounded: one sample a second while wrk runs
                await asyncio.sleep(1)
                rows = await conn.execute(WAITS, {"database": DATABASE})
                waits.update(f"{row.waiting} ({row.state})" for row in rows)
    finally:
        await engine.dispose()
    output, _ = await asyncio.wait_for(load.communicate(), seconds + 60)
    return output.decode(), waits


def one_run(workers: int, seconds: float, workdir: Path, processes: h.Processes) -> None:
    database_url = pg_url(DATABASE)
    recreate_postgresql(database_url)
    env = {"ROSTRA_RATE_LIMITS": "off", "ROSTRA_SECRET_KEY": "postgresql-posting-" + "k" * 40}
    server = h.serve_rostra(
        processes, database_url, site=SITE, workers=workers, workdir=workdir, env=env
    )
    try:
        url = f"http://127.0.0.1:{server.port}/api/v1/comments"
        wrk_env = {"WRK_FLAVOR": "rostra", "WRK_SITE": SITE, "WRK_PAGE": PAGE}
        h.run_wrk(url, connections=10, seconds=2, script="post_comment.lua", env=wrk_env)
        rostra_before, postgres_before = h.group_ticks(server.pgid), postgres_ticks()
        report, waits = asyncio.run(post_and_sample(url, seconds, database_url))
        rostra_cpu = (h.group_ticks(server.pgid) - rostra_before) / h.CLOCK_TICKS
        postgres_cpu = (postgres_ticks() - postgres_before) / h.CLOCK_TICKS
    finally:
        processes.stop(server)
    line = next(ln for ln in report.splitlines() if ln.startswith("WRKJSON "))
    data = json.loads(line.removeprefix("WRKJSON "))
    stored = data["statuses"].get("201", 0)
    rate = stored / (data["duration_us"] / 1e6)
    print(
        f"{rate:,.0f} comments/s stored ({stored:,} in {data['duration_us'] / 1e6:.1f} s, "
        f"p99 {data['latency_us']['p99'] / 1000:,.0f} ms); CPU a post: Rostra "
        f"{rostra_cpu / stored * 1000:.2f} ms, PostgreSQL {postgres_cpu / stored * 1000:.2f} ms"
    )
    samples = int(seconds) - 1
    for waiting, seen in waits.most_common(6):
        print(f"    {seen / samples:5.1f} sessions  {waiting}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    h.ensure_tools(need_isso=False, need_nginx=False, need_pyspy=False)
    processes = h.Processes()
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(args.runs):
            one_run(args.workers, args.seconds, Path(folder), processes)


if __name__ == "__main__":
    main()
