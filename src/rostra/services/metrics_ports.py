"""What the services report to a metrics backend; adapters implement it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol


class Metrics(Protocol):
    """Counters the services and the web layer feed; the Prometheus adapter lives in ``web``."""

    def comment_posted(self, status: str) -> None:
        """A comment was stored with ``status`` (``published`` or ``pending``)."""

    def moderation_decided(self, decision: str, source: str) -> None:
        """A moderation ``decision`` (publish, hold, reject, approve, spam) by ``source``
        (``automatic`` screening or ``staff``)."""

    def request_observed(self, method: str, route: str, status: int, seconds: float) -> None:
        """One HTTP request ended: its method, route template, status and duration."""

    def replica_read(self, outcome: str) -> None:
        """A thread page was to be read on a read replica: ``served`` there, or read
        on the primary because the replica was ``behind`` or ``unavailable``."""

    def stream_opened(self) -> None:
        """A live-updates (SSE) connection opened."""

    def stream_closed(self) -> None:
        """A live-updates (SSE) connection closed."""

    def loop_lag(self, seconds: float) -> None:
        """The worst delay of the event loop over the last short period (web/loop_lag.py)."""

    def render(self, outbox_jobs: Mapping[str, int]) -> bytes:
        """The scrape document, with the outbox depth read just now."""


class NoMetrics:
    """Metrics that go nowhere: services built without a backend (CLI commands, tools)."""

    def comment_posted(self, status: str) -> None:
        """Nothing to count."""

    def moderation_decided(self, decision: str, source: str) -> None:
        """Nothing to count."""

    def request_observed(self, method: str, route: str, status: int, seconds: float) -> None:
        """Nothing to count."""

    def replica_read(self, outcome: str) -> None:
        """Nothing to count."""

    def stream_opened(self) -> None:
        """Nothing to count."""

    def stream_closed(self) -> None:
        """Nothing to count."""

    def loop_lag(self, seconds: float) -> None:
        """Nothing to count."""

    def render(self, outbox_jobs: Mapping[str, int]) -> bytes:
        """An empty document."""
        return b""
