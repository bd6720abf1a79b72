"""``rostra webhook``: a site's webhook endpoints, from the command line (the operator)."""

from __future__ import annotations

from pathlib import Path

import typer

from rostra.cli.common import CONFIG_OPTION, DATABASE_OPTION, settings_from, with_services
from rostra.domain.webhooks import EVENT_TYPES, Delivery, WebhookEndpoint
from rostra.services.registry import Services
from rostra.services.webhooks import WebhookService

app = typer.Typer(
    help="Webhook endpoints: a site's other systems hear of new, published and rejected "
    "comments, reports and donations by signed HTTPS requests (docs/integrations.md).\n\n"
    "Example: `rostra webhook add news https://hooks.news.example/rostra "
    "--event comment.published --event report.created`",
    no_args_is_help=True,
)
EVENT_OPTION = typer.Option(
    None,
    "--event",
    help=f"An event to send (repeat for several; default all): {', '.join(EVENT_TYPES)}.",
)


def _webhooks(services: Services) -> WebhookService:
    if services.webhooks is None:  # pragma: no cover - a wiring bug
        raise RuntimeError("WebhookService is not wired")
    return services.webhooks


def _line(endpoint: WebhookEndpoint) -> str:
    note = f"\t{endpoint.description}" if endpoint.description else ""
    return f"{endpoint.id}\t{endpoint.site}\t{endpoint.url}\t{','.join(endpoint.events)}{note}"


@app.command("add")
def add(
    site: str = typer.Argument(..., help="The site's name."),
    url: str = typer.Argument(..., help="The receiver's https URL."),
    event: list[str] | None = EVENT_OPTION,
    description: str = typer.Option("", "--description", help="A note for the dashboard."),
    database: str | None = DATABASE_OPTION,
    config: Path | None = CONFIG_OPTION,
) -> None:
    """Register an endpoint and print its signing secret (shown this once).

    Example: `rostra webhook add news https://hooks.news.example/rostra --event report.created`
    """
    settings = settings_from(config, database_url=database)

    async def action(services: Services) -> tuple[WebhookEndpoint, str]:
        return await _webhooks(services).add_endpoint(
            None, site, url, list(event or EVENT_TYPES), description
        )

    endpoint, secret = with_services(settings, action)
    typer.echo(_line(endpoint))
    typer.echo(f"Signing secret (shown once; keep it in the receiver): {secret}")


@app.command("list")
def list_endpoints(
    site: str | None = typer.Argument(None, help="Only this site's endpoints."),
    database: str | None = DATABASE_OPTION,
    config: Path | None = CONFIG_OPTION,
) -> None:
    """List endpoints: id, site, URL, events, description."""
    settings = settings_from(config, database_url=database)

    async def action(services: Services) -> list[WebhookEndpoint]:
        return await _webhooks(services).list_endpoints(None, site)

    endpoints = with_services(settings, action)
    for endpoint in endpoints:
        typer.echo(_line(endpoint))
    if not endpoints:
        typer.echo("No webhook endpoints.")


@app.command("remove")
def remove(
    endpoint_id: str = typer.Argument(..., help="The endpoint's id (see `rostra webhook list`)."),
    database: str | None = DATABASE_OPTION,
    config: Path | None = CONFIG_OPTION,
) -> None:
    """Stop sending to an endpoint; deliveries still waiting for it are cancelled."""
    settings = settings_from(config, database_url=database)

    async def action(services: Services) -> WebhookEndpoint:
        return await _webhooks(services).remove_endpoint(None, endpoint_id)

    removed = with_services(settings, action)
    typer.echo(f"Removed {removed.url} ({removed.site}).")


@app.command("test")
def test(
    endpoint_id: str = typer.Argument(..., help="The endpoint's id (see `rostra webhook list`)."),
    database: str | None = DATABASE_OPTION,
    config: Path | None = CONFIG_OPTION,
) -> None:
    """Send a `webhook.test` event now and print what the receiver answered (exits 1 unless
    it answered 2xx; the outbox keeps trying it like any delivery)."""
    settings = settings_from(config, database_url=database)

    async def action(services: Services) -> Delivery:
        webhooks = _webhooks(services)
        delivery_id = await webhooks.send_test(None, endpoint_id)
        while await webhooks.deliver_due("rostra-webhook-test"):
            delivery = await webhooks.delivery(None, delivery_id)
            if delivery.attempts:
                break
        return await webhooks.delivery(None, delivery_id)

    delivery = with_services(settings, action)
    code = f"HTTP {delivery.response_code}" if delivery.response_code else "no answer"
    detail = f": {delivery.last_error}" if delivery.last_error and delivery.status != "sent" else ""
    typer.echo(f"Delivery {delivery.id}: {delivery.status} ({code}){detail}")
    if delivery.status != "sent":
        raise typer.Exit(1)
