"""The demo's own mail server: aiosmtpd on 127.0.0.1, keeping every message in a Maildir.

``rostra demo`` points the real mailer (aiosmtplib, the outbox worker) at it, so what a reader
would receive (confirmations, reply notifications, sign-in links) can be read on ``/demo/mail``
without any outside mail service. Nothing is relayed anywhere.
"""

from __future__ import annotations

import mailbox
import socket
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

# Rostra's mails are a few kilobytes; anything near this is not one of them.
MAX_MESSAGE_BYTES = 1024 * 1024


class _KeepInMaildir:
    """aiosmtpd handler: every accepted message goes into the Maildir."""

    def __init__(self, folder: Path) -> None:
        self._box = mailbox.Maildir(folder, create=True)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content = envelope.content
        if isinstance(content, str):
            content = content.encode()
        if len(content) > MAX_MESSAGE_BYTES:
            return "552 Message too large for the demo mailbox"
        self._box.add(content)
        return "250 Kept for the demo mailbox"


class MailSink:
    """An SMTP server in a background thread of this process."""

    def __init__(self, folder: Path, *, avoid: frozenset[int] = frozenset()) -> None:
        self.folder = folder
        self.port = _free_port(avoid)
        self._controller = Controller(
            _KeepInMaildir(folder),
            hostname="127.0.0.1",
            port=self.port,
            data_size_limit=MAX_MESSAGE_BYTES,
        )

    @property
    def url(self) -> str:
        """``ROSTRA_SMTP_URL`` for the sink (plain SMTP on loopback)."""
        return f"smtp://127.0.0.1:{self.port}?starttls=false"

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()


def _free_port(avoid: frozenset[int]) -> int:
    """A port nothing listens on, other than ``avoid``: the demo's web port is named before it
    is bound, and the system may offer that same port as free meanwhile."""
    while True:
        with socket.socket() as sock:  # aiosmtpd checks its port by connecting: name one
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        if port not in avoid:
            return port
