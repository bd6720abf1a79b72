"""Single sign-on tokens and reader sign-in for the account tests."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

import httpx
import jwt

from rostra.services.registry import Services

HS_SECRET = "the-news-example-sso-secret-of-32-chars-or-more"
OTHER_SECRET = "the-other-example-sso-secret-of-32-chars-or-more"


def claims(now: datetime, **overrides: Any) -> dict[str, Any]:
    """Valid claims for a reader of site "news", five minutes to live; ``None`` drops a claim."""
    values: dict[str, Any] = {
        "sub": "reader-42",
        "name": "Zebulon Quixote",
        "email": "zebulon.q7731@mail.example",
        "avatar": "https://news.example/avatars/42.png",
        "aud": "news",
        "exp": int(now.timestamp()) + 300,
        "iat": int(now.timestamp()),
        "jti": secrets.token_hex(8),
    }
    values.update(overrides)
    return {key: value for key, value in values.items() if value is not None}


def mint(now: datetime, key: Any = HS_SECRET, algorithm: str = "HS256", **overrides: Any) -> str:
    """A token signed as a publisher would sign it."""
    return jwt.encode(claims(now, **overrides), key, algorithm=algorithm)


async def enable_sso(services: Services, site: str = "news", secret: str = HS_SECRET) -> None:
    """Let ``site`` sign readers in with HS256 tokens under ``secret``."""
    assert services.accounts is not None
    await services.accounts.configure_sso(site, "HS256", secret, actor="test")


async def sign_in(client: httpx.AsyncClient, token: str, site: str = "news") -> dict[str, Any]:
    """Sign ``client`` in with ``token``; sets the CSRF header for later requests."""
    response = await client.post("/api/v1/auth/sso", json={"site": site, "token": token})
    assert response.status_code == 200, response.text
    session: dict[str, Any] = response.json()
    client.headers["X-CSRF-Token"] = session["csrf_token"]
    return session
