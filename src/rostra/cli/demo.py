"""``rostra demo``: an article page with a living comment section, on a throwaway database."""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import typer

from rostra.bootstrap import build_services, run_blocking
from rostra.cli.common import migrate_database, settings_from
from rostra.cli.serve import run_server
from rostra.domain.campaigns import draft_from_text
from rostra.domain.moderation import ModerationSettings
from rostra.domain.staff import Role, StaffUser
from rostra.services.callers import Caller
from rostra.services.comments import CommentDraft
from rostra.services.demo import DemoKit, DemoPaymentDesk
from rostra.services.registry import Services

SITE = "demo"
ARTICLE = "/2026/11/river-bridge-reopens"
ARTICLE_TITLE = "Old Mill Bridge reopens after two years of repairs"

# (key, parent key, author, minutes ago, body, votes up, votes down)
THREAD: list[tuple[str, str | None, str, int, str, int, int]] = [
    (
        "a",
        None,
        "Marta Kowalczyk",
        300,
        "Finally! I used to cycle across every morning. The detour through the ring road added "
        "**twenty minutes** each way.",
        14,
        1,
    ),
    (
        "b",
        "a",
        "Dev Raman",
        280,
        "Same here. Does anyone know if the new cycle lane is separated from traffic?",
        3,
        0,
    ),
    (
        "c",
        "b",
        "Marta Kowalczyk",
        270,
        "It is: there's a kerb between the lane and the road, and the lane is 2 m wide.",
        6,
        0,
    ),
    (
        "d",
        None,
        "Tomasz Bell",
        240,
        "Two years and *how much* over budget? The article says 18% but the council's own "
        "report ([PDF](https://example.org/report.pdf)) says closer to 30%.",
        9,
        4,
    ),
    (
        "e",
        "d",
        "Aisha Noor",
        220,
        "The 18% is against the revised budget from 2025; the 30% is against the original "
        "2024 estimate. Both numbers are in the report, page 12.",
        11,
        0,
    ),
    ("f", "e", "Tomasz Bell", 200, "Fair point, thanks for checking.", 4, 0),
    (
        "g",
        None,
        "Lena Fischer",
        150,
        "The old stone parapets were kept, which I didn't expect. It looks lovely at dusk.",
        7,
        0,
    ),
    (
        "h",
        None,
        "Sam Okafor",
        90,
        "Will the weight limit for lorries stay? The article doesn't say.",
        2,
        0,
    ),
    (
        "i",
        "h",
        "Rostra Newsroom",
        80,
        "Good question: yes, the 7.5-tonne limit stays. We've added it to the article.",
        5,
        0,
    ),
    (
        "j",
        None,
        "Grace Liu",
        30,
        "> The bridge will be lit from the river side.\n\nHope the lights are warm white "
        "and not those blue LEDs.",
        1,
        0,
    ),
]
DEMO_MODERATOR = "moderator@demo.example"
STAFF_AUTHORS = frozenset({"Rostra Newsroom"})
OTHER_PAGES = {"/2026/11/council-budget-vote": 4, "/2026/11/library-late-hours": 2}
# Inline feedback: (author, minutes ago, body, anchor) on passages of demo.html's article.
INLINE: list[tuple[str, int, str, dict[str, str]]] = [
    (
        "Aisha Noor",
        120,
        "Worth adding that the original 2024 estimate was lower still.",
        {
            "exact": "18% over the revised budget set in 2025",
            "prefix": "The repairs ran ",
            "suffix": ", bringing the final bill to",
        },
    ),
    (
        "Dev Raman",
        60,
        "Rode it this morning: the kerb makes a real difference.",
        {
            "exact": "A two-metre lane now runs along the upstream side",
            "prefix": "Cyclists get the biggest change. ",
            "suffix": ", separated",
        },
    ),
    (
        "Lena Fischer",
        45,
        "Good to hear the stone is local.",
        {"exact": "We kept every stone we could.", "passage": "lyle-quote"},
    ),
]


# Reader support: bank transfers entered by the newsroom, (amount, public name or None).
DONATIONS: list[tuple[str, str | None]] = [
    ("1250.00", None),
    ("500.00", "Marta Kowalczyk"),
    ("75.00", None),
    ("35.00", "Dev Raman"),
]


async def _seed_campaign(services: Services, now: datetime) -> None:
    if services.campaigns is None:
        return
    seeder = StaffUser(id=0, email="demo seed", role=Role.ADMIN, created_at=now)
    campaign = await services.campaigns.create_campaign(
        seeder,
        SITE,
        draft_from_text(
            goal="5000",
            currency_code="GBP",  # the Gazette writes in pounds
            milestones=["1000", "2500", "5000"],
            preset_amounts=["10", "25", "50"],
            title="Keep the Gazette free to read for everyone",
            thank_you="Thank you! Your support keeps local reporting free for every reader.",
        ),
    )
    for amount, name in DONATIONS:
        await services.campaigns.record_manual_donation(
            seeder, campaign.id, amount, donor_name=name, note="demo"
        )


@dataclass
class _SteppingClock:
    """Replays the demo thread's history: each comment at its own time in the past."""

    moment: datetime

    def now(self) -> datetime:
        return self.moment


