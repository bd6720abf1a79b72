"""``rostra site``: register sites and the origins allowed to embed them."""

from __future__ import annotations

from pathlib import Path

import typer

from rostra.cli.common import CONFIG_OPTION, DATABASE_OPTION, settings_from, with_services

app = typer.Typer(
    help="Register sites and the page origins allowed to embed them.\n\n"
    "Example: `rostra site add dailynews --origin https://dailynews.example`",
    no_args_is_help=True,
)

ORIGIN_OPTION = typer.Option(
    ...,
    "--origin",
    help="Origin of the publisher's pages, e.g. https://example.org (repeat for several).",
)


@app.command("add")
def add(
    name: str = typer.Argument(..., help="Short name used in data-site, e.g. 'dailynews'."),
    origin: list[str] = ORIGIN_OPTION,
    title: str = typer.Option("", help="Display name, e.g. 'The Daily News'."),
    database: str | None = DATABASE_OPTION,
    config: Path | None = CONFIG_OPTION,
) -> None:
    """Register a site. Only pages at its origins may embed it (CORS and write checks).

    Example: `rostra site add dailynews --origin https://dailynews.example --origin https://www.dailynews.example`
    """
    settings = settings_from(config, database_url=database)
    site = with_services(settings, lambda services: services.sites.add_site(name, origin, title))
    typer.echo(f"Added site {site.name!r} for {', '.join(site.origins)}")


@app.command("allow")
def allow(
    name: str = typer.Argument(..., help="The site's name."),
    origin: list[str] = ORIGIN_OPTION,
    database: str | None = DATABASE_OPTION,
    config: Path | None = CONFIG_OPTION,
) -> None:
    """Allow more origins for an existing site (running servers pick them up within seconds)."""
    settings = settings_from(config, database_url=database)
    site = with_services(settings, lambda services: services.sites.allow_origins(name, origin))
    typer.echo(f"Site {site.name!r} now allows {', '.join(site.origins)}")


@app.command("list")
def list_sites(
    database: str | None = DATABASE_OPTION,
    config: Path | None = CONFIG_OPTION,
) -> None:
    """List the registered sites and their origins."""
    settings = settings_from(config, database_url=database)
    sites = with_services(settings, lambda services: services.sites.list_sites())
    if not sites:
        typer.echo("No sites yet. Add one with: rostra site add NAME --origin https://…")
    for site in sites:
        typer.echo(f"{site.name}\t{' '.join(site.origins)}\t{site.title}")
