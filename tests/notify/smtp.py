"""A real SMTP server for the tests (aiosmtpd on 127.0.0.1), and helpers to read its mail.

Import the fixtures into a test module or conftest: ``from tests.notify.smtp import ...``.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import re
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from rostra.config import Settings
from rostra.services.registry import Services

PUBLIC_URL = "https://comments.example"
MAIL_FROM = "comments@news.example"
LINK = re.compile(r"https://comments\.example(/api/v1/subscriptions/[a-z]+\?token=[^\s\"<>]+)")
DEADLINE_SECONDS = 10.0


@dataclass
class Collector:
    """The aiosmtpd handler: keeps every accepted message; can defer or refuse on demand."""

    messages: list[EmailMessage] = field(default_factory=list)
    defer_next: int = 0  # answer 451 to this many DATA commands
    refuse: dict[str, str] = field(default_factory=dict)  # address -> RCPT answer
    lock: threading.Lock = field(default_factory=threading.Lock)
    # When set: each DATA command waits for ``gate`` (bounded) after setting ``arrived``.
    gate: threading.Event | None = None
    arrived: threading.Event = field(default_factory=threading.Event)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.gate is not None:
            self.arrived.set()
            if not await asyncio.to_thread(self.gate.wait, DEADLINE_SECONDS):
                return "451 4.3.0 The test never opened the gate"
        with self.lock:
            if self.defer_next > 0:
                self.defer_next -= 1
                return "451 4.3.0 Try again later"
            message = email.message_from_bytes(envelope.content, policy=email.policy.default)
            assert isinstance(message, EmailMessage)
            self.messages.append(message)
        return "250 Message accepted"


class SmtpServer:
    """aiosmtpd on a fixed free port that tests can stop and start again."""

    def __init__(self) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.collector = Collector()
        self._controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._controller = Controller(self.collector, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def messages(self) -> list[EmailMessage]:
        with self.collector.lock:
            return list(self.collector.messages)

    def to(self, address: str) -> list[EmailMessage]:
        """Messages whose To header is ``address``."""
        return [m for m in self.messages if m["To"] == address]


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


def mail_settings(database_url: str, smtp: SmtpServer, **overrides: Any) -> Settings:
    from tests.conftest import SECRET_KEY

    values: dict[str, Any] = {
        "database_url": database_url,
        "secret_key": SECRET_KEY,
        "rate_limits": False,
        "smtp_url": smtp.url,
        "public_url": PUBLIC_URL,
        "mail_from": MAIL_FROM,
        "notify_worker": False,  # tests drive delivery themselves, except the worker's own tests
    }
    values.update(overrides)
    return Settings(**values)


async def deliver(services: Services, worker: str = "test-worker") -> int:
    """Run the outbox until nothing is due; returns how many jobs were handled."""
    assert services.notifications is not None
    total = 0
    while claimed := await services.notifications.deliver_due(worker):
        total += claimed
    return total


async def wait_for_messages(smtp: SmtpServer, count: int) -> list[EmailMessage]:
    """Wait (with a deadline) until the server holds at least ``count`` messages."""
    async with asyncio.timeout(DEADLINE_SECONDS):
        while len(smtp.messages) < count:  # noqa: ASYNC110 - the server runs in its own thread
            await asyncio.sleep(0.02)
    return smtp.messages


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def html_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    return str(part.get_content())


def link(message: EmailMessage, purpose: str) -> str:
    """The path (with token) of the ``purpose`` link in the plain-text part."""
    for path in LINK.findall(text_of(message)):
        if path.startswith(f"/api/v1/subscriptions/{purpose}?"):
            return str(path)
    raise AssertionError(f"no {purpose} link in:\n{text_of(message)}")
