"""`rostra serve --keep-alive`: idle connections stay open as long as configured.

The server must close idle connections later than the clients and proxies in front of it, or
a request sent as it closes one is lost (bench/keepalive_race.py shows it with uvicorn's 5 s).
"""

from __future__ import annotations

import socket
import time
from pathlib import Path

import httpx

from tests.e2e.serving import server_env, start_server

REQUEST = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


def answer(sock: socket.socket) -> bytes:
    """Read one small response (headers and a short body) within the socket's timeout."""
    data = b""
    while b"\r\n\r\n" not in data or not data.rstrip().endswith(b"}"):
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def test_idle_connection_is_kept_for_the_keep_alive_then_closed(tmp_path: Path) -> None:
    env = server_env(f"sqlite:///{tmp_path / 'rostra.db'}")
    server = start_server(env, tmp_path / "server.log", options=("--keep-alive", "2"))
    try:
        url = httpx.URL(server.url)
        with socket.create_connection((url.host, url.port), timeout=10) as sock:
            sock.sendall(REQUEST)
            assert answer(sock).startswith(b"HTTP/1.1 200")
            time.sleep(1.0)  # idle for less than the keep-alive: the connection still serves
            sock.sendall(REQUEST)
            assert answer(sock).startswith(b"HTTP/1.1 200")
            idle_since = time.monotonic()
            assert sock.recv(4096) == b""  # the server closes it (bounded by the 10 s timeout)
            closed_after = time.monotonic() - idle_since
        assert 1.5 < closed_after < 8, closed_after
    finally:
        server.stop()
