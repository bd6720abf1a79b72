"""``rostra campaign``: reader-support campaigns and donations entered by hand."""

from __future__ import annotations

from pathlib import Path

import typer

from rostra.cli.common import CONFIG_OPTION, DATABASE_OPTION, settings_from, with_services
from rostra.domain.campaigns import Campaign, CampaignTotals, draft_from_text, format_money
from rostra.services.campaigns import CampaignService
from rostra.services.registry import Services

app = typer.Typer(
    help="Reader-support campaigns: a goal, milestones and preset amounts per site, and "
    "donations that arrived outside Stripe (bank transfers).\n\n"
    "Example: `rostra campaign create dailynews --goal 5000 --currency USD --milestone 2500 "
    "--by admin@dailynews.example`",
    no_args_is_help=True,
)

BY_OPTION = typer.Option(
    ...,
    "--by",
    help="Email of the admin account acting; recorded in the ledger and the audit log.",
)
MILESTONE_OPTION = typer.Option(
    None, "--milestone", help="An amount marked on the bar, e.g. 2500 (repeat for several)."
)
PRESET_OPTION = typer.Option(
    None, "--preset", help="A preset amount button, e.g. 25 (repeat; default 10, 25, 50)."
)
STARTS_OPTION = typer.Option(None, "--starts", help="Start, RFC 3339 (default: now).")
ENDS_OPTION = typer.Option(None, "--ends", help="End, RFC 3339 (default: open-ended).")


def _campaigns(services: Services) -> CampaignService:
    if services.campaigns is None:  # pragma: no cover - a wiring bug
        raise RuntimeError("CampaignService is not wired")
    return services.campaigns


def _line(campaign: Campaign, totals: CampaignTotals | None = None) -> str:
    money = campaign.currency
    raised = f"{format_money(totals.raised, money)} of " if totals is not None else ""
    title = f"\t{campaign.title}" if campaign.title else ""
    return (
        f"{campaign.id}\t{campaign.site}\t{raised}{format_money(campaign.goal, money)} "
        f"{money.code}{title}"
    )


@app.command("create")
def create(
    site: str = typer.Argument(..., help="The site's name."),
    goal: str = typer.Option(..., "--goal", help="The goal, a decimal amount, e.g. 5000."),
    currency: str = typer.Option("USD", "--currency", help="ISO 4217 code; fixed once created."),
    milestone: list[str] | None = MILESTONE_OPTION,
    preset: list[str] | None = PRESET_OPTION,
    title: str = typer.Option("", "--title", help="Shown above the bar."),
    thank_you: str = typer.Option("", "--thank-you", help="Shown to readers after they give."),
    starts: str | None = STARTS_OPTION,
    ends: str | None = ENDS_OPTION,
    by: str = BY_OPTION,
    database: str | None = DATABASE_OPTION,
    config: Path | None = CONFIG_OPTION,
) -> None:
    """Start a campaign; the newest started campaign is the one the support widget shows."""
    settings = settings_from(config, database_url=database)

    async def action(services: Services) -> Campaign:
        campaigns = _campaigns(services)
        draft = draft_from_text(
            goal=goal,
            currency_code=currency,
            milestones=milestone or (),
            preset_amounts=preset or (),
            title=title,
            starts_at=starts,
            ends_at=ends,
            thank_you=thank_you,
        )
        return await campaigns.create_campaign(await campaigns.staff_member(by), site, draft)

    campaign = with_services(settings, action)
    typer.echo(f"Created campaign {_line(campaign)}")


