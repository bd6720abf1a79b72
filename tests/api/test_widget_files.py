"""The widget's files: the loader and its modules, minified, gzipped for browsers that accept it."""

from __future__ import annotations

import gzip
from importlib import resources

import httpx
import pytest
import rjsmin


def source(name: str) -> str:
    return resources.files("rostra.widget").joinpath(f"{name}.js").read_text(encoding="utf-8")


def shipped(name: str) -> bytes:
    """The module as readers get it: the source without comments and indentation."""
    return rjsmin.jsmin(source(name)).encode()


def test_the_served_module_is_the_source_minified() -> None:
    text = source("thread")
    assert "\n  //" in text and "\n  //" not in shipped("thread").decode()
    assert len(shipped("thread")) < len(text.encode()) * 0.9


@pytest.mark.parametrize(
    ("path", "name"), [("/widget.js", "widget"), ("/widget/thread.js", "thread")]
)
async def test_widget_files_are_gzipped_when_the_browser_accepts_it(
    client: httpx.AsyncClient, path: str, name: str
) -> None:
    response = await client.get(path, headers={"Accept-Encoding": "gzip, br"})
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["vary"] == "Accept-Encoding"
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.content == shipped(name)  # httpx decoded the gzip body
    assert int(response.headers["content-length"]) < len(shipped(name)) / 2


async def test_widget_files_are_plain_for_clients_without_gzip(client: httpx.AsyncClient) -> None:
    response = await client.get("/widget/thread.js", headers={"Accept-Encoding": "identity"})
    assert response.status_code == 200
    assert "content-encoding" not in response.headers
    assert response.content == shipped("thread")
    assert not response.content.startswith(gzip.compress(b"")[:2])


@pytest.mark.parametrize("name", ["nothing.js", "Thread.js", "a" * 60 + ".js"])
async def test_unknown_or_malformed_module_names_are_not_found(
    client: httpx.AsyncClient, name: str
) -> None:
    response = await client.get(f"/widget/{name}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


async def test_an_encoded_slash_in_a_module_name_is_refused(client: httpx.AsyncClient) -> None:
    # Refused before routing, as every non-canonical path is.
    response = await client.get("/widget/..%2Fapp.js")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "path_not_canonical"
