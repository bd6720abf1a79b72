"""CoalescingTransport (rostra.cli.serve): a step's writes leave together, nothing is lost."""

from __future__ import annotations

import asyncio
import socket

from rostra.cli.serve import CoalescingTransport


class Quiet(asyncio.Protocol):
    """The server side's protocol: it only writes."""


async def pair() -> tuple[CoalescingTransport, socket.socket]:
    ours, theirs = socket.socketpair()
    loop = asyncio.get_running_loop()
    transport, _ = await loop.connect_accepted_socket(Quiet, ours)
    theirs.setblocking(False)
    return CoalescingTransport(transport, loop), theirs


def available(sock: socket.socket) -> bytes:
    try:
        return sock.recv(65536)
    except BlockingIOError:
        return b""


async def test_writes_of_one_step_arrive_together_after_it() -> None:
    transport, peer = await pair()
    transport.write(b"HTTP/1.1 200 OK\r\n\r\n")
    transport.write(memoryview(b'{"counts": {}}'))
    assert transport.get_write_buffer_size() == 33
    assert available(peer) == b""  # held until the step ends
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert available(peer) == b'HTTP/1.1 200 OK\r\n\r\n{"counts": {}}'
    assert transport.get_write_buffer_size() == 0
    transport.close()
    peer.close()


async def test_close_sends_what_is_held_first() -> None:
    transport, peer = await pair()
    transport.writelines([b"last ", b"words"])
    transport.close()
    assert transport.is_closing()
    received = b""
    async with asyncio.timeout(5):
        while True:  # the loop closes the socket on a later step: read until the end
            try:
                chunk = peer.recv(65536)
            except BlockingIOError:
                await asyncio.sleep(0.01)
                continue
            if not chunk:
                break
            received += chunk
    assert received == b"last words"
    peer.close()
