"""Prometheus metrics for operators; docs/observability.md lists them."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get
from litestar.di import NamedDependency

from rostra.domain.errors import NotFoundError
from rostra.services.metrics import Scraper
from rostra.services.registry import Services
from rostra.web.metrics import CONTENT_TYPE


def _bearer(authorization: str | None) -> str | None:
    scheme, _, token = (authorization or "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


# GET /metrics
@get("/metrics", include_in_schema=False, cache=False)
async def metrics(
    services: NamedDependency[Services], request: Request[Any, Any, Any]
) -> Response[bytes]:
    """The Prometheus text exposition: a bearer token (``ROSTRA_METRICS_TOKEN``) or, without
    one, only direct connections from this machine."""
    if services.metrics is None:
        raise NotFoundError("Metrics are not enabled on this server.")
    headers = request.headers
    scraper = Scraper(
        peer=request.client.host if request.client else None,
        bearer_token=_bearer(headers.get("authorization")),
        forwarded="x-forwarded-for" in headers or "forwarded" in headers,
    )
    body = await services.metrics.scrape(scraper)
    return Response(body, media_type=CONTENT_TYPE)
