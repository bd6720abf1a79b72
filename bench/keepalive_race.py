"""Keep-alive race: requests lost when the server closes idle connections first.

A client reuses a pooled connection until its own idle expiry; the server closes idle
connections after its keep-alive timeout. When the server's timeout is not longer than the
client's, a request sent just as the server's timer fires meets a closed connection: uvicorn's
loop (libuv) runs due timers before it reads the sockets, so even a request already in the
server's buffer is answered with a reset, and the client sees ``ReadError``, which it cannot
safely retry for a POST.

For each ``--server-keep-alive`` value this starts `rostra serve --keep-alive K` on a fresh
SQLite file and runs ``--connections`` httpx clients (one pooled connection each, httpx's
default 5 s expiry) that each repeat: GET /healthz, stay idle for a random time just under the
client's expiry, and go again. It counts the requests that failed and how.

    .venv/bin/python bench/keepalive_race.py [--seconds 60] [--no-docs]
"""

from __future__ import annotations

import argparse
import asyncio
import random
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

CLIENT_EXPIRY = 5.0  # httpx's default keepalive_expiry


@dataclass
class Outcome:
    server_keep_alive: int
    requests: int = 0
    errors: Counter[str] = field(default_factory=Counter)


async def connection(url: str, outcome: Outcome, deadline: float, idle: float, seed: int) -> None:
    rng = random.Random(seed)
    limits = httpx.Limits(max_connections=1, keepalive_expiry=CLIENT_EXPIRY)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=10) as client:
        # Spread the connections' cycles so the server sees a steady trickle.
        await asyncio.sleep(rng.uniform(0, CLIENT_EXPIRY))
        while time.monotonic() < deadline:
            outcome.requests += 1
            try:
                (await client.get("/healthz")).raise_for_status()
            except httpx.HTTPError as exc:
                outcome.errors[type(exc).__name__] += 1
            await asyncio.sleep(rng.uniform(CLIENT_EXPIRY - idle, CLIENT_EXPIRY - 0.001))


def measure(args: argparse.Namespace, keep_alive: int, processes: h.Processes) -> Outcome:
    folder = Path(tempfile.mkdtemp(prefix="rostra-keepalive-"))
    port = h.free_port()
    command = [sys.executable, "-m", "rostra", "serve", "--port", str(port)]
    command += ["--keep-alive", str(keep_alive), "--database", f"sqlite:///{folder / 'r.db'}"]
    server = processes.start(
        f"rostra-keep-alive-{keep_alive}",
        command,
        port=port,
        ready_path="/healthz",
        log_path=folder / "server.log",
        env={"ROSTRA_SECRET_KEY": "bench-secret-key-that-is-long-enough"},
    )
    outcome = Outcome(keep_alive)

    async def run() -> None:
        deadline = time.monotonic() + args.seconds
        url = f"http://127.0.0.1:{port}"
        await asyncio.gather(
            *(
                connection(url, outcome, deadline, args.idle_spread, n)
                for n in range(args.connections)
            )
        )

    try:
        asyncio.run(run())
    finally:
        processes.stop(server)
    h.log(
        f"  server keep-alive {keep_alive} s: {outcome.requests:,} requests, "
        f"errors {dict(outcome.errors) or 'none'}"
    )
    return outcome


def report(args: argparse.Namespace, outcomes: list[Outcome], problems: str) -> str:
    rows = [
        "| server keep-alive | requests | failed | how |",
        "| ---: | ---: | ---: | --- |",
    ]
    for o in outcomes:
        how = ", ".join(f"{k} × {v}" for k, v in o.errors.most_common()) or "none"
        rows.append(
            f"| {o.server_keep_alive} s | {o.requests:,} | {sum(o.errors.values())} | {how} |"
        )
    values = " ".join(str(k) for k in args.server_keep_alive)
    return "\n".join(
        [
            f"`bench/keepalive_race.py --seconds {args.seconds:g} --connections "
            f"{args.connections} --server-keep-alive {values}`: `rostra serve --keep-alive K` "
            f"(one worker, fresh SQLite); {args.connections} httpx clients with one pooled "
            f"connection each (expiry {CLIENT_EXPIRY:g} s, httpx's default) repeat GET /healthz "
            f"after an idle time drawn from the last {args.idle_spread * 1000:.0f} ms before "
            "their expiry, for "
            f"{args.seconds:g} s per row. Server log: {problems}.",
            "",
            *rows,
            "",
            "A request lost this way fails with `RemoteProtocolError` (the server closed the "
            "connection before the request reached it) or `ReadError` (a reset: the request "
            "was already in the server's buffer when its keep-alive timer closed the "
            "connection), and the client cannot tell whether it was processed. The second is "
            "the soak's rare `ReadError` under load. `rostra serve` therefore keeps idle "
            "connections for 75 s (`--keep-alive`), longer than httpx's 5 s and the usual load "
            "balancers' 60 s, so that the client side closes first.",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=60.0, help="how long each row runs")
    parser.add_argument("--connections", type=int, default=200)
    parser.add_argument(
        "--idle-spread",
        type=float,
        default=0.05,
        help="idle times are drawn from this many seconds before the client's expiry",
    )
    parser.add_argument(
        "--server-keep-alive",
        type=int,
        nargs="+",
        default=[5, 75],
        help="server keep-alive values to compare (5 is uvicorn's default)",
    )
    parser.add_argument("--no-docs", action="store_true", help="do not write docs/performance.md")
    args = parser.parse_args()
    processes = h.Processes()
    try:
        outcomes = [measure(args, k, processes) for k in args.server_keep_alive]
    finally:
        processes.stop_all()
    problems = (
        "; ".join(f"{name}: {dict(found)}" for name, found in processes.problems.items() if found)
        or "no 5xx, traceback or error line"
    )
    text = report(args, outcomes, problems)
    print(text)
    if not args.no_docs:
        write_section("keepalive", "Keep-alive race: who closes an idle connection", text)


if __name__ == "__main__":
    main()
