"""``create_app``: the ASGI application, built from already wired services."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import HTTPException
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.openapi.spec import Server
from litestar.utils import normalize_path

from rostra import __version__
from rostra.services.metrics_ports import NoMetrics
from rostra.services.page_cache import PageCache
from rostra.services.registry import Services
from rostra.web.admin.views import dashboard_language
from rostra.web.decoding import JsonRequest
from rostra.web.errors import EXCEPTION_HANDLERS
from rostra.web.middleware.canonical_paths import CanonicalPaths
from rostra.web.middleware.cors import ASGIApp, RouteOf, SiteOriginCors
from rostra.web.middleware.observability import RequestObserver
from rostra.web.middleware.security_headers import SecurityHeaders
from rostra.web.middleware.settled import SettledAnswers
from rostra.web.response_cache import ContentOnlyStore
from rostra.web.routes import route_table

# Encoded thread pages kept per worker for readers who have not voted on them.
ENCODED_PAGES = 256
# Answers that depend on nothing but the question and the data (web/middleware/settled.py).
SETTLED_ROUTES = frozenset({("POST", "/api/v1/counts"), ("GET", "/api/v1/comments")})


def create_app(
    services: Services, *, demo: bool = False, max_request_bytes: int = 65536, debug: bool = False
) -> ASGIApp:
    """The whole HTTP server: API, SSE, widget files and pages, wrapped in CORS and headers."""

    encoded_pages: PageCache[str, bytes] = PageCache(ENCODED_PAGES)

    def provide_services() -> Services:
        return services

    def provide_encoded_pages() -> PageCache[str, bytes]:
        return encoded_pages

    async def shutdown() -> None:
        for hook in services.on_shutdown:
            await hook()

    async def startup() -> None:
        for hook in services.on_startup:
            await hook()

    app = Litestar(
        route_handlers=route_table(demo=demo, demo_pages_on=services.demo is not None),
        dependencies={
            "services": Provide(provide_services, use_cache=True, sync_to_thread=False),
            "encoded_pages": Provide(provide_encoded_pages, use_cache=True, sync_to_thread=False),
        },
        exception_handlers=EXCEPTION_HANDLERS,
        before_request=dashboard_language,  # the dashboard page's language
        # JSON bodies' media type and depth are checked before decoding, and cached
        # answers keep no per-request headers.
        request_class=JsonRequest,
        stores={"response_cache": ContentOnlyStore()},
        state=State({"services": services}),  # for the staff API's guard (staff_auth.py)
        request_max_body_size=max_request_bytes,
        on_startup=[startup],
        on_shutdown=[shutdown],
        openapi_config=OpenAPIConfig(
            title="Rostra",
            version=__version__,
            description="Comments, inline feedback and reader support for news sites.",
            path="/api",
            servers=[Server(url="/")],
            # The JSON document only: the UI plugins load scripts from CDNs our CSP forbids.
            render_plugins=[JsonRenderPlugin()],
        ),
        debug=debug,
        logging_config=None,  # rostra.web.logs configures logging, once per process
    )
    inner: Any = SettledAnswers(
        app,
        services.answer_token,
        SETTLED_ROUTES,
        shelf=services.answer_shelf,
        still_current=services.comments.still_current,
    )
    # Non-canonical paths are refused before anything decides on the path, and the
    # origin rules are chosen by the route that will run, not by the path's prefix.
    secured = SecurityHeaders(
        CanonicalPaths(SiteOriginCors(inner, services.sites.allowed_origins, route_of(app)))
    )
    # Request ids, one log line and metrics per request, outside everything else
    recorder = services.metrics.recorder if services.metrics is not None else NoMetrics()
    keyring = services.keyring
    return RequestObserver(
        secured, recorder, lambda address: keyring.digest("log-ip", address)[:16]
    )


def route_of(app: Litestar) -> RouteOf:
    """The path template of the route ``app`` runs for (method, path), or ``None``."""
    router = app.asgi_router

    def find(method: str, path: str) -> str | None:
        try:
            return router.handle_routing(path=normalize_path(path), method=method)[4]  # type: ignore[arg-type]
        except HTTPException:  # no such route, or not for this method: nothing would run
            return None

    return find