def demo(
    port: int = typer.Option(8080, min=1, max=65535, help="TCP port."),
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    data_dir: Path | None = typer.Option(
        None,
        "--data-dir",
        help="Folder for the demo database (default: a new temporary folder). "
        "Any earlier demo database in it is replaced.",
        file_okay=False,
    ),
) -> None:
    """Run a demo: an article page at http://127.0.0.1:PORT/ with comments you can join.

    The database is a fresh SQLite file seeded with a discussion; nothing persists between runs.

    Example: `rostra demo --port 8000 --data-dir /tmp/rostra-demo`
    """
    folder = data_dir or Path(tempfile.mkdtemp(prefix="rostra-demo-"))
    folder.mkdir(parents=True, exist_ok=True)
    database = folder / "demo.db"
    for leftover in folder.glob("demo.db*"):
        leftover.unlink()
    url = f"sqlite:///{database}"
    mail_folder = folder / "mail"
    shutil.rmtree(mail_folder, ignore_errors=True)
    base = settings_from(None, database_url=url, demo=True)
    address = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104 - naming, not binding
    public_url = (base.public_url or f"http://{address}:{port}").rstrip("/")
    sink = None
    if not base.smtp_url:
        # The demo catches its own mail, so "Notify me" and sign-in links work with no mail
        # server; with ROSTRA_SMTP_URL set, it sends through that server instead.
        from rostra.notify.sink import MailSink  # aiosmtpd: only this command needs it

        sink = MailSink(mail_folder, avoid=frozenset({port}))
        sink.start()
    settings = base.with_overrides(
        smtp_url=sink.url if sink else None,
        mail_from=None if base.mail_from else "newsroom@gazette.demo",
        public_url=public_url,
    )
    if "ROSTRA_NOTIFY_BATCH_MINUTES" not in os.environ:
        # Mail within seconds of a comment, not after a quarter-hour digest wait.
        settings = settings.with_overrides(notify_batch_minutes=1, notify_poll_seconds=1)
    kit = DemoKit(payments=DemoPaymentDesk(public_url), mail_folder=mail_folder)
    migrate_database(url)
    clock = _SteppingClock(datetime.now(UTC))
    # The seed replays a whole discussion in a moment: rate limits would stop it.
    services = build_services(settings.with_overrides(rate_limits=False), clock=clock, demo=kit)
    staff_password = secrets.token_urlsafe(12)
    try:
        run_blocking(_seed(services, clock, port, staff_password))
        typer.secho(f"\n  Rostra demo: {public_url}/", fg=typer.colors.GREEN, bold=True)
        typer.echo(f"  Database: {database}")
        if sink is not None:
            typer.echo(f"  Mail the demo sent: {public_url}/demo/mail")
        typer.echo(f"  Moderator dashboard: {public_url}/admin")
        typer.echo(f"  Moderator email: {DEMO_MODERATOR}")
        typer.echo(f"  Moderator password: {staff_password}\n")
        run_server(settings, host=host, port=port, demo=kit)
    finally:
        if sink is not None:
            sink.stop()


async def _seed(
    services: Services, clock: _SteppingClock, port: int, staff_password: str | None = None
) -> None:
    origins = [f"http://127.0.0.1:{port}", f"http://localhost:{port}"]
    try:
        await services.sites.add_site(SITE, origins, "Rostra Gazette")
        # Visitors try the demo with a quick "hello": the minimum-time rule would send it to a
        # queue nobody watches. Every other screening rule stays on.
        await services.sites.update_moderation(SITE, ModerationSettings(min_seconds_to_submit=0))
        start = clock.moment
        ids: dict[str, str] = {}
        for key, parent, author, minutes_ago, body, up, down in THREAD:
            clock.moment = start - timedelta(minutes=minutes_ago)
            posted = await services.comments.post_comment(
                CommentDraft(
                    SITE, ARTICLE, body, author, ARTICLE_TITLE, parent_id=ids.get(parent or "")
                ),
                Caller(staff=author in STAFF_AUTHORS),  # the newsroom's reply wears the badge
            )
            ids[key] = posted.comment.id
            for n in range(up + down):
                value = 1 if n < up else -1
                await services.votes.cast_vote(posted.comment.id, value, Caller(voter=f"v:demo{n}"))
        for author, minutes_ago, body, anchor in INLINE:
            clock.moment = start - timedelta(minutes=minutes_ago)
            await services.comments.post_comment(
                CommentDraft(SITE, ARTICLE, body, author, ARTICLE_TITLE, anchor=anchor), Caller()
            )
        for page, count in OTHER_PAGES.items():
            for n in range(count):
                clock.moment = start - timedelta(hours=n + 1)
                await services.comments.post_comment(
                    CommentDraft(SITE, page, f"Comment {n + 1} on this story.", "Demo Reader"),
                    Caller(),
                )
        clock.moment = start
        await _seed_campaign(services, start)  # the support widget's campaign
        if services.accounts is not None:  # sign-in links by email, caught on /demo/mail
            await services.accounts.set_email_sign_in(SITE, True, "demo seed")
        if staff_password and services.staff is not None:  # the dashboard's demo account (#5)
            await services.staff.add_user(DEMO_MODERATOR, "moderator", staff_password)
    finally:
        for hook in services.on_shutdown:
            await hook()
