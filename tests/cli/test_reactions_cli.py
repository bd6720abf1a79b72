"""``rostra site reactions``: show, choose, turn off and restore a site's reactions, from the
real command line (in this process, tests.cli.test_cli.Cli, once through a process's stdout)."""

from __future__ import annotations

import pytest

from tests.cli.test_cli import Cli


@pytest.fixture
def cli(news_cli: Cli) -> Cli:
    return news_cli


def test_a_site_shows_chooses_and_restores_its_reactions(cli: Cli) -> None:
    shown = cli.process("site", "reactions", "news")  # the emoji through a real stdout
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.strip() == "👍 ❤️ 😂 😮 😢 😡"
    chosen = cli("site", "reactions", "news", "Agree", "Well sourced", "👍")
    assert chosen.returncode == 0, chosen.stderr
    assert chosen.stdout.strip() == "Site 'news' offers reactions: Agree Well sourced 👍"
    off = cli("site", "reactions", "news", "--off")
    assert off.returncode == 0, off.stderr
    assert off.stdout.strip() == "Site 'news' offers reactions: none (reactions are off)"
    back = cli("site", "reactions", "news", "--default")
    assert back.returncode == 0, back.stderr
    assert back.stdout.strip() == "Site 'news' offers reactions: 👍 ❤️ 😂 😮 😢 😡"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["news", "👍", "👍"], "listed twice"),
        (["news", *[str(n) for n in range(9)]], "at most 8"),
        (["news", "x" * 25], "1-24 characters"),
        (["news", "--off", "👍"], "one of them"),
        (["nowhere", "👍"], "no site called"),
        (["nowhere"], "no site called"),
    ],
)
def test_bad_choices_are_refused_and_change_nothing(
    cli: Cli, args: list[str], message: str
) -> None:
    refused = cli("site", "reactions", *args)
    assert refused.returncode != 0
    assert message in refused.stderr
    assert cli("site", "reactions", "news").stdout.strip() == "👍 ❤️ 😂 😮 😢 😡"
