"""The staff API for webhooks (admins): endpoints, recent deliveries, sending again; and a
site's chat alerts to staff."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from litestar import Request, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter

from rostra.domain.chat_alerts import ChatAlertSettings
from rostra.domain.webhooks import Delivery, WebhookEndpoint
from rostra.services.chat_alerts import ChatAlertService, ChatAlertView
from rostra.services.registry import Services
from rostra.services.webhooks import MAX_LISTED, WebhookService
from rostra.web.api.staff_auth import STAFF_GUARDS, current_staff
from rostra.web.decoding import Body, decode
from rostra.web.errors import STAFF_ERROR_RESPONSES
from rostra.web.schemas import (
    ChatAlertsIO,
    ChatAlertsOut,
    WebhookCreatedOut,
    WebhookDeliveriesOut,
    WebhookDeliveryOut,
    WebhookEndpointOut,
    WebhookIn,
    WebhookQueuedOut,
    WebhooksOut,
)


def _time(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def webhook_service(services: Services) -> WebhookService:
    """The webhook service (always wired by ``bootstrap``)."""
    if services.webhooks is None:  # pragma: no cover - a wiring bug
        raise RuntimeError("WebhookService is not wired")
    return services.webhooks


def endpoint_out(endpoint: WebhookEndpoint) -> WebhookEndpointOut:
    return WebhookEndpointOut(
        id=endpoint.id,
        site=endpoint.site,
        url=endpoint.url,
        events=list(endpoint.events),
        description=endpoint.description,
        created=_time(endpoint.created_at) or "",
    )


def delivery_out(delivery: Delivery, endpoint: WebhookEndpoint) -> WebhookDeliveryOut:
    return WebhookDeliveryOut(
        id=delivery.id,
        endpoint_id=delivery.endpoint_id,
        url=endpoint.url,
        event_id=delivery.event_id,
        event_type=delivery.event_type,
        status=delivery.status,  # type: ignore[arg-type]
        attempts=delivery.attempts,
        response_code=delivery.response_code,
        last_error=delivery.last_error,
        created=_time(delivery.created_at) or "",
        next_attempt=_time(delivery.next_attempt_at),
        sent=_time(delivery.sent_at),
    )


# GET /api/v1/moderation/sites/{site}/webhooks
@get(
    "/api/v1/moderation/sites/{site:str}/webhooks",
    guards=STAFF_GUARDS,
    summary="A site's webhook endpoints",
    tags=["webhooks"],
    responses=STAFF_ERROR_RESPONSES,
)
async def list_webhooks(
    request: Request[Any, Any, Any], site: FromPath[str], services: NamedDependency[Services]
) -> WebhooksOut:
    """Every endpoint of the site, oldest first (admins only; secrets are never listed)."""
    user, _ = await current_staff(request, services)
    endpoints = await webhook_service(services).list_endpoints(user, site)
    return WebhooksOut([endpoint_out(endpoint) for endpoint in endpoints])


# POST /api/v1/moderation/sites/{site}/webhooks
@post(
    "/api/v1/moderation/sites/{site:str}/webhooks",
    guards=STAFF_GUARDS,
    status_code=201,
    summary="Register a webhook endpoint",
    tags=["webhooks"],
    responses=STAFF_ERROR_RESPONSES,
)
async def add_webhook(
    request: Request[Any, Any, Any],
    site: FromPath[str],
    data: Body[WebhookIn],
    services: NamedDependency[Services],
) -> WebhookCreatedOut:
    """An https URL on a public address and the events it wants; answers with the signing
    secret, shown this once (admins only; audited)."""
    incoming = decode(data, WebhookIn)
    user, _ = await current_staff(request, services)
    endpoint, secret = await webhook_service(services).add_endpoint(
        user, site, incoming.url, incoming.events, incoming.description
    )
    return WebhookCreatedOut(endpoint_out(endpoint), secret)


# DELETE /api/v1/moderation/webhooks/{endpoint_id}
@delete(
    "/api/v1/moderation/webhooks/{endpoint_id:str}",
    guards=STAFF_GUARDS,
    status_code=204,
    summary="Remove a webhook endpoint",
    tags=["webhooks"],
    responses=STAFF_ERROR_RESPONSES,
)
async def remove_webhook(
    request: Request[Any, Any, Any], endpoint_id: FromPath[str], services: NamedDependency[Services]
) -> None:
    """Stop sending to the endpoint; its waiting deliveries are cancelled (audited)."""
    user, _ = await current_staff(request, services)
    await webhook_service(services).remove_endpoint(user, endpoint_id)


# POST /api/v1/moderation/webhooks/{endpoint_id}/test
@post(
    "/api/v1/moderation/webhooks/{endpoint_id:str}/test",
    guards=STAFF_GUARDS,
    status_code=202,
    summary="Send a test event",
    tags=["webhooks"],
    responses=STAFF_ERROR_RESPONSES,
)
async def test_webhook(
    request: Request[Any, Any, Any], endpoint_id: FromPath[str], services: NamedDependency[Services]
) -> WebhookQueuedOut:
    """Queue a ``webhook.test`` event to the endpoint."""
    user, _ = await current_staff(request, services)
    return WebhookQueuedOut(await webhook_service(services).send_test(user, endpoint_id))


# GET /api/v1/moderation/sites/{site}/webhook-deliveries
@get(
    "/api/v1/moderation/sites/{site:str}/webhook-deliveries",
    guards=STAFF_GUARDS,
    summary="Recent webhook deliveries",
    tags=["webhooks"],
    responses=STAFF_ERROR_RESPONSES,
)
async def list_deliveries(
    request: Request[Any, Any, Any],
    site: FromPath[str],
    services: NamedDependency[Services],
    limit: Annotated[int, QueryParameter(description=f"1-{MAX_LISTED}")] = 50,
) -> WebhookDeliveriesOut:
    """The latest deliveries to the site's endpoints, newest first: state, tries, the
    receiver's last status code and error."""
    user, _ = await current_staff(request, services)
    found = await webhook_service(services).deliveries(user, site, limit)
    return WebhookDeliveriesOut([delivery_out(delivery, endpoint) for delivery, endpoint in found])


