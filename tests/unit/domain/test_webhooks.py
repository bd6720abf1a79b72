"""The rules of webhook destinations and signatures, alone."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

import pytest

from rostra.domain.errors import ValidationError
from rostra.domain.webhooks import (
    UnsafeDestinationError,
    check_addresses,
    forbidden_address,
    retry_delay,
    sign,
    validate_events,
    validate_url,
)

INSIDE = [
    "127.0.0.1", "10.2.3.4", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1",
    "0.0.0.0",  # noqa: S104 - an address refused, never bound
    "::1", "fe80::1%eth0", "fc00::1", "::ffff:127.0.0.1", "224.0.0.1", "::",
]  # fmt: skip


@pytest.mark.parametrize("address", INSIDE)
def test_inside_addresses_are_forbidden(address: str) -> None:
    assert forbidden_address(address)


@pytest.mark.parametrize("address", ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"])
def test_public_addresses_are_allowed(address: str) -> None:
    assert not forbidden_address(address)


def test_one_inside_address_among_public_ones_refuses_the_host() -> None:
    with pytest.raises(UnsafeDestinationError, match=r"10\.0\.0\.1"):
        check_addresses("mixed.example", ["93.184.215.14", "10.0.0.1"], allow_private=False)
    with pytest.raises(UnsafeDestinationError, match="does not resolve"):
        check_addresses("nowhere.example", [], allow_private=True)
    check_addresses("inside.example", ["10.0.0.1"], allow_private=True)


def test_the_signature_is_stripes_scheme() -> None:
    header = sign("whsec_x", 1700000000, b'{"a":1}')
    expected = hmac.new(b"whsec_x", b'1700000000.{"a":1}', hashlib.sha256).hexdigest()
    assert header == f"t=1700000000,v1={expected}"


def test_backoff_doubles_from_thirty_seconds_up_to_an_hour() -> None:
    assert [retry_delay(n) for n in (1, 2, 3)] == [
        timedelta(seconds=30),
        timedelta(minutes=1),
        timedelta(minutes=2),
    ]
    assert retry_delay(40) == timedelta(hours=1)


@pytest.mark.parametrize(
    ("url", "words"),
    [("ftp://x.example/", "https://"), ("https:///nohost", "host"),
     ("https://x.example/#frag", "fragment"), ("https://x.example/a b", "spaces"),
     ("https://x.example:99999/", "valid URL")],
)  # fmt: skip
def test_bad_urls_are_named(url: str, words: str) -> None:
    with pytest.raises(ValidationError, match=words) as caught:
        validate_url(url, allow_private=False)
    assert caught.value.field == "url"


def test_http_only_where_private_destinations_are_allowed() -> None:
    assert validate_url("http://127.0.0.1:8000/x", allow_private=True)
    assert validate_events(["report.created", "comment.created"]) == (
        "comment.created",
        "report.created",
    )
