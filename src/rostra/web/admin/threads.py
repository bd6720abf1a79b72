"""Dashboard pages for one article (docs/editorial-controls.md): its settings, closing and
reopening in one click, and editor's picks among its comments. Every staff member may use
them: a legal hold cannot wait for an admin."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath

from rostra.domain.comments import Comment
from rostra.domain.errors import DomainError, NotFoundError, PermissionDeniedError
from rostra.domain.paging import Sort
from rostra.domain.staff import NotSignedInError, StaffUser
from rostra.domain.subscriptions import article_url
from rostra.domain.threads import CommentNode
from rostra.services.callers import Caller
from rostra.services.editorial import ThreadChanges
from rostra.services.registry import Services
from rostra.services.thread_reads import ThreadQuery
from rostra.web.admin.views import _form, _page_context, _staff, _status, redirect, render, t
from rostra.web.api.editorial import editorial_service

SHOWN_COMMENTS = 100  # top-level comments listed on an article's page, newest first


async def _signed_in(
    request: Request[Any, Any, Any], services: Services, form: Any | None = None
) -> tuple[StaffUser, dict[str, Any]] | Response[Any]:
    """The staff member and the page context, or the answer to give instead."""
    try:
        user, token = await _staff(request, services, form.get("csrf_token") if form else None)
    except NotSignedInError:
        return redirect("/admin/sign-in")
    except PermissionDeniedError as exc:
        return render("error", _status(exc), heading=exc.message, user=None)
    return user, _page_context(user, token, services, "threads")


def _flatten(nodes: list[CommentNode]) -> list[tuple[int, Comment]]:
    found: list[tuple[int, Comment]] = []
    for node in nodes:
        found.append((node.level, node.comment))
        found.extend(_flatten(node.replies))
    return found


# GET /admin/threads
@get("/admin/threads", include_in_schema=False)
async def find_page(
    request: Request[Any, Any, Any], services: NamedDependency[Services]
) -> Response[Any]:
    """Find an article by its address, path or thread id, and open its page."""
    checked = await _signed_in(request, services)
    if isinstance(checked, Response):
        return checked
    _, context = checked
    site = request.query_params.get("site") or ""
    page = (request.query_params.get("page") or "").strip()
    sites = await services.sites.list_sites()
    unstarted = False
    if site and page:
        try:
            thread = await editorial_service(services).find_thread(site, page)
        except NotFoundError as exc:
            # Nobody commented yet: offer to set the article up (a POST makes its thread).
            unstarted = exc.field == "page"
            context["error"] = exc.message
        except DomainError as exc:
            context["error"] = exc.message
        else:
            return redirect(f"/admin/threads/{thread.id}")
    return render(
        "threads", sites=sites, site=site, page_given=page, unstarted=unstarted, **context
    )


# POST /admin/threads
@post("/admin/threads", include_in_schema=False, status_code=303)
async def start_thread(
    request: Request[Any, Any, Any], services: NamedDependency[Services]
) -> Response[Any]:
    """Make the thread of an article nobody commented on yet, and open its page."""
    form = await _form(request)
    checked = await _signed_in(request, services, form)
    if isinstance(checked, Response):
        return checked
    _, context = checked
    try:
        thread = await editorial_service(services).find_thread(
            form.get("site") or "", form.get("page") or "", create=True
        )
    except DomainError as exc:
        return render("error", _status(exc), heading=exc.message, **context)
    return redirect(f"/admin/threads/{thread.id}")


# GET /admin/threads/{thread_id}
@get("/admin/threads/{thread_id:int}", include_in_schema=False)
async def thread_page(
    request: Request[Any, Any, Any], thread_id: FromPath[int], services: NamedDependency[Services]
) -> Response[Any]:
    """An article: closed or open, its settings, and its comments to feature."""
    checked = await _signed_in(request, services)
    if isinstance(checked, Response):
        return checked
    _, context = checked
    editorial = editorial_service(services)
    try:
        thread = await editorial.thread(thread_id)
    except DomainError as exc:
        return render("error", _status(exc), heading=exc.message, **context)
    shown = await services.comments.read_thread(
        ThreadQuery(thread.site, thread.page, Sort.NEWEST, SHOWN_COMMENTS), Caller(staff=True)
    )
    site = await services.sites.get_site(thread.site)  # a thread's site exists
    return render(
        "thread",
        thread=thread,
        closed=editorial.is_closed(thread),
        read_only_from=thread.read_only_from(),
        link=article_url(site.origins, thread.page),
        comments=_flatten(shown.comments),
        message=request.query_params.get("message"),
        **context,
    )


def _back(thread_id: int, message: str) -> Response[Any]:
    return redirect(f"/admin/threads/{thread_id}", message=message)


def _to(form: Any, fallback: str, message: str) -> Response[Any]:
    """Back to the page the form came from (the queue's one-click close), with ``message``."""
    back = form.get("back") or ""
    if not back.startswith("/admin"):
        return redirect(fallback, message=message)
    path, _, query = back.partition("?")
    kept = [part for part in query.split("&") if part and not part.startswith("message=")]
    kept.append(urlencode({"message": message}))
    return redirect(f"{path}?{'&'.join(kept)}")


# POST /admin/threads/{thread_id}/close  and  /open
@post("/admin/threads/{thread_id:int}/{action:str}", include_in_schema=False, status_code=303)
async def close_or_open(
    request: Request[Any, Any, Any],
    thread_id: FromPath[int],
    action: FromPath[str],
    services: NamedDependency[Services],
) -> Response[Any]:
    """One click: close an article's comments (or reopen them); audited with the reason."""
    form = await _form(request)
    checked = await _signed_in(request, services, form)
    if isinstance(checked, Response):
        return checked
    user, context = checked
    editorial = editorial_service(services)
    reason = form.get("reason") or None
    try:
        if action == "close":
            thread = await editorial.close(user.email, thread_id, reason)
            message = t("Comments are closed on this article.")
        elif action == "open":
            thread = await editorial.reopen(user.email, thread_id, reason)
            message = (
                t(
                    "Comments are open on this article again. The site's read-only age still "
                    "keeps it closed."
                )
                if editorial.is_closed(thread)
                else t("Comments are open on this article again.")
            )
        elif action == "settings":
            slow = (form.get("slow_minutes") or "0").strip()
            if not slow.lstrip("-").isdigit():
                return _back(thread_id, t("Slow mode takes a whole number of minutes."))
            thread = await editorial.update_thread(
                user.email,
                thread_id,
                ThreadChanges(
                    premoderated=form.get("premoderated") == "on",
                    images=form.get("images") == "on",
                    slow_minutes=int(slow),
                    message=form.get("message") or "",
                ),
                reason,
            )
            message = t("Saved.")
        else:
            return render("error", 404, heading=t("There is no such action."), **context)
    except DomainError as exc:
        return _back(thread_id, exc.message)
    return _to(form, f"/admin/threads/{thread.id}", message)


# POST /admin/comments/{comment_id}/feature  and  /unfeature
@post("/admin/comments/{comment_id:str}/{action:str}", include_in_schema=False, status_code=303)
async def feature(
    request: Request[Any, Any, Any],
    comment_id: FromPath[str],
    action: FromPath[str],
    services: NamedDependency[Services],
) -> Response[Any]:
    """Feature a comment with an optional note, or take it off the Featured tab."""
    form = await _form(request)
    checked = await _signed_in(request, services, form)
    if isinstance(checked, Response):
        return checked
    user, context = checked
    editorial = editorial_service(services)
    try:
        if action == "feature":
            comment = await editorial.feature(user.email, comment_id, form.get("note") or None)
            message = t("Featured.")
        elif action == "unfeature":
            comment = await editorial.unfeature(user.email, comment_id)
            message = t("No longer featured.")
        else:
            return render("error", 404, heading=t("There is no such action."), **context)
    except DomainError as exc:
        return render("error", _status(exc), heading=exc.message, **context)
    return _back(comment.thread_id, message)


ROUTES: list[HTTPRouteHandler] = [
    find_page,  # GET  /admin/threads
    start_thread,  # POST /admin/threads
    thread_page,  # GET  /admin/threads/{id}
    close_or_open,  # POST /admin/threads/{id}/{close,open,settings}
    feature,  # POST /admin/comments/{id}/{feature,unfeature}
]