# POST /api/v1/moderation/webhook-deliveries/{delivery_id}/resend
@post(
    "/api/v1/moderation/webhook-deliveries/{delivery_id:int}/resend",
    guards=STAFF_GUARDS,
    status_code=202,
    summary="Send a delivery again",
    tags=["webhooks"],
    responses=STAFF_ERROR_RESPONSES,
)
async def resend_delivery(
    request: Request[Any, Any, Any], delivery_id: FromPath[int], services: NamedDependency[Services]
) -> WebhookQueuedOut:
    """Queue the same event (same event id) once more to the same endpoint (audited)."""
    user, _ = await current_staff(request, services)
    return WebhookQueuedOut(await webhook_service(services).resend(user, delivery_id))


def chat_service(services: Services) -> ChatAlertService:
    if services.chat_alerts is None:  # pragma: no cover - a wiring bug
        raise RuntimeError("ChatAlertService is not wired")
    return services.chat_alerts


def chat_out(view: ChatAlertView) -> ChatAlertsOut:
    return ChatAlertsOut(
        slack=view.slack,
        matrix_homeserver=view.matrix_homeserver,
        matrix_room=view.matrix_room,
        queue_threshold=view.queue_threshold,
        report_threshold=view.report_threshold,
    )


# GET /api/v1/moderation/sites/{site}/chat-alerts
@get(
    "/api/v1/moderation/sites/{site:str}/chat-alerts",
    guards=STAFF_GUARDS,
    summary="A site's chat alerts to staff",
    tags=["webhooks"],
    responses=STAFF_ERROR_RESPONSES,
)
async def chat_alerts(
    request: Request[Any, Any, Any], site: FromPath[str], services: NamedDependency[Services]
) -> ChatAlertsOut:
    """Where alerts go (never the secrets) and their thresholds (admins only)."""
    user, _ = await current_staff(request, services)
    return chat_out(await chat_service(services).settings(user, site))


# PUT /api/v1/moderation/sites/{site}/chat-alerts
@put(
    "/api/v1/moderation/sites/{site:str}/chat-alerts",
    guards=STAFF_GUARDS,
    summary="Replace a site's chat alerts",
    tags=["webhooks"],
    responses=STAFF_ERROR_RESPONSES,
)
async def set_chat_alerts(
    request: Request[Any, Any, Any],
    site: FromPath[str],
    data: Body[ChatAlertsIO],
    services: NamedDependency[Services],
) -> ChatAlertsOut:
    """A Slack incoming-webhook URL and/or a Matrix room (homeserver, room id, access token),
    the queue size and the number of reports that send an alert (admins only; audited)."""
    incoming = decode(data, ChatAlertsIO)
    user, _ = await current_staff(request, services)
    settings = ChatAlertSettings(
        slack_url=incoming.slack_url,
        matrix_homeserver=incoming.matrix_homeserver,
        matrix_room=incoming.matrix_room,
        matrix_token=incoming.matrix_token,
        queue_threshold=incoming.queue_threshold,
        report_threshold=incoming.report_threshold,
    )
    return chat_out(await chat_service(services).configure(user, site, settings))
