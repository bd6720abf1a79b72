"""Reader accounts: who a signed-in reader is, how a site lets them sign in, and the rules for
the claims a publisher's single sign-on token carries."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from rostra.domain.comments import (
    MAX_NAME_LENGTH,
    validate_author_name,
    validate_author_url,
    validate_email,
)
from rostra.domain.errors import DomainError, PermissionDeniedError, ValidationError

MAX_SUBJECT_LENGTH = 255
# Publishers sign a fresh token per page view; a long-lived token is a leaked token waiting to be
# replayed, and every jti is remembered until its expiry, so the lifetime is capped.
MAX_TOKEN_LIFETIME_SECONDS = 24 * 3600
CLOCK_LEEWAY_SECONDS = 30
ANONYMOUS_NAME = "Former reader"


class SignInMethod(StrEnum):
    """How an account signs in; part of its identity (one account per method and subject)."""

    SSO = "sso"
    EMAIL = "email"
    OIDC = "oidc"  # an OpenID Connect provider; the subject is the identity's digest


class SsoAlgorithm(StrEnum):
    """The signatures a site may choose. HS256 shares a secret; RS256 and ES256 need only the
    site's public key here."""

    HS256 = "HS256"
    RS256 = "RS256"
    ES256 = "ES256"


class DeletionPolicy(StrEnum):
    """What happens to a forgotten reader's comments: removed (placeholders where replies hang
    below), or kept with every trace of the author erased."""

    REMOVE = "remove"
    ANONYMIZE = "anonymize"


@dataclass(frozen=True, slots=True)
class AccountSettings:
    """A site's reader-account settings. ``sso_key`` is the HS256 secret or the PEM public key."""

    sso_algorithm: SsoAlgorithm | None = None
    sso_key: str | None = None
    deletion_policy: DeletionPolicy = DeletionPolicy.ANONYMIZE
    email_sign_in: bool = False  # passwordless sign-in links by email
    # OpenID Connect provider (issuer URL, client id, client secret sealed like the HS256
    # secret, the button's name).
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = None
    oidc_name: str | None = None

    @property
    def oidc_enabled(self) -> bool:
        """True when the site offers sign-in with an OpenID Connect provider."""
        return bool(self.oidc_issuer and self.oidc_client_id and self.oidc_client_secret)

    @property
    def sso_enabled(self) -> bool:
        """True when the site accepts single sign-on tokens."""
        return self.sso_algorithm is not None and bool(self.sso_key)


@dataclass(frozen=True, slots=True)
class Reader:
    """A reader account of one site. ``email_hash`` is the keyed digest used everywhere else
    (comments, subscriptions, bans); ``email`` is kept to send the reader mail."""

    id: str
    site: str
    method: SignInMethod
    subject: str
    name: str
    email: str | None
    email_hash: str | None
    avatar_url: str | None
    created_at: datetime
    avatar_image: str | None = None  # the name of an uploaded picture under /media/

    @property
    def voter(self) -> str:
        """The account's voting identity: one vote per account and comment."""
        return f"r:{self.id}"


@dataclass(frozen=True, slots=True)
class ReaderProfile:
    """What an account shows and is told: the validated claims of a sign-in."""

    subject: str
    name: str
    email: str | None
    avatar_url: str | None


class TokenRejectedError(DomainError):
    """A sign-in token that is not accepted; ``code`` says why (401)."""

    code = "token_invalid"


class ReaderNotSignedInError(DomainError):
    """A reader action that needs a signed-in reader (401)."""

    code = "sign_in_required"


class SsoNotConfiguredError(PermissionDeniedError):
    """The site has not set up single sign-on (403)."""

    code = "sso_not_configured"


class EmailSignInDisabledError(PermissionDeniedError):
    """The site does not offer sign-in links by email (403)."""

    code = "email_sign_in_disabled"


def validate_algorithm(value: str) -> SsoAlgorithm:
    """One of the supported signature algorithms (never ``none``)."""
    try:
        return SsoAlgorithm(value.upper())
    except ValueError:
        allowed = ", ".join(item.value for item in SsoAlgorithm)
        raise ValidationError(
            f"The algorithm must be one of {allowed}.", field="algorithm"
        ) from None


def validate_deletion_policy(value: str) -> DeletionPolicy:
    """``remove`` or ``anonymize``."""
    try:
        return DeletionPolicy(value.lower())
    except ValueError:
        raise ValidationError(
            "The deletion policy is remove or anonymize.", field="deletion_policy"
        ) from None


def profile_from_claims(claims: dict[str, object]) -> ReaderProfile:
    """The account data of a verified token: ``sub`` (required), ``name`` (required),
    ``email`` and ``avatar`` (optional). Bad values are refused, not guessed at."""
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject.strip() or len(subject) > MAX_SUBJECT_LENGTH:
        raise TokenRejectedError(
            f"The token's 'sub' must be the reader's id, 1-{MAX_SUBJECT_LENGTH} characters.",
            field="sub",
            code="token_claim_invalid",
        )
    raw_name = claims.get("name")
    if not isinstance(raw_name, str):
        raise TokenRejectedError(
            "The token needs the reader's 'name'.", field="name", code="token_claim_invalid"
        )
    email = claims.get("email")
    avatar = claims.get("avatar", claims.get("picture"))
    try:
        name = validate_author_name(raw_name[: MAX_NAME_LENGTH * 2])[:MAX_NAME_LENGTH]
        checked_email = validate_email(email, field="email") if isinstance(email, str) else None
        checked_avatar = validate_author_url(avatar) if isinstance(avatar, str) else None
    except ValidationError as exc:
        raise TokenRejectedError(
            f"The token's claims are not usable: {exc.message}",
            field=exc.field,
            code="token_claim_invalid",
        ) from None
    if email is not None and not isinstance(email, str):
        raise TokenRejectedError(
            "The token's 'email' must be text.", field="email", code="token_claim_invalid"
        )
    return ReaderProfile(subject.strip(), name, checked_email, checked_avatar)


def gravatar_url(email: str | None) -> str | None:
    """The Gravatar-style picture of an address (identicon when the address has none)."""
    if not email:
        return None
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    return f"https://www.gravatar.com/avatar/{digest}?d=identicon&s=80"
