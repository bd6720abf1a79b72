"""A single sign-on token the library cannot read is ``401 token_malformed``, never a 500.

``POST /api/v1/auth/sso`` with ``"crit": ["x"]`` in the token's header answered 500: PyJWT
refuses it with ``InvalidTokenError``, which the check did not expect from reading the header.
The header and the claims are fuzzed here with hypothesis, correctly signed with the site's
secret so that every check runs, and a sample goes through the HTTP API.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rostra.domain.accounts import AccountSettings, SsoAlgorithm, TokenRejectedError
from rostra.services.registry import Services
from rostra.services.sso import verify_sso_token
from tests.api.account_helpers import HS_SECRET, claims, enable_sso, mint
from tests.api.helpers import assert_error

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
SITE = AccountSettings(sso_algorithm=SsoAlgorithm.HS256, sso_key=HS_SECRET)


def _segment(value: Any) -> str:
    text = value if isinstance(value, bytes) else json.dumps(value).encode()
    return base64.urlsafe_b64encode(text).rstrip(b"=").decode()


def signed(header: Any, payload: Any, secret: str = HS_SECRET) -> str:
    """A token whose signature is right for whatever ``header`` and ``payload`` say (Python's
    json writes NaN and Infinity, which PyJWT's reader takes back)."""
    signing_input = f"{_segment(header)}.{_segment(payload)}"
    mac = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_segment(mac)}"


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
HEADER_NAMES = ["alg", "typ", "kid", "crit", "b64", "jku", "jwk", "x5u", "x5c", "cty", "zip", "enc"]
HEADERS = st.fixed_dictionaries(
    {"alg": st.sampled_from(["HS256", "RS256", "none", "hs256"]) | JSON},
    optional={name: JSON for name in HEADER_NAMES[1:]}
    | {"crit": st.lists(st.sampled_from(["b64", "x", "exp", "kid"]) | JSON, max_size=3)},
)
CLAIM_NAMES = ["sub", "name", "email", "avatar", "picture", "aud", "exp", "nbf", "iat", "jti"]
CLAIMS = st.builds(
    lambda good, changes, dropped: {
        k: v for k, v in {**good, **changes}.items() if k not in dropped
    },
    st.just(claims(NOW)),
    st.dictionaries(st.sampled_from([*CLAIM_NAMES, "iss", "extra"]), JSON, max_size=4),
    st.sets(st.sampled_from(CLAIM_NAMES), max_size=2),
)
EXPECTED_CODES = {
    "token_malformed",
    "token_wrong_algorithm",
    "token_wrong_audience",
    "token_claim_missing",
    "token_claim_invalid",
    "token_invalid",
    "token_expired",
    "token_lifetime_too_long",
    "token_not_yet_valid",
}


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(header=HEADERS, payload=CLAIMS | JSON)
def test_any_header_and_claims_are_a_token_or_a_refusal(header: Any, payload: Any) -> None:
    try:
        verified = verify_sso_token(signed(header, payload), "news", SITE, NOW)
    except TokenRejectedError as exc:
        assert exc.code in EXPECTED_CODES, exc.code
        assert exc.message
        return
    # Accepted: then the token was what a publisher signs.
    assert header.get("alg") == "HS256" and isinstance(payload, dict)
    assert verified.profile.subject == str(payload["sub"]).strip()


@given(
    segments=st.lists(st.binary(max_size=40) | st.text(max_size=40), min_size=3, max_size=3),
    encode=st.lists(st.booleans(), min_size=3, max_size=3),
)
def test_any_three_segments_are_a_refusal(segments: list[Any], encode: list[bool]) -> None:
    parts = [
        _segment(s if isinstance(s, bytes) else s.encode()) if e else str(s)
        for s, e in zip(segments, encode, strict=True)
    ]
    with pytest.raises(TokenRejectedError):
        verify_sso_token(".".join(parts), "news", SITE, NOW)


PROBES = {
    "crit": {"alg": "HS256", "crit": ["x"]},
    "crit not a list": {"alg": "HS256", "crit": "exp"},
    "kid a number": {"alg": "HS256", "kid": 5},
    "kid an object": {"alg": "HS256", "kid": {"a": 1}},
    "alg a list": {"alg": ["HS256"]},
    "b64 false": {"alg": "HS256", "b64": False, "crit": ["b64"]},
}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("name", sorted(PROBES))
async def test_malformed_headers_through_the_api_are_401(
    client: httpx.AsyncClient, services: Services, name: str
) -> None:
    await enable_sso(services)
    now = datetime.now(UTC)
    token = signed(PROBES[name], claims(now))
    response = await client.post("/api/v1/auth/sso", json={"site": "news", "token": token})
    code = "token_wrong_algorithm" if name == "alg a list" else "token_malformed"
    assert_error(response, 401, code)
    assert "rostra_reader" not in response.headers.get("set-cookie", "")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("exp", ["NaN", "Infinity", "-Infinity", "1e400"])
async def test_a_non_finite_expiry_is_refused(
    client: httpx.AsyncClient, services: Services, exp: str
) -> None:
    await enable_sso(services)
    payload = json.dumps(claims(datetime.now(UTC), exp=0)).replace('"exp": 0', f'"exp": {exp}')
    token = signed({"alg": "HS256", "typ": "JWT"}, payload.encode())
    response = await client.post("/api/v1/auth/sso", json={"site": "news", "token": token})
    assert response.status_code == 401
    assert response.json()["error"]["code"] in {"token_claim_invalid", "token_lifetime_too_long"}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_token_for_site_a_is_refused_from_a_page_of_site_b(
    client: httpx.AsyncClient, services: Services
) -> None:
    # The token's audience was checked, the page's origin was not.
    await enable_sso(services)
    await services.sites.add_site("other", ["https://other.example"], "The Other Paper")
    now = datetime.now(UTC)
    for origin in ("https://other.example", "https://evil.example"):
        response = await client.post(
            "/api/v1/auth/sso",
            json={"site": "news", "token": mint(now)},
            headers={"Origin": origin},
        )
        assert_error(response, 403, "origin_not_allowed")
        assert "rostra_reader" not in response.headers.get("set-cookie", "")
    signed_in = await client.post(
        "/api/v1/auth/sso",
        json={"site": "news", "token": mint(now)},
        headers={"Origin": "https://news.example"},
    )
    assert signed_in.status_code == 200, signed_in.text
