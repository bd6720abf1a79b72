"""``rostra site``: register sites and the origins allowed to embed them."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from rostra.cli.common import CONFIG_OPTION, DATABASE_OPTION, fail, settings_from, with_services
from rostra.services.accounts import AccountService
from rostra.services.oidc import OidcService
from rostra.services.registry import Services

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


@app.command("reactions")
def reactions(
    name: str = typer.Argument(..., help="The site's name."),
    chosen: list[str] | None = typer.Argument(
        None, help="The reactions offered, in order: emoji or short labels (at most 8)."
    ),
    default: bool = typer.Option(False, "--default", help="Offer the default set again."),
    off: bool = typer.Option(False, "--off", help="Offer no reactions on this site."),
    database: str | None = DATABASE_OPTION,
    config: Path | None = CONFIG_OPTION,
) -> None:
    """Choose the reactions readers give comments beside votes (default 👍 ❤️ 😂 😮 😢 😡), or
    show them when none are given. Counts of a reaction no longer offered stay shown.

    Example: `rostra site reactions dailynews 👍 ❤️ 😮` (or labels: `… dailynews Agree Insightful`)
    """
    if sum((bool(chosen), default, off)) > 1:
        raise fail("Give reactions, --default or --off: one of them.", 2)
    settings = settings_from(config, database_url=database)
    if not (chosen or default or off):
        sites = with_services(settings, lambda services: services.sites.list_sites())
        site = next((site for site in sites if site.name == name), None)
        if site is None:
            raise fail(f"There is no site called {name!r}.", 1)
        typer.echo(" ".join(site.reactions) or "(reactions are off)")
        return
    wanted = None if default else ([] if off else list(chosen or ()))
    site = with_services(
        settings, lambda services: services.reactions.set_site_reactions(name, wanted)
    )
    shown = " ".join(site.reactions) or "none (reactions are off)"
    typer.echo(f"Site {name!r} offers reactions: {shown}")


# Reader accounts.
def _accounts(services: Services) -> AccountService:
    if services.accounts is None:  # pragma: no cover - a wiring bug
        raise RuntimeError("AccountService is not wired")
    return services.accounts


@app.command("sso")
def sso(
    name: str = typer.Argument(..., help="The site's name."),
    hs256_secret: str | None = typer.Option(
        None,
        "--hs256-secret",
        help="The secret shared with the site's back end (32+ characters); '-' reads it from "
        "stdin, which keeps it out of the shell history.",
    ),
    public_key: Path | None = typer.Option(
        None, "--public-key", help="PEM file with the site's RS256 or ES256 public key."
    ),
    algorithm: str = typer.Option("RS256", "--algorithm", help="RS256 or ES256, for --public-key."),
    off: bool = typer.Option(False, "--off", help="Stop accepting sign-in tokens."),
    database: str | None = DATABASE_OPTION,
    config: Path | None = CONFIG_OPTION,
) -> None:
    """Let the site sign its readers in: its back end signs a JWT per page view (claims sub,
    name, email, avatar, aud=NAME, exp, jti) that the widget hands to Rostra. See docs/accounts.md.

    Example: `openssl rand -base64 48 | rostra site sso dailynews --hs256-secret -`
    """
    settings = settings_from(config, database_url=database)
    chosen = [hs256_secret is not None, public_key is not None, off]
    if sum(chosen) != 1:
        raise fail("Give exactly one of --hs256-secret, --public-key or --off.", 2)
    actor = "cli"
    if off:
        with_services(settings, lambda services: _accounts(services).disable_sso(name, actor))
        typer.echo(f"Site {name!r} no longer accepts single sign-on tokens.")
        return
    if public_key is not None:
        try:
            key = public_key.read_text(encoding="utf-8")
        except OSError as exc:
            raise fail(f"Cannot read {public_key}: {exc}", 2) from exc
        chosen_algorithm = algorithm.upper()
    else:
        from_stdin = hs256_secret == "-"  # noqa: S105 - "-" means stdin, not a password
        key = sys.stdin.readline().strip() if from_stdin else (hs256_secret or "")
        chosen_algorithm = "HS256"
    with_services(
        settings,
        lambda services: _accounts(services).configure_sso(name, chosen_algorithm, key, actor),
    )
    typer.echo(f"Site {name!r} accepts single sign-on tokens signed with {chosen_algorithm}.")


@app.command("deletion-policy")
def deletion_policy(
    name: str = typer.Argument(..., help="The site's name."),
    policy: str = typer.Argument(
        ..., help="anonymize (keep comments, erase the author) or remove (delete the comments)."
    ),
    database: str | None = DATABASE_OPTION,
    config: Path | None = CONFIG_OPTION,
) -> None:
    """What deleting a reader account does to its comments on this site (default anonymize).
    Either way replies keep their place, and the deletion is in the audit log."""
    settings = settings_from(config, database_url=database)
    with_services(
        settings, lambda services: _accounts(services).set_deletion_policy(name, policy, "cli")
    )
    typer.echo(f"Deleting a reader account on {name!r} will {policy.lower()} their comments.")


@app.command("email-sign-in")
def email_sign_in(
    name: str = typer.Argument(..., help="The site's name."),
    state: str = typer.Argument(..., help="on or off."),
    database: str | None = DATABASE_OPTION,
    config: Path | None = CONFIG_OPTION,
) -> None:
    """Offer readers passwordless sign-in links by email on this site (needs ROSTRA_SMTP_URL
    and ROSTRA_PUBLIC_URL). For sites without accounts of their own; see docs/accounts.md."""
    if state not in ("on", "off"):
        raise fail("The state is 'on' or 'off'.", 2)
    settings = settings_from(config, database_url=database)
    with_services(
        settings,
        lambda services: _accounts(services).set_email_sign_in(name, state == "on", "cli"),
    )
    typer.echo(f"Sign-in links by email on {name!r}: {state}.")


@app.command("oidc")
def oidc(
    name: str = typer.Argument(..., help="The site's name."),
    issuer: str | None = typer.Option(
        None,
        "--issuer",
        help="The provider's issuer URL, e.g. https://accounts.google.com (its discovery "
        "document is ISSUER/.well-known/openid-configuration).",
    ),
    client_id: str | None = typer.Option(None, "--client-id", help="The client id it gave you."),
    client_secret: str | None = typer.Option(
        None,
        "--client-secret",
        help="The client secret; '-' reads it from stdin, which keeps it out of the shell history.",
    ),
    label: str = typer.Option("OpenID", "--name", help="Shown as 'Sign in with NAME'."),
    off: bool = typer.Option(False, "--off", help="Stop offering the provider."),
    database: str | None = DATABASE_OPTION,
    config: Path | None = CONFIG_OPTION,
) -> None:
    """Let the site's readers sign in with an OpenID Connect provider (authorization code +
    PKCE). Register ROSTRA_PUBLIC_URL/api/v1/auth/oidc/callback as the redirect URI there.
    The secret is stored encrypted under ROSTRA_SECRET_KEY. See docs/accounts.md.

    Example: `echo "$SECRET" | rostra site oidc dailynews --issuer https://id.example
    --client-id rostra --client-secret - --name "Example ID"`
    """
    settings = settings_from(config, database_url=database)
    actor = "cli"
    if off:
        with_services(settings, lambda services: _oidc(services).disable(name, actor))
        typer.echo(f"Site {name!r} no longer offers sign-in with a provider.")
        return
    if not issuer or not client_id or client_secret is None:
        raise fail("Give --issuer, --client-id and --client-secret (or --off).", 2)
    from_stdin = client_secret == "-"  # noqa: S105 - "-" means stdin, not a password
    secret = sys.stdin.readline().strip() if from_stdin else client_secret
    with_services(
        settings,
        lambda services: _oidc(services).configure(name, issuer, client_id, secret, label, actor),
    )
    typer.echo(f"Site {name!r} offers 'Sign in with {label}' ({issuer}).")


def _oidc(services: Services) -> OidcService:
    if services.oidc is None:  # pragma: no cover - a wiring bug
        raise RuntimeError("OidcService is not wired")
    return services.oidc
