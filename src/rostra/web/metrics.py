"""``Metrics`` on prometheus-client: counters, histograms and the text exposition.

One ``PrometheusMetrics`` per app, on a registry of its own (no module-level state). With
``multiprocess_dir`` (``rostra serve --workers N`` sets ``PROMETHEUS_MULTIPROC_DIR`` before the
workers start) every worker writes its values to files there and a scrape of any worker reads
them all, so one scrape sees the whole server.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from prometheus_client.registry import Collector

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Latency buckets (seconds) around what docs/performance.md measures: ms reads, 10-100 ms posts.
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
OUTBOX_STATES = ("pending", "failed")
# Event-loop lag buckets (seconds): 5 ms is the most a page build may hold the loop up.
LAG_BUCKETS = (0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0)


class _Snapshot(Collector):
    """Gauges computed at scrape time (the outbox depth), exposed once per scrape."""

    def __init__(self, outbox_jobs: Mapping[str, int]) -> None:
        self._outbox = outbox_jobs

    def collect(self) -> list[GaugeMetricFamily]:  # type: ignore[override]
        family = GaugeMetricFamily(
            "rostra_outbox_jobs",
            "Notification mails in the outbox by state, read from the database at scrape time.",
            labels=["state"],
        )
        for state in sorted({*OUTBOX_STATES, *self._outbox}):
            family.add_metric([state], float(self._outbox.get(state, 0)))
        return [family]


class PrometheusMetrics:
    """The ``Metrics`` port on prometheus-client."""

    def __init__(self, multiprocess_dir: str | None = None) -> None:
        self._multiprocess_dir = multiprocess_dir
        self.registry = CollectorRegistry(auto_describe=True)
        if multiprocess_dir is None:
            ProcessCollector(registry=self.registry)  # memory, CPU, open files of this process
        self._requests = Histogram(
            "rostra_http_request_duration_seconds",
            "HTTP requests by method, route template and status; for event streams, the time "
            "until the stream started.",
            ["method", "route", "status"],
            buckets=BUCKETS,
            registry=self.registry,
        )
        self._comments = Counter(
            "rostra_comments_posted",
            "Comments stored, by the status they got (published, pending).",
            ["status"],
            registry=self.registry,
        )
        self._decisions = Counter(
            "rostra_moderation_decisions",
            "Moderation decisions by decision and source (automatic screening, staff).",
            ["decision", "source"],
            registry=self.registry,
        )
        self._replica_reads = Counter(
            "rostra_replica_reads",
            "Thread pages to be read on a read replica, by outcome: served there, or read on "
            "the primary because the replica was behind or unavailable.",
            ["outcome"],
            registry=self.registry,
        )
        self._streams = Gauge(
            "rostra_sse_connections",
            "Live-update (Server-Sent Events) connections open now.",
            registry=self.registry,
            multiprocess_mode="livesum",
        )
        self._loop_lag = Histogram(
            "rostra_event_loop_lag_seconds",
            "The worst delay of a worker's event loop in each quarter second: how long "
            "something kept every other request of that worker waiting.",
            buckets=LAG_BUCKETS,
            registry=self.registry,
        )

    def loop_lag(self, seconds: float) -> None:
        self._loop_lag.observe(seconds)

    def comment_posted(self, status: str) -> None:
        self._comments.labels(status).inc()

    def moderation_decided(self, decision: str, source: str) -> None:
        self._decisions.labels(decision, source).inc()

    def request_observed(self, method: str, route: str, status: int, seconds: float) -> None:
        # Route templates and known methods only: a scanner's random paths add no series.
        label = method if method in METHODS else "other"
        self._requests.labels(label, route, str(status)).observe(seconds)

    def replica_read(self, outcome: str) -> None:
        self._replica_reads.labels(outcome).inc()

    def stream_opened(self) -> None:
        self._streams.inc()

    def stream_closed(self) -> None:
        self._streams.dec()

    async def close(self) -> None:
        """Leave the open-connection gauge of a stopping worker out of later scrapes."""
        if self._multiprocess_dir is not None:
            mark_process_dead(os.getpid(), self._multiprocess_dir)

    def render(self, outbox_jobs: Mapping[str, int]) -> bytes:
        if self._multiprocess_dir is not None:
            registry = CollectorRegistry()
            MultiProcessCollector(registry, path=self._multiprocess_dir)
            counters = generate_latest(registry)
        else:
            counters = generate_latest(self.registry)
        snapshot = CollectorRegistry(auto_describe=False)
        snapshot.register(_Snapshot(outbox_jobs))
        return counters + generate_latest(snapshot)
