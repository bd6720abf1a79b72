"""``rostra webhook``: endpoints from the real command line, a test event to a real receiver
(in this process, tests.cli.test_cli.Cli, but for the unknown endpoint)."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator

import pytest

from tests.cli.test_cli import Cli
from tests.webhook_receiver import Receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    yield receiver
    receiver.stop()


@pytest.fixture
def cli(news_cli: Cli) -> Cli:
    news_cli.env["ROSTRA_WEBHOOKS_ALLOW_PRIVATE"] = "true"  # the receiver is on loopback
    return news_cli


def added(cli: Cli, url: str) -> tuple[str, str]:
    result = cli("webhook", "add", "news", url, "--event", "report.created",
                 "--description", "Newsroom bot")  # fmt: skip
    assert result.returncode == 0, result.stderr
    secret = result.stdout.split("shown once; keep it in the receiver): ")[1].strip()
    assert secret.startswith("whsec_")
    return result.stdout.split("\t")[0], secret


def test_add_list_and_remove(cli: Cli, receiver: Receiver) -> None:
    endpoint_id, secret = added(cli, receiver.url())
    listed = cli("webhook", "list", "news")
    assert listed.returncode == 0, listed.stderr
    assert f"{endpoint_id}\tnews\t{receiver.url()}\treport.created\tNewsroom bot" in listed.stdout
    assert secret not in listed.stdout
    removed = cli("webhook", "remove", endpoint_id)
    assert removed.returncode == 0, removed.stderr
    assert f"Removed {receiver.url()} (news)." in removed.stdout


def test_an_unknown_endpoint_is_named(cli: Cli) -> None:
    for command in ("remove", "test"):
        result = cli.process("webhook", command, "no-such-endpoint")
        assert result.returncode == 1
        assert "There is no such webhook endpoint." in result.stderr


def test_a_test_event_reaches_the_receiver_signed(cli: Cli, receiver: Receiver) -> None:
    endpoint_id, secret = added(cli, receiver.url())
    down = cli("webhook", "test", endpoint_id)  # nobody listens yet
    assert down.returncode == 1
    assert "pending (no answer)" in down.stdout

    receiver.start()
    sent = cli("webhook", "test", endpoint_id)
    assert sent.returncode == 0, sent.stdout + sent.stderr
    assert "sent (HTTP 200)" in sent.stdout
    [request] = receiver.answered(200)
    assert json.loads(request.body)["type"] == "webhook.test"
    fields = dict(part.split("=", 1) for part in request.headers["rostra-signature"].split(","))
    mac = hmac.new(secret.encode(), f"{fields['t']}.".encode() + request.body, hashlib.sha256)
    assert mac.hexdigest() == fields["v1"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["news", "https://127.0.0.1/hook"], "private, loopback or link-local"),
        (["news", "http://hooks.example/"], "must start with https://"),
        (["news", "https://93.184.215.14/", "--event", "comment.eaten"], "Unknown event"),
        (["nosuch", "https://93.184.215.14/"], "There is no site called 'nosuch'"),
    ],
)
def test_bad_endpoints_exit_with_a_message(cli: Cli, args: list[str], message: str) -> None:
    del cli.env["ROSTRA_WEBHOOKS_ALLOW_PRIVATE"]
    result = cli("webhook", "add", *args)
    assert result.returncode == 1
    assert message in result.stderr
