"""``rostra dsa export`` as people run it: the CSV, its bounds, and clear errors (the refusals
in this process, tests.cli.test_cli.Cli)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from rostra.bootstrap import build_services
from rostra.config import Settings
from rostra.services.callers import Caller
from rostra.services.comments import CommentDraft
from rostra.services.dsa import NoticeForm
from tests.cli.test_cli import Cli
from tests.conftest import SECRET_KEY


@pytest.fixture
async def cli_with_notice(news_cli: Cli) -> tuple[Cli, str]:
    """A site with one comment and one notice about it; the notice's reference."""
    cli = news_cli
    settings = Settings(
        database_url=f"sqlite:///{cli.database}", secret_key=SECRET_KEY, rate_limits=False
    )
    services = build_services(settings)
    try:
        posted = await services.comments.post_comment(
            CommentDraft("news", "/a/", "Good to see this.", "Ann"), Caller(ip="192.0.2.1")
        )
        assert services.dsa is not None
        ack = await services.dsa.submit(
            NoticeForm(
                posted.comment.id,
                "privacy_violation",
                "It shows my phone number.",
                "Gil",
                "gil@example.org",
                True,
            ),
            Caller(ip="192.0.2.2"),
        )
    finally:
        for hook in services.on_shutdown:
            await hook()
    return cli, ack.notice.id


async def test_export_writes_the_notices_of_the_period(
    cli_with_notice: tuple[Cli, str], tmp_path: Path
) -> None:
    cli, reference = cli_with_notice
    result = cli.process("dsa", "export", "--site", "news")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["reference"], r["category"], r["status"]) for r in rows] == [
        (reference, "privacy_violation", "open")
    ]
    assert "gil" not in result.stdout.lower()
    target = tmp_path / "out.csv"
    written = cli.process("dsa", "export", "--to", "2000-01-01", "-o", str(target))
    assert written.returncode == 0, written.stderr
    assert "Wrote 0 records" in written.stderr
    assert target.read_text().startswith("reference,site,")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "last week"], "'from' must be a date"),
        (["--from", "2026-02-01", "--to", "2026-01-01"], "'from' must be before 'to'"),
        (["--site", "nowhere"], "There is no site called 'nowhere'"),
    ],
)
async def test_export_refuses_bad_bounds_with_a_message(
    cli_with_notice: tuple[Cli, str], args: list[str], message: str
) -> None:
    cli, _ = cli_with_notice
    result = cli("dsa", "export", *args)
    assert result.returncode != 0
    assert message in result.stderr
    assert result.stdout == ""