@app.command("update")
def update(
    campaign_id: str = typer.Argument(..., help="The campaign's id (see `rostra campaign list`)."),
    goal: str | None = typer.Option(None, "--goal", help="A new goal."),
    milestone: list[str] | None = MILESTONE_OPTION,
    preset: list[str] | None = PRESET_OPTION,
    title: str | None = typer.Option(None, "--title"),
    thank_you: str | None = typer.Option(None, "--thank-you"),
    starts: str | None = STARTS_OPTION,
    ends: str | None = ENDS_OPTION,
    by: str = BY_OPTION,
    database: str | None = DATABASE_OPTION,
    config: Path | None = CONFIG_OPTION,
) -> None:
    """Change a campaign; options not given keep their values."""
    settings = settings_from(config, database_url=database)

    async def action(services: Services) -> Campaign:
        campaigns = _campaigns(services)
        actor = await campaigns.staff_member(by)
        current = await campaigns.get_campaign(actor, campaign_id)
        money = current.currency
        draft = draft_from_text(
            goal=goal if goal is not None else format_money(current.goal, money),
            currency_code=money.code,
            milestones=milestone or [format_money(m, money) for m in current.milestones],
            preset_amounts=preset or [format_money(p, money) for p in current.preset_amounts],
            title=title if title is not None else current.title,
            starts_at=starts if starts is not None else _iso(current.starts_at),
            ends_at=ends if ends is not None else _iso(current.ends_at),
            thank_you=thank_you if thank_you is not None else current.thank_you,
        )
        return await campaigns.update_campaign(actor, campaign_id, draft)

    campaign = with_services(settings, action)
    typer.echo(f"Updated campaign {_line(campaign)}")


def _iso(moment: object) -> str | None:
    return moment.isoformat() if hasattr(moment, "isoformat") else None


@app.command("list")
def list_campaigns(
    site: str = typer.Argument(..., help="The site's name."),
    by: str = BY_OPTION,
    database: str | None = DATABASE_OPTION,
    config: Path | None = CONFIG_OPTION,
) -> None:
    """A site's campaigns, newest first, with what each has raised."""
    settings = settings_from(config, database_url=database)

    async def action(services: Services) -> list[tuple[Campaign, CampaignTotals]]:
        campaigns = _campaigns(services)
        return await campaigns.list_campaigns(await campaigns.staff_member(by), site)

    found = with_services(settings, action)
    if not found:
        typer.echo(f"No campaigns on {site!r} yet. Start one with: rostra campaign create {site}")
    for campaign, totals in found:
        typer.echo(_line(campaign, totals))


@app.command("donate")
def donate(
    campaign_id: str = typer.Argument(..., help="The campaign's id."),
    amount: str = typer.Argument(..., help="The amount received, e.g. 150.00."),
    name: str | None = typer.Option(
        None, "--name", help="The donor's name, shown only if they agreed to be named."
    ),
    note: str = typer.Option("", "--note", help="For staff: a bank reference, a date."),
    by: str = BY_OPTION,
    database: str | None = DATABASE_OPTION,
    config: Path | None = CONFIG_OPTION,
) -> None:
    """Record a donation that reached you outside Stripe (a bank transfer, a cheque)."""
    settings = settings_from(config, database_url=database)

    async def action(services: Services) -> str:
        campaigns = _campaigns(services)
        actor = await campaigns.staff_member(by)
        donation = await campaigns.record_manual_donation(
            actor, campaign_id, amount, donor_name=name, note=note
        )
        campaign = await campaigns.get_campaign(actor, campaign_id)
        return f"{format_money(donation.amount, campaign.currency)} {campaign.currency.code}"

    recorded = with_services(settings, action)
    typer.echo(f"Recorded {recorded} on campaign {campaign_id}, entered by {by}.")


@app.command("ledger")
def ledger(
    campaign_id: str = typer.Argument(..., help="The campaign's id."),
    limit: int = typer.Option(100, "--limit", help="How many lines, newest first."),
    by: str = BY_OPTION,
    database: str | None = DATABASE_OPTION,
    config: Path | None = CONFIG_OPTION,
) -> None:
    """A campaign's donations: provider, reference, amount, refunded, who entered it."""
    settings = settings_from(config, database_url=database)

    async def action(services: Services) -> list[str]:
        campaigns = _campaigns(services)
        actor = await campaigns.staff_member(by)
        campaign = await campaigns.get_campaign(actor, campaign_id)
        money = campaign.currency
        return [
            "\t".join(
                (
                    d.created_at.strftime("%Y-%m-%d %H:%M"),
                    d.provider,
                    d.reference,
                    format_money(d.amount, money),
                    f"refunded {format_money(d.refunded, money)}" if d.refunded else "",
                    d.entered_by or "",
                    d.note,
                )
            )
            for d in await campaigns.ledger(actor, campaign_id, limit)
        ]

    for line in with_services(settings, action):
        typer.echo(line)
