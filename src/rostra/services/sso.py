"""Checking a publisher's single sign-on token (a JWT) with PyJWT.

Every refusal has its own error code so a publisher can tell a clock problem from a key problem.
The algorithm is the site's choice, never the token's: the header's ``alg`` must equal it, so
``alg: none`` and HS256 tokens "signed" with an RS256 site's public key are refused before any
signature check, and PyJWT is told to accept only that one algorithm as well.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from math import isfinite
from typing import Any

import jwt

from rostra.domain.accounts import (
    CLOCK_LEEWAY_SECONDS,
    MAX_TOKEN_LIFETIME_SECONDS,
    AccountSettings,
    ReaderProfile,
    TokenRejectedError,
    profile_from_claims,
)

MAX_TOKEN_LENGTH = 8192
# What PyJWT may raise on a token it cannot read. Most of it is ``PyJWTError`` (a ``crit`` or
# ``kid`` it refuses is ``InvalidTokenError``, not ``DecodeError``: one was once a
# 500); the rest is here so that no header or claim a caller can write is a server error.
UNREADABLE = (jwt.PyJWTError, ValueError, TypeError, KeyError, AttributeError, OverflowError)
MAX_JTI_LENGTH = 255


@dataclass(frozen=True, slots=True)
class VerifiedToken:
    """A token whose signature, audience and times were checked."""

    profile: ReaderProfile
    jti: str
    expires_at: int  # seconds since the epoch


def _refuse(*, code: str, message: str, field: str | None = "token") -> TokenRejectedError:
    return TokenRejectedError(message, field=field, code=code)


def _reason(exc: Exception) -> str:
    """PyJWT's own words for a refusal (they name the header at fault), kept short."""
    if isinstance(exc, jwt.PyJWTError) and str(exc):
        return str(exc)[:120].rstrip(".") + "."
    return "its header or claims are not what a token holds."


def verify_sso_token(
    token: str, site: str, settings: AccountSettings, now: datetime
) -> VerifiedToken:
    """Check ``token`` for ``site``; raises :class:`TokenRejectedError` with the reason's code.

    Required claims: ``sub``, ``name``, ``aud`` (the site's name), ``exp`` (at most a day
    ahead) and ``jti`` (single use); optional ``email``, ``avatar`` (or ``picture``), ``nbf``,
    ``iat``. Times are checked against ``now`` with 30 s of leeway for clock skew.
    """
    if settings.sso_algorithm is None or not settings.sso_key:  # checked by the caller
        raise _refuse(
            code="sso_not_configured", message="This site does not use single sign-on.", field=None
        )
    if not token or len(token) > MAX_TOKEN_LENGTH or token.count(".") != 2:
        raise _refuse(code="token_malformed", message="The sign-in token is not a JSON Web Token.")
    try:
        header = jwt.get_unverified_header(token)
    except UNREADABLE as exc:
        raise _refuse(
            code="token_malformed",
            message=f"The sign-in token is not a JSON Web Token we can read: {_reason(exc)}",
        ) from None
    algorithm = settings.sso_algorithm.value
    if header.get("alg") != algorithm:
        raise _refuse(
            code="token_wrong_algorithm",
            message=f"This site's tokens are signed with {algorithm}; this one says "
            f"{str(header.get('alg'))[:20]!r}.",
        )
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            settings.sso_key,
            algorithms=[algorithm],
            audience=site,
            options={
                "require": ["exp", "aud", "sub", "jti"],
                # Times are checked below against the service clock, not the process clock.
                "verify_exp": False,
                "verify_nbf": False,
                "verify_iat": False,
            },
        )
    except jwt.InvalidAudienceError:
        raise _refuse(
            code="token_wrong_audience",
            message=f"The sign-in token was made for another site, not {site!r}.",
        ) from None
    except jwt.MissingRequiredClaimError as exc:
        raise _refuse(
            code="token_claim_missing",
            message=f"The sign-in token has no {exc.claim!r} claim.",
            field=exc.claim,
        ) from None
    except jwt.InvalidSignatureError:
        raise _refuse(
            code="token_invalid",
            message="The sign-in token's signature does not match this site's key.",
        ) from None
    except (jwt.InvalidKeyError, jwt.InvalidAlgorithmError):
        raise _refuse(
            code="token_invalid",
            message="The sign-in token cannot be checked with this site's key.",
        ) from None
    except UNREADABLE as exc:
        raise _refuse(
            code="token_malformed",
            message=f"The sign-in token is not a valid JSON Web Token: {_reason(exc)}",
        ) from None
    moment = now.timestamp()
    expires = claims["exp"]
    # PyJWT reads JSON with Python's json module, which takes NaN and Infinity: a NaN passed
    # every comparison below and failed converting to int.
    if not isinstance(expires, int | float) or isinstance(expires, bool) or not isfinite(expires):
        raise _refuse(
            code="token_claim_invalid", message="The token's 'exp' must be a number.", field="exp"
        )
    if expires < moment - CLOCK_LEEWAY_SECONDS:
        raise _refuse(
            code="token_expired", message="The sign-in token has expired; reload the page."
        )
    if expires > moment + MAX_TOKEN_LIFETIME_SECONDS + CLOCK_LEEWAY_SECONDS:
        raise _refuse(
            code="token_lifetime_too_long",
            message="The sign-in token is valid for more than a day; sign one per page view.",
            field="exp",
        )
    not_before = claims.get("nbf")
    if isinstance(not_before, float) and not isfinite(not_before):
        raise _refuse(
            code="token_claim_invalid", message="The token's 'nbf' must be a number.", field="nbf"
        )
    if isinstance(not_before, int | float) and not_before > moment + CLOCK_LEEWAY_SECONDS:
        raise _refuse(
            code="token_not_yet_valid", message="The sign-in token is not valid yet.", field="nbf"
        )
    jti = claims["jti"]
    if not isinstance(jti, str) or not jti or len(jti) > MAX_JTI_LENGTH:
        raise _refuse(
            code="token_claim_invalid",
            message="The token's 'jti' must be a short string.",
            field="jti",
        )
    return VerifiedToken(profile_from_claims(claims), jti, int(expires) + CLOCK_LEEWAY_SECONDS)
