"""Health check for load balancers and orchestrators."""

from __future__ import annotations

from litestar import get
from litestar.di import NamedDependency

from rostra.services.registry import Services
from rostra.web.schemas import HealthOut


# GET /healthz
@get("/healthz", summary="The server and its database answer", tags=["operations"], cache=False)
async def healthz(services: NamedDependency[Services]) -> HealthOut:
    """200 ``{"status": "ok"}`` when the database answers; 500 otherwise."""
    await services.check_health()
    return HealthOut("ok")
