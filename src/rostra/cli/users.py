"""``rostra user``: staff accounts for the moderator dashboard."""

from __future__ import annotations

import json
import secrets
import sys
from pathlib import Path

import typer

from rostra.cli.common import (
    CONFIG_OPTION,
    DATABASE_OPTION,
    fail,
    reported_errors,
    settings_from,
    with_services,
)
from rostra.domain.staff import validate_password
from rostra.services.accounts import AccountService
from rostra.services.registry import Services
from rostra.services.staff import StaffService

app = typer.Typer(
    help="Staff accounts (moderators and admins) who sign in at /admin.\n\n"
    "Example: `rostra user add editor@example.org --role admin`",
    no_args_is_help=True,
)


def _staff(services: Services) -> StaffService:
    if services.staff is None:  # pragma: no cover - a wiring bug
        raise RuntimeError("StaffService is not wired")
    return services.staff


def _password(from_stdin: bool) -> tuple[str, bool]:
    """The password and whether we generated it (to print it once)."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n"), False
    if sys.stdin.isatty():
        password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
        return password, False
    return secrets.token_urlsafe(18), True


@app.command("add")
def add(
    email: str = typer.Argument(..., help="The staff member's email; it is their sign-in name."),
    role: str = typer.Option(
        ..., "--role", help="moderator (decides on comments) or admin (also changes settings)."
    ),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from the first line of stdin."
    ),
    database: str | None = DATABASE_OPTION,
    config: Path | None = CONFIG_OPTION,
) -> None:
    """Create a staff account. Asks for the password (twice) on a terminal; otherwise generates
    one and prints it, unless `--password-stdin` gives it.

    Example: `rostra user add mod@example.org --role moderator --password-stdin < pw.txt`
    """
    settings = settings_from(config, database_url=database)
    if role not in ("moderator", "admin"):
        raise fail("The role is 'moderator' or 'admin'.", 2)
    password, generated = _password(password_stdin)
    with reported_errors():
        validate_password(password)
    user = with_services(
        settings, lambda services: _staff(services).add_user(email, role, password)
    )
    typer.echo(f"Added {user.role} {user.email}")
    if generated:
        typer.echo(f"Password: {password}")


@app.command("list")
def list_users(
    database: str | None = DATABASE_OPTION,
    config: Path | None = CONFIG_OPTION,
) -> None:
    """List staff accounts: email, role, second factor, disabled."""
    settings = settings_from(config, database_url=database)
    users = with_services(settings, lambda services: _staff(services).list_users())
    if not users:
        typer.echo("No staff accounts yet. Add one with: rostra user add EMAIL --role admin")
    for user in users:
        flags = ["totp" if user.has_totp else "", "disabled" if user.disabled else ""]
        typer.echo("\t".join([user.email, user.role.value, *[f for f in flags if f]]))


@app.command("totp")
def totp(
    email: str = typer.Argument(..., help="The staff member's email."),
    database: str | None = DATABASE_OPTION,
    config: Path | None = CONFIG_OPTION,
) -> None:
    """Turn on the TOTP second factor (replacing any earlier secret) and print the
    provisioning URI to scan with an authenticator app."""
    settings = settings_from(config, database_url=database)
    uri = with_services(settings, lambda services: _staff(services).enable_totp(email))
    typer.echo(uri)


@app.command("disable")
def disable(
    email: str = typer.Argument(..., help="The staff member's email."),
    enable: bool = typer.Option(False, "--enable", help="Re-enable instead."),
    database: str | None = DATABASE_OPTION,
    config: Path | None = CONFIG_OPTION,
) -> None:
    """Disable an account and end its sessions at once (or `--enable` it again)."""
    settings = settings_from(config, database_url=database)
    user = with_services(
        settings, lambda services: _staff(services).set_disabled(email, not enable)
    )
    typer.echo(f"{user.email} is {'disabled' if user.disabled else 'enabled'}")


# Reader accounts, on a reader's request (data rights).
def _accounts(services: Services) -> AccountService:
    if services.accounts is None:  # pragma: no cover - a wiring bug
        raise RuntimeError("AccountService is not wired")
    return services.accounts


SITE_OPTION = typer.Option(None, "--site", help="Only the account on this site.")


@app.command("export")
def export_reader(
    email: str = typer.Argument(..., help="The reader's email address."),
    site: str | None = SITE_OPTION,
    database: str | None = DATABASE_OPTION,
    config: Path | None = CONFIG_OPTION,
) -> None:
    """Print everything stored about a reader account as JSON (a subject access request).

    Example: `rostra user export reader@example.org --site dailynews > reader.json`
    """
    settings = settings_from(config, database_url=database)

    async def run(services: Services) -> list[dict[str, object]]:
        accounts = _accounts(services)
        return [await accounts.export(found) for found in await accounts.find_accounts(email, site)]

    exported = with_services(settings, run)
    if not exported:
        raise fail(f"There is no reader account for {email}.", 1)
    typer.echo(json.dumps(exported if len(exported) > 1 else exported[0], indent=2))


@app.command("forget")
def forget_reader(
    email: str = typer.Argument(..., help="The reader's email address."),
    site: str | None = SITE_OPTION,
    yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation."),
    actor: str = typer.Option("cli", "--by", help="Who acts, for the audit log."),
    database: str | None = DATABASE_OPTION,
    config: Path | None = CONFIG_OPTION,
) -> None:
    """Delete a reader account and its personal data (the reader asked for it). Their comments
    are removed or anonymized as each site's deletion policy says; replies keep their place.

    Example: `rostra user forget reader@example.org --site dailynews --yes`
    """
    settings = settings_from(config, database_url=database)
    found = with_services(settings, lambda services: _accounts(services).find_accounts(email, site))
    if not found:
        raise fail(f"There is no reader account for {email}.", 1)
    names = ", ".join(f"{reader.name} on {reader.site}" for reader in found)
    if not yes and not typer.confirm(f"Delete {len(found)} account(s): {names}?"):
        raise typer.Exit(1)

    async def run(services: Services) -> list[str]:
        lines = []
        for reader in found:
            report = await _accounts(services).forget(reader.id, actor)
            lines.append(
                f"Deleted the account on {reader.site}: {report.comments_removed} comments "
                f"removed, {report.comments_anonymized} anonymized, {report.votes_unlinked} "
                f"votes unlinked, {report.addresses_forgotten} subscriptions deleted."
            )
        return lines

    for line in with_services(settings, run):
        typer.echo(line)
