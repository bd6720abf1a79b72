"""Fan-out: how long after a POST do N connected SSE readers of the thread have the event?

Opens N connections to ``GET /api/v1/events?site=…&page=…`` (raw asyncio streams, so 1,000
clients cost this process little), waits until every one got the server's ``: connected``
comment (the subscription is then registered), posts one comment per round and records when
each client saw ``event: comment.created`` carrying that comment's id. Clients that never see
it within the timeout are counted as missed, not waited for.

    .venv/bin/python bench/sse_fanout.py --port 8080 [--clients 1000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import resource
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

MARKER = b"event: comment.created"


def raise_fd_limit(wanted: int = 65536) -> int:
    """Lift this process's open-file limit as far as the hard limit allows; returns it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


@dataclass
class Client:
    """One SSE connection and the moments it saw each comment's event."""

    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    seen: dict[str, float] = field(default_factory=dict)
    buffer: bytes = b""


@dataclass
class Round:
    """One POST and who saw it when (milliseconds after the POST was sent)."""

    comment_id: str
    post_ms: float
    latencies_ms: list[float]
    missed: int

    def summary(self) -> dict[str, float | int]:
        ordered = sorted(self.latencies_ms)
        if not ordered:
            return {"received": 0, "missed": self.missed, "post_ms": self.post_ms}
        return {
            "received": len(ordered),
            "missed": self.missed,
            "post_ms": self.post_ms,
            "p50_ms": statistics.median(ordered),
            "p99_ms": ordered[max(0, round(len(ordered) * 0.99) - 1)],
            "max_ms": ordered[-1],
        }


async def _open(host: str, port: int, path: str, limit_s: float) -> Client:
    reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), limit_s)
    writer.write(
        f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: text/event-stream\r\n\r\n".encode()
    )
    await writer.drain()
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), limit_s)
    if not head.startswith(b"HTTP/1.1 200"):
        raise RuntimeError(f"SSE answered {head.splitlines()[0]!r}")
    client = Client(reader, writer)
    # Until ': connected' arrives the subscription may not be registered yet.
    while b": connected" not in client.buffer:
        chunk = await asyncio.wait_for(reader.read(4096), limit_s)
        if not chunk:
            raise RuntimeError("SSE connection closed before ': connected'")
        client.buffer += chunk
    client.buffer = b""
    return client


async def _listen(client: Client) -> None:
    """Record the moment each ``comment.created`` event arrives; ends when the server closes."""
    while True:
        chunk = await client.reader.read(65536)
        now = time.perf_counter()
        if not chunk:
            return
        client.buffer += chunk
        while MARKER in client.buffer:
            _, _, rest = client.buffer.partition(MARKER)
            data_at = rest.find(b"data: ")
            end = rest.find(b"\n", data_at)
            if data_at < 0 or end < 0:
                break  # the rest of this event is still on its way
            payload = json.loads(rest[data_at + 6 : end])
            client.seen.setdefault(str(payload["id"]), now)
            client.buffer = rest[end:]
        if len(client.buffer) > 8192:
            client.buffer = client.buffer[-1024:]


def _post(host: str, port: int, site: str, page: str, n: int) -> tuple[str, float]:
    """Post one comment on a fresh connection (run in a thread so the listeners keep
    reading); returns its id and the moment the request was sent."""
    body = json.dumps(
        {"site": site, "page": page, "author_name": "Fan-out", "body": f"Live comment {n}."}
    )
    conn = http.client.HTTPConnection(host, port, timeout=30)
    try:
        conn.connect()
        sent = time.perf_counter()
        conn.request("POST", "/api/v1/comments", body, {"Content-Type": "application/json"})
        response = conn.getresponse()
        answer = response.read()
    finally:
        conn.close()
    if response.status != 201:
        raise RuntimeError(f"POST answered {response.status}: {answer[:200]!r}")
    return str(json.loads(answer)["id"]), sent


async def fanout(
    port: int,
    *,
    clients: int = 1000,
    rounds: int = 3,
    site: str = "bench",
    page: str = "/bench",
    host: str = "127.0.0.1",
    wait_seconds: float = 5.0,
    on_connected: Callable[[], None] | None = None,
) -> dict[str, object]:
    """Connect ``clients`` readers, then post ``rounds`` comments and time their arrival."""
    path = "/api/v1/events?" + urlencode({"site": site, "page": page})
    started = time.perf_counter()
    opened: list[Client] = []
    for start in range(0, clients, 100):  # 100 handshakes at a time: no SYN flood
        batch = range(start, min(clients, start + 100))
        opened += await asyncio.gather(*(_open(host, port, path, 30) for _ in batch))
    connect_s = time.perf_counter() - started
    await asyncio.sleep(1.0)  # let the server settle into the idle state before measuring
    if on_connected is not None:
        on_connected()
    listeners = [asyncio.create_task(_listen(client)) for client in opened]
    results: list[Round] = []
    try:
        for n in range(rounds):
            comment_id, sent = await asyncio.to_thread(_post, host, port, site, page, n)
            post_ms = (time.perf_counter() - sent) * 1000
            deadline = time.perf_counter() + wait_seconds
            while time.perf_counter() < deadline:
                if all(comment_id in client.seen for client in opened):
                    break
                await asyncio.sleep(0.02)
            latencies = [
                (client.seen[comment_id] - sent) * 1000
                for client in opened
                if comment_id in client.seen
            ]
            results.append(Round(comment_id, post_ms, latencies, len(opened) - len(latencies)))
            await asyncio.sleep(0.5)
    finally:
        for task in listeners:
            task.cancel()
        for client in opened:
            client.writer.close()
        await asyncio.gather(*listeners, return_exceptions=True)
    return {
        "clients": clients,
        "connect_seconds": connect_s,
        "rounds": [result.summary() for result in results],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--site", default="bench")
    parser.add_argument("--page", default="/bench")
    args = parser.parse_args()
    print(f"open-file limit: {raise_fd_limit(args.clients + 256)}")
    result = asyncio.run(
        fanout(args.port, clients=args.clients, rounds=args.rounds, site=args.site, page=args.page)
    )
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
