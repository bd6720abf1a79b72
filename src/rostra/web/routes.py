"""Every route of the server, in one table."""

from __future__ import annotations

from litestar.handlers import HTTPRouteHandler

from rostra.web import pages
from rostra.web.api import comments, events, health, votes

API_ROUTES: list[HTTPRouteHandler] = [
    comments.post_comment,  # POST   /api/v1/comments
    comments.list_comments,  # GET    /api/v1/comments
    comments.edit_comment,  # PATCH  /api/v1/comments/{id}
    comments.delete_comment,  # DELETE /api/v1/comments/{id}
    votes.cast_vote,  # POST   /api/v1/comments/{id}/vote
    comments.count_comments,  # POST   /api/v1/counts
    comments.preview,  # POST   /api/v1/preview
    events.thread_events,  # GET    /api/v1/events
    health.healthz,  # GET    /healthz
]

ASSET_ROUTES: list[HTTPRouteHandler] = [
    pages.widget_loader,  # GET /widget.js
    pages.widget_module,  # GET /widget/{name}.js
]


def route_table(*, demo: bool) -> list[HTTPRouteHandler]:
    """The routes of one app; the demo serves its article at ``/`` instead of the start page."""
    start_page = pages.demo_article if demo else pages.home
    return [*API_ROUTES, *ASSET_ROUTES, start_page]
