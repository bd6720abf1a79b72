"""OpenID Connect sign-in: a site's provider settings, the errors of a login, and the
rules that turn a verified ID token's claims into a reader profile."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from rostra.domain.accounts import TokenRejectedError
from rostra.domain.comments import MAX_NAME_LENGTH, validate_author_name, validate_author_url
from rostra.domain.errors import DomainError, PermissionDeniedError, ValidationError

MAX_ISSUER_LENGTH = 2048
MAX_CLIENT_ID_LENGTH = 255
MAX_PROVIDER_NAME_LENGTH = 64
MAX_SUBJECT_LENGTH = 255
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


class OidcNotConfiguredError(PermissionDeniedError):
    """The site has no OIDC provider (403)."""

    code = "oidc_not_configured"


class OidcStateError(ValidationError):
    """A provider callback whose ``state`` is unknown, used, expired or from another browser
    (400 ``oidc_state_invalid``)."""

    code = "oidc_state_invalid"


class OidcProviderUnavailableError(DomainError):
    """The provider could not be reached or answered nonsense (502)."""

    code = "oidc_provider_unavailable"


@dataclass(frozen=True, slots=True)
class ProviderMetadata:
    """What discovery (``/.well-known/openid-configuration``) says about a provider."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str


@dataclass(frozen=True, slots=True)
class OidcIdentity:
    """The verified claims of an ID token that Rostra uses."""

    issuer: str
    subject: str
    name: str
    email: str | None  # only when the provider says the address is verified
    picture: str | None


def validate_issuer(value: str, field: str = "issuer") -> str:
    """An ``https`` URL without query or fragment (``http`` only on loopback, for tests and
    local providers); the trailing slash is kept, as the provider's ``iss`` must match exactly."""
    issuer = value.strip()
    try:
        parts = urlsplit(issuer)
    except ValueError:
        raise ValidationError(f"{field!r} is not a URL.", field=field) from None
    secure = parts.scheme == "https" or (
        parts.scheme == "http" and (parts.hostname or "") in LOOPBACK_HOSTS
    )
    if (
        not secure
        or not parts.hostname
        or parts.query
        or parts.fragment
        or len(issuer) > MAX_ISSUER_LENGTH
    ):
        raise ValidationError(
            f"{field!r} must be an https URL without query or fragment "
            "(http only on 127.0.0.1/localhost).",
            field=field,
        )
    return issuer


def validate_client_id(value: str) -> str:
    """The client id the provider gave Rostra: 1-255 printable characters."""
    client_id = value.strip()
    if not client_id or len(client_id) > MAX_CLIENT_ID_LENGTH or not client_id.isprintable():
        raise ValidationError("The client id is 1-255 printable characters.", field="client_id")
    return client_id


def validate_provider_name(value: str) -> str:
    """The name on the button ("Sign in with …"): 1-64 characters."""
    name = " ".join(value.split())
    if not name or len(name) > MAX_PROVIDER_NAME_LENGTH:
        raise ValidationError("The provider's name is 1-64 characters.", field="name")
    return name


def identity_from_claims(issuer: str, claims: dict[str, object]) -> OidcIdentity:
    """The profile of verified ID token claims. ``email`` counts only with
    ``email_verified: true``: an unverified address must not open or claim anyone's account."""
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject or len(subject) > MAX_SUBJECT_LENGTH:
        raise TokenRejectedError(
            "The ID token's 'sub' must be 1-255 characters.",
            field="sub",
            code="token_claim_invalid",
        )
    email = claims.get("email")
    verified = claims.get("email_verified") in (True, "true")
    checked_email = email.strip() if isinstance(email, str) and verified and "@" in email else None
    if checked_email and len(checked_email) > 320:
        checked_email = None
    raw_name = next(
        (
            value
            for key in ("name", "preferred_username", "given_name", "nickname")
            if isinstance(value := claims.get(key), str) and value.strip()
        ),
        (checked_email or "").split("@")[0] or "Reader",
    )
    try:
        name = validate_author_name(raw_name[: MAX_NAME_LENGTH * 2])[:MAX_NAME_LENGTH]
    except ValidationError:
        name = "Reader"
    picture = claims.get("picture")
    try:
        checked_picture = validate_author_url(picture) if isinstance(picture, str) else None
    except ValidationError:
        checked_picture = None
    return OidcIdentity(issuer, subject, name, checked_email, checked_picture)
