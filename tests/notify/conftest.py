"""Mail tests: the real app and services wired to a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import pytest

from rostra.config import Settings
from tests.notify.smtp import SmtpServer, mail_settings, smtp_server

__all__ = ["smtp_server"]


@pytest.fixture
def settings(database_url: str, smtp_server: SmtpServer) -> Settings:
    return mail_settings(database_url, smtp_server)
