"""Health check for load balancers and orchestrators."""

from __future__ import annotations

from litestar import Response, get
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec

from rostra.services.registry import Services
from rostra.web.schemas import CheckOut, HealthOut, ReadyOut


# GET /healthz
@get("/healthz", summary="The server and its database answer", tags=["operations"], cache=False)
async def healthz(services: NamedDependency[Services]) -> HealthOut:
    """200 ``{"status": "ok"}`` when the database answers; 500 otherwise."""
    await services.check_health()
    return HealthOut("ok")


# GET /readyz
@get(
    "/readyz",
    summary="Whether this server should receive traffic",
    tags=["operations"],
    cache=False,
    responses={503: ResponseSpec(ReadyOut, description="A dependency is not ready")},
)
async def readyz(services: NamedDependency[Services]) -> Response[ReadyOut]:
    """200 when the database answers, Redis answers (when configured), the database schema
    is at this version's revision or a newer one, and the media store can take files
    (``media``); otherwise 503. ``checks`` says, for each, ``ok`` (or what it checked) or what
    is wrong. For a load balancer's or orchestrator's readiness probe during a
    rolling deploy; ``/healthz`` stays the liveness probe."""
    if services.readiness is None:
        return Response(ReadyOut("ready", {}))
    found = await services.readiness.check()
    checks = {
        name: CheckOut("ok" if probe.ok else "failed", probe.detail)
        for name, probe in found.checks.items()
    }
    if found.ready:
        return Response(ReadyOut("ready", checks))
    return Response(ReadyOut("not_ready", checks), status_code=503)
