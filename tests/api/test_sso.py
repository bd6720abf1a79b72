"""Single sign-on from the publisher's site: the token validation matrix over HTTP.

Every refused token gets a 401 with its own code; the publisher's real signing code is PyJWT,
as most publishers' back ends would use it (or its equivalent in their language).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from sqlalchemy.ext.asyncio import create_async_engine

from rostra.config import Settings
from rostra.domain.errors import NotFoundError, ValidationError
from rostra.services.registry import Services
from rostra.storage.database import async_url
from rostra.storage.tables import site_accounts
from rostra.web.app import create_app
from tests.api.account_helpers import HS_SECRET, OTHER_SECRET, claims, enable_sso, mint
from tests.api.helpers import assert_error
from tests.conftest import MovableClock


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def ec_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def public_pem(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


async def sso(client: httpx.AsyncClient, token: str, site: str = "news") -> httpx.Response:
    return await client.post("/api/v1/auth/sso", json={"site": site, "token": token})


def b64(value: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


def unsigned(payload: dict[str, Any]) -> str:
    """An ``alg: none`` token, as an attacker would write it."""
    return f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(payload)}."


async def test_valid_token_signs_the_reader_in_and_creates_the_account(
    client: httpx.AsyncClient, services: Services, clock: MovableClock
) -> None:
    await enable_sso(services)
    response = await sso(client, mint(clock.now()))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["reader"]["name"] == "Zebulon Quixote"
    assert body["reader"]["avatar"] == "https://news.example/avatars/42.png"
    assert body["reader"]["site"] == "news"
    assert len(body["csrf_token"]) >= 32
    assert response.headers["set-cookie"].startswith("rostra_reader=")
    me = await client.get("/api/v1/me")
    assert me.status_code == 200, me.text
    assert me.json()["reader"]["id"] == body["reader"]["id"]
    assert me.json()["csrf_token"] == body["csrf_token"]


async def test_signing_in_again_updates_the_same_account_from_the_token(
    client: httpx.AsyncClient, services: Services, clock: MovableClock
) -> None:
    await enable_sso(services)
    first = (await sso(client, mint(clock.now()))).json()["reader"]
    again = await sso(client, mint(clock.now(), name="Zeb Q.", avatar=None, picture=None))
    assert again.status_code == 200, again.text
    second = again.json()["reader"]
    assert second["id"] == first["id"]
    assert second["name"] == "Zeb Q."
    # Without a picture in the token, the Gravatar-style picture of the address is used.
    assert second["avatar"].startswith("https://www.gravatar.com/avatar/")


async def test_session_cookie_is_cross_site_secure_and_partitioned_over_https(
    services: Services, clock: MovableClock
) -> None:
    await enable_sso(services)
    transport = httpx.ASGITransport(app=create_app(services))  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as client:
        response = await sso(client, mint(clock.now()))
    assert response.status_code == 200, response.text
    attributes = {part.strip().lower() for part in response.headers["set-cookie"].split(";")}
    assert {"secure", "samesite=none", "partitioned", "httponly", "path=/api/"} <= attributes


@pytest.mark.parametrize(
    ("make_token", "code"),
    [
        pytest.param(
            lambda now: mint(now, exp=int(now.timestamp()) - 120), "token_expired", id="expired"
        ),
        pytest.param(
            lambda now: mint(now, exp=int(now.timestamp()) + 3 * 86400),
            "token_lifetime_too_long",
            id="lifetime-too-long",
        ),
        pytest.param(
            lambda now: mint(now, nbf=int(now.timestamp()) + 600),
            "token_not_yet_valid",
            id="not-yet-valid",
        ),
        pytest.param(
            lambda now: mint(now, aud="other"), "token_wrong_audience", id="wrong-audience"
        ),
        pytest.param(lambda now: mint(now, aud=None), "token_claim_missing", id="no-audience"),
        pytest.param(lambda now: mint(now, exp=None), "token_claim_missing", id="no-expiry"),
        pytest.param(lambda now: mint(now, jti=None), "token_claim_missing", id="no-jti"),
        pytest.param(lambda now: mint(now, sub=None), "token_claim_missing", id="no-subject"),
        pytest.param(lambda now: mint(now, name=None), "token_claim_invalid", id="no-name"),
        pytest.param(lambda now: mint(now, name="   "), "token_claim_invalid", id="blank-name"),
        pytest.param(
            lambda now: mint(now, email="not-an-address"), "token_claim_invalid", id="bad-email"
        ),
        pytest.param(
            lambda now: mint(now, avatar="javascript:alert(1)"),
            "token_claim_invalid",
            id="script-avatar",
        ),
        pytest.param(
            lambda now: mint(now, exp="tomorrow"), "token_claim_invalid", id="text-expiry"
        ),
        pytest.param(lambda now: mint(now, key=OTHER_SECRET), "token_invalid", id="other-key"),
        pytest.param(
            lambda now: mint(now, key=HS_SECRET * 2, algorithm="HS512"),
            "token_wrong_algorithm",
            id="hs512",
        ),
        pytest.param(lambda now: unsigned(claims(now)), "token_wrong_algorithm", id="alg-none"),
        pytest.param(lambda now: "not a token", "token_malformed", id="garbage"),
        pytest.param(lambda now: "a.b.c", "token_malformed", id="three-garbage-parts"),
    ],
)
async def test_refused_tokens_get_401_with_the_reason(
    client: httpx.AsyncClient,
    services: Services,
    clock: MovableClock,
    make_token: Callable[[datetime], str],
    code: str,
) -> None:
    await enable_sso(services)
    response = await sso(client, make_token(clock.now()))
    assert_error(response, 401, code)
    assert "set-cookie" not in response.headers
    assert_error(await client.get("/api/v1/me"), 401, "sign_in_required")


async def test_tampered_token_is_refused(
    client: httpx.AsyncClient, services: Services, clock: MovableClock
) -> None:
    await enable_sso(services)
    header, payload, signature = mint(clock.now()).split(".")
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    data["sub"] = "someone-else"
    forged = base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()
    assert_error(await sso(client, f"{header}.{forged}.{signature}"), 401, "token_invalid")


async def test_replayed_token_is_refused_until_it_expires(
    client: httpx.AsyncClient, services: Services, clock: MovableClock
) -> None:
    await enable_sso(services)
    token = mint(clock.now())
    assert (await sso(client, token)).status_code == 200
    assert_error(await sso(client, token), 401, "token_replayed")
    # The remembered id outlives the token, so purging cannot reopen the window.
    assert services.accounts is not None
    await services.accounts.purge_expired()
    assert_error(await sso(client, token), 401, "token_replayed")
    clock.advance(minutes=10)
    assert_error(await sso(client, token), 401, "token_expired")


async def test_the_same_jti_on_two_sites_is_two_tokens(
    client: httpx.AsyncClient, services: Services, clock: MovableClock, other_site: str
) -> None:
    await enable_sso(services)
    await enable_sso(services, other_site, OTHER_SECRET)
    ours = mint(clock.now(), jti="shared-id")
    theirs = mint(clock.now(), key=OTHER_SECRET, aud=other_site, jti="shared-id")
    assert (await sso(client, ours)).status_code == 200
    assert (await sso(client, theirs, other_site)).status_code == 200


async def test_another_sites_token_is_refused(
    client: httpx.AsyncClient, services: Services, clock: MovableClock, other_site: str
) -> None:
    await enable_sso(services)
    await enable_sso(services, other_site, OTHER_SECRET)
    theirs = mint(clock.now(), key=OTHER_SECRET, aud=other_site)
    assert_error(await sso(client, theirs, "news"), 401, "token_invalid")
    # Even signed with our key, a token made out to the other site is not ours.
    assert_error(await sso(client, mint(clock.now(), aud=other_site)), 401, "token_wrong_audience")


async def test_rs256_site_accepts_its_key_and_refuses_hs256_signed_with_the_public_key(
    client: httpx.AsyncClient, services: Services, clock: MovableClock, rsa_key: rsa.RSAPrivateKey
) -> None:
    assert services.accounts is not None
    pem = public_pem(rsa_key)
    await services.accounts.configure_sso("news", "RS256", pem, actor="test")
    assert (await sso(client, mint(clock.now(), key=rsa_key, algorithm="RS256"))).status_code == 200
    # The algorithm-confusion attack: HMAC "signed" with the public key everyone can read.
    head = b64({"alg": "HS256", "typ": "JWT"})
    body = b64(claims(clock.now()))
    mac = hmac.new(pem.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    forged = f"{head}.{body}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"
    assert_error(await sso(client, forged), 401, "token_wrong_algorithm")
    assert_error(await sso(client, unsigned(claims(clock.now()))), 401, "token_wrong_algorithm")


async def test_es256_site_accepts_its_key_and_refuses_another(
    client: httpx.AsyncClient,
    services: Services,
    clock: MovableClock,
    ec_key: ec.EllipticCurvePrivateKey,
) -> None:
    assert services.accounts is not None
    await services.accounts.configure_sso("news", "ES256", public_pem(ec_key), actor="test")
    assert (await sso(client, mint(clock.now(), key=ec_key, algorithm="ES256"))).status_code == 200
    stranger = ec.generate_private_key(ec.SECP256R1())
    response = await sso(client, mint(clock.now(), key=stranger, algorithm="ES256"))
    assert_error(response, 401, "token_invalid")


async def test_site_without_sso_and_unknown_site_are_refused(
    client: httpx.AsyncClient, services: Services, clock: MovableClock
) -> None:
    assert_error(await sso(client, mint(clock.now())), 403, "sso_not_configured")
    assert_error(await sso(client, mint(clock.now()), site="nosuchsite"), 404, "not_found")
    assert_error(await sso(client, "x" * 9000), 400, "invalid")
    assert_error(
        await client.post("/api/v1/auth/sso", json={"site": "news"}), 400, "invalid", "token"
    )


async def test_configuring_sso_checks_the_key(
    services: Services, rsa_key: rsa.RSAPrivateKey, ec_key: ec.EllipticCurvePrivateKey
) -> None:
    accounts = services.accounts
    assert accounts is not None
    with pytest.raises(ValidationError):
        await accounts.configure_sso("news", "HS256", "short", actor="test")
    with pytest.raises(ValidationError):
        await accounts.configure_sso("news", "none", HS_SECRET, actor="test")
    with pytest.raises(ValidationError):
        await accounts.configure_sso("news", "RS256", "not a pem", actor="test")
    with pytest.raises(ValidationError):  # an EC key for RS256
        await accounts.configure_sso("news", "RS256", public_pem(ec_key), actor="test")
    with pytest.raises(NotFoundError):
        await accounts.configure_sso("nosuchsite", "HS256", HS_SECRET, actor="test")
    await accounts.configure_sso("news", "RS256", public_pem(rsa_key), actor="test")
    settings = await accounts.site_settings("news")
    assert settings.sso_enabled is False  # the key is never handed out
    assert settings.sso_algorithm is not None and settings.sso_algorithm.value == "RS256"


async def test_hs256_secret_is_not_stored_in_the_clear(
    services: Services, settings: Settings
) -> None:
    await enable_sso(services)
    engine = create_async_engine(async_url(settings.database_url))
    try:
        async with engine.connect() as conn:
            stored = await conn.scalar(sa.select(site_accounts.c.sso_key))
    finally:
        await engine.dispose()
    assert stored and HS_SECRET not in stored
