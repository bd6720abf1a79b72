"""Scraping the metrics: who may read them, and the numbers read at scrape time.

``/metrics`` answers a bearer token when ``ROSTRA_METRICS_TOKEN`` is set; without one it answers
only direct connections from this machine (a loopback peer and no proxy's forwarding header), so
a server behind a reverse proxy does not publish its numbers by default.
"""

from __future__ import annotations

import hmac
import ipaddress
from dataclasses import dataclass

from rostra.domain.errors import PermissionDeniedError
from rostra.services.metrics_ports import Metrics
from rostra.services.ports import Storage


@dataclass(frozen=True, slots=True)
class Scraper:
    """Who asks for the metrics, as the web layer saw the request."""

    peer: str | None  # the connection's address (after the server applied trusted proxies)
    bearer_token: str | None  # from ``Authorization: Bearer …``
    forwarded: bool  # the request carries X-Forwarded-For or Forwarded


def is_loopback(address: str | None) -> bool:
    """``address`` is 127.0.0.0/8 or ::1 (an unparseable address is not)."""
    if not address:
        return False
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


class MetricsService:
    """The scrape: an access check, then the counters plus the outbox depth from the database."""

    def __init__(self, storage: Storage, recorder: Metrics, token: str | None = None) -> None:
        self._storage = storage
        self._token = token
        self.recorder = recorder  # the web layer feeds request and stream metrics into it

    def authorize(self, scraper: Scraper) -> None:
        """Raise ``PermissionDeniedError`` unless ``scraper`` may read the metrics."""
        if self._token is not None:
            given = (scraper.bearer_token or "").encode()
            if not hmac.compare_digest(given, self._token.encode()):
                raise PermissionDeniedError("The metrics need the configured bearer token.")
            return
        if scraper.forwarded or not is_loopback(scraper.peer):
            raise PermissionDeniedError(
                "The metrics answer only this machine; set ROSTRA_METRICS_TOKEN to scrape "
                "them from elsewhere."
            )

    async def scrape(self, scraper: Scraper) -> bytes:
        """The metrics document for an allowed ``scraper``, outbox depth read now."""
        self.authorize(scraper)
        async with self._storage.read() as tx:
            summary = await tx.outbox.summary()
        return self.recorder.render(summary.counts)
