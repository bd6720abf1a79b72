"""Sites: their names, and the origins allowed to embed them, in the form browsers send."""

from __future__ import annotations

import pytest

from rostra.domain.errors import ValidationError
from rostra.domain.sites import Site, normalize_origin, validate_site_name


@pytest.mark.parametrize(
    ("origin", "normal"),
    [
        ("https://news.example", "https://news.example"),
        ("HTTPS://News.EXAMPLE", "https://news.example"),
        ("https://news.example/", "https://news.example"),
        ("  https://news.example  ", "https://news.example"),
        ("https://news.example:443", "https://news.example"),
        ("http://news.example:80", "http://news.example"),
        ("https://news.example:8443", "https://news.example:8443"),
        ("http://news.example:443", "http://news.example:443"),
        ("https://news.example:80", "https://news.example:80"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("http://[::1]:8080", "http://[::1]:8080"),
        ("https://[2001:DB8::1]:443/", "https://[2001:db8::1]"),
        ("https://xn--bcher-kva.example", "https://xn--bcher-kva.example"),
    ],
)
def test_origin_is_normalized_to_what_browsers_send(origin: str, normal: str) -> None:
    assert normalize_origin(origin) == normal


@pytest.mark.parametrize(
    "origin",
    [
        "",
        "news.example",
        "not a url",
        "ftp://news.example",
        "javascript:alert(1)",
        "https://",
        "https:///path",
        "https://news.example/path",
        "https://news.example/?q=1",
        "https://news.example/#top",
        "https://user@news.example",
        "https://user:pw@news.example",
        "https://news.example:99999",
        "https://news.example:port",
        "http://[::1",
        "null",
    ],
)
def test_malformed_origin_is_refused(origin: str) -> None:
    with pytest.raises(ValidationError) as caught:
        normalize_origin(origin)
    assert caught.value.field == "origin"


@pytest.mark.parametrize("origin", ["not a url", "https://news.example/path", "null"])
def test_malformed_origin_comes_back_unchanged_when_not_strict(origin: str) -> None:
    assert normalize_origin(origin, strict=False) == origin


def test_site_allows_its_origins_as_browsers_spell_them() -> None:
    site = Site("news", ("https://news.example", "http://[::1]:8080"))
    assert site.allows_origin("https://news.example")
    assert site.allows_origin("https://NEWS.example:443")
    assert site.allows_origin("http://[::1]:8080")


@pytest.mark.parametrize(
    "origin",
    [
        "http://news.example",
        "https://news.example:8443",
        "https://evil.news.example",
        "https://news.example.evil.example",
        "null",
        "",
        "http://[::1",
    ],
)
def test_site_refuses_other_origins_without_raising(origin: str) -> None:
    site = Site("news", ("https://news.example",))
    assert site.allows_origin(origin) is False


@pytest.mark.parametrize("name", ["news", "a", "9", "daily-news_2", "x" * 63])
def test_valid_site_names_are_accepted(name: str) -> None:
    assert validate_site_name(name) == name


@pytest.mark.parametrize(
    "name",
    [
        "",
        "News",
        "-news",
        "_news",
        "daily news",
        "news!",
        "news.example",
        "x" * 64,
        "nèws",
        "news\n",
        "\nnews",
    ],
)
def test_invalid_site_names_are_refused(name: str) -> None:
    with pytest.raises(ValidationError) as caught:
        validate_site_name(name)
    assert caught.value.field == "site"
