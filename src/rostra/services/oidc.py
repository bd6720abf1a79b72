"""Sign-in with an OpenID Connect provider, configured per site.

The flow (authorization code with PKCE, ``state`` and ``nonce``):

1. The widget opens a popup on ``/api/v1/auth/oidc/start``: :meth:`OidcService.start_login`
   stores the login under the digest of a fresh ``state`` (with the nonce, the PKCE verifier and
   the publisher page's origin) and answers the provider's authorization URL.
2. The provider sends the browser back to ``/api/v1/auth/oidc/callback``:
   :meth:`OidcService.take_login` consumes the state (once), :meth:`OidcService.finish_login`
   exchanges the code (authlib, through the ``OidcProvider`` port) and checks the ID token's
   signature against the provider's JWKS and its ``iss``, ``aud``, ``azp``, ``nonce``, ``exp``.
3. The account is found by (issuer, ``sub``), else linked to the site's account with the same
   address when the provider says ``email_verified``, else created. The popup gets a single-use
   hand-off token (two minutes) and posts it to the publisher page only; the widget redeems it
   (:meth:`OidcService.redeem`) from that page, so the session cookie lands in the partition
   the embedded widget uses (a cookie set in the popup would live in Rostra's own partition).
"""

from __future__ import annotations

import base64
import hmac
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from cryptography.fernet import Fernet, InvalidToken
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from rostra.domain.accounts import (
    CLOCK_LEEWAY_SECONDS,
    AccountSettings,
    ReaderProfile,
    SignInMethod,
    TokenRejectedError,
    gravatar_url,
)
from rostra.domain.errors import NotFoundError, RateLimitedError, ValidationError
from rostra.domain.oidc import (
    OidcIdentity,
    OidcNotConfiguredError,
    OidcProviderUnavailableError,
    OidcStateError,
    ProviderMetadata,
    identity_from_claims,
    validate_client_id,
    validate_issuer,
    validate_provider_name,
)
from rostra.domain.sites import normalize_origin, validate_site_name
from rostra.domain.staff import StaffAction
from rostra.services.accounts import AccountService, ReaderSession
from rostra.services.accounts_ports import AccountStorage, PendingLogin
from rostra.services.ports import Clock, RateLimiter
from rostra.services.tokens import Keyring

LOGIN_LIFETIME = timedelta(minutes=10)  # from the redirect to the provider to its callback
HANDOFF_LIFETIME = timedelta(minutes=2)  # from the callback to the widget's redeem
ID_TOKEN_ALGORITHMS = ["RS256", "ES256", "PS256"]  # never "none", never HMAC
MAX_ID_TOKEN_LENGTH = 16_384
MIN_SECRET_LENGTH = 8
CALLBACK_PATH = "/api/v1/auth/oidc/callback"


class OidcProvider(Protocol):
    """Talks to an OpenID Connect provider over HTTP (authlib + httpx in ``rostra.providers``)."""

    async def discover(self, issuer: str) -> ProviderMetadata:
        """The provider's discovery document; raises ``OidcProviderUnavailableError``."""

    def authorization_url(
        self,
        metadata: ProviderMetadata,
        client_id: str,
        redirect_uri: str,
        state: str,
        nonce: str,
        code_verifier: str,
    ) -> str:
        """Where to send the browser: the authorization request with the S256 code challenge."""

    async def exchange_code(
        self,
        metadata: ProviderMetadata,
        client_id: str,
        client_secret: str,
        redirect_uri: str,
        code: str,
        code_verifier: str,
    ) -> str:
        """The ID token for an authorization code; raises ``TokenRejectedError``
        (``oidc_code_rejected``) when the provider refuses the code."""

    async def jwks(self, metadata: ProviderMetadata) -> dict[str, Any]:
        """The provider's signing keys (a JWK set)."""


@dataclass(frozen=True, slots=True)
class ProviderInfo:
    """What the widget may know about a site's provider."""

    name: str
    issuer: str


@dataclass(frozen=True, slots=True)
class LoginResult:
    """A finished login: the hand-off token for the widget on ``origin``."""

    origin: str
    handoff: str
    reader_id: str


class OidcService:
    """Per-site OpenID Connect sign-in."""

    def __init__(
        self,
        storage: AccountStorage,
        clock: Clock,
        keyring: Keyring,
        accounts: AccountService,
        provider: OidcProvider,
        public_url: str | None = None,
        limiter: RateLimiter | None = None,
    ) -> None:
        # Each start stores a login and asks the provider: a few a minute per client.
        self._limiter = limiter
        self._public_url = public_url  # ROSTRA_PUBLIC_URL: the callback providers know
        self._storage = storage
        self._clock = clock
        self._keyring = keyring
        self._accounts = accounts
        self._provider = provider
        # The client secret is sealed like the HS256 secret: a database copy alone (a backup)
        # does not reveal it, as long as ROSTRA_SECRET_KEY is kept outside the database.
        seal_key = bytes.fromhex(keyring.digest("seal", "oidc-secrets"))
        self._fernet = Fernet(base64.urlsafe_b64encode(seal_key))

        class ClockSigner(TimestampSigner):
            def get_timestamp(self) -> int:
                return int(clock.now().timestamp())

        self._handoffs = URLSafeTimedSerializer(
            keyring.digest("signed-links", "oidc-handoff"),
            salt="rostra.oidc.handoff",
            signer=ClockSigner,
        )

    # --- site settings -------------------------------------------------------------------

    async def configure(
        self, site: str, issuer: str, client_id: str, client_secret: str, name: str, actor: str
    ) -> None:
        """Let ``site``'s readers sign in with the provider at ``issuer`` (its discovery
        document is ``{issuer}/.well-known/openid-configuration``)."""
        checked_issuer = validate_issuer(issuer)
        checked_id = validate_client_id(client_id)
        checked_name = validate_provider_name(name)
        secret = client_secret.strip()
        if len(secret) < MIN_SECRET_LENGTH or len(secret) > 1024:
            raise ValidationError("The client secret is 8-1024 characters.", field="client_secret")
        await self._change(
            site,
            actor,
            f"oidc {checked_issuer}",
            oidc_issuer=checked_issuer,
            oidc_client_id=checked_id,
            oidc_client_secret=self._fernet.encrypt(secret.encode()).decode(),
            oidc_name=checked_name,
        )

    async def disable(self, site: str, actor: str) -> None:
        """Stop offering the provider (open sessions stay until they end)."""
        await self._change(
            site,
            actor,
            "oidc off",
            oidc_issuer=None,
            oidc_client_id=None,
            oidc_client_secret=None,
            oidc_name=None,
        )

    async def provider_of(self, site: str) -> ProviderInfo | None:
        """The site's provider (name and issuer, never the secret), or None."""
        validate_site_name(site)
        settings = await self._settings(site)
        if not settings.oidc_enabled:
            return None
        return ProviderInfo(settings.oidc_name or "OpenID", settings.oidc_issuer or "")

    async def _change(self, site: str, actor: str, note: str, **changes: Any) -> None:
        now = self._clock.now()
        async with self._storage.write() as tx:
            if await tx.sites.get(site) is None:
                raise NotFoundError(f"There is no site called {site!r}.", field="site")
            current = await tx.accounts.settings(site)
            await tx.accounts.save_settings(site, replace(current, **changes), now)
            await tx.staff_records.audit(actor, StaffAction.SETTINGS, site, note, now)

    async def _settings(self, site: str) -> AccountSettings:
        async with self._storage.read() as tx:
            if await tx.sites.get(site) is None:
                raise NotFoundError(f"There is no site called {site!r}.", field="site")
            return await tx.accounts.settings(site)

    # --- the login ---------------------------------------------------------------------------

    async def start_login(
        self, site: str, origin: str, redirect_uri: str, ip: str | None = None
    ) -> tuple[str, str]:
        """Begin a login for the widget on ``origin`` (one of the site's origins): returns the
        provider's authorization URL and the ``state`` (bound to the browser by the caller)."""
        validate_site_name(site)
        if self._limiter is not None:
            wait = await self._limiter.hit(
                "oidc_login", self._keyring.digest("limit", f"oidc:{ip or 'unknown'}")
            )
            if wait is not None:
                raise RateLimitedError(
                    f"Too many sign-ins started; try again in {wait:.0f} s.", retry_after=wait
                )
        async with self._storage.read() as tx:
            found = await tx.sites.get(site)
            if found is None:
                raise NotFoundError(f"There is no site called {site!r}.", field="site")
            settings = await tx.accounts.settings(site)
        if not settings.oidc_enabled or not settings.oidc_issuer or not settings.oidc_client_id:
            raise OidcNotConfiguredError(f"Site {site!r} has no sign-in provider.", field="site")
        checked_origin = normalize_origin(origin, strict=False)
        if not found.allows_origin(checked_origin):
            raise ValidationError("The page is not on one of the site's origins.", field="origin")
        metadata = await self._provider.discover(settings.oidc_issuer)
        state, nonce = self._keyring.new_token(), self._keyring.new_token()
        verifier = secrets.token_urlsafe(48)  # RFC 7636 4.1: 43-128 unreserved characters
        now = self._clock.now()
        async with self._storage.write() as tx:
            await tx.accounts.save_oidc_login(
                self._state_digest(state),
                site,
                PendingLogin(site, checked_origin, nonce, verifier),
                now + LOGIN_LIFETIME,
            )
        url = self._provider.authorization_url(
            metadata, settings.oidc_client_id, redirect_uri, state, nonce, verifier
        )
        return url, state

    async def take_login(self, state: str | None, browser_state: str | None) -> PendingLogin:
        """Consume the login of a callback's ``state``; it must also be the state this browser
        started (``browser_state``, from its cookie), so nobody can finish a login for another
        browser. A state works once: a replayed callback is refused here."""
        if not state or len(state) > 256:
            raise OidcStateError("The provider's answer has no state.", field="state")
        now = self._clock.now()
        async with self._storage.write() as tx:
            login = await tx.accounts.take_oidc_login(self._state_digest(state), now)
        if login is None:
            raise OidcStateError(
                "This sign-in is unknown, used already or expired; start again.", field="state"
            )
        if not browser_state or not hmac.compare_digest(state.encode(), browser_state.encode()):
            raise OidcStateError(
                "This sign-in was started in another browser; start again.", field="state"
            )
        return login

    async def finish_login(
        self,
        login: PendingLogin,
        redirect_uri: str,
        code: str | None,
        error: str | None = None,
        error_description: str | None = None,
    ) -> LoginResult:
        """Exchange the code, check the ID token and find, link or create the account."""
        if error:
            detail = f": {error_description[:200]}" if error_description else ""
            raise TokenRejectedError(
                f"The provider refused the sign-in ({error[:64]}){detail}.",
                field="error",
                code="oidc_provider_error",
            )
        if not code or len(code) > 2048:
            raise ValidationError("The provider's answer has no code.", field="code")
        settings = await self._settings(login.site)
        if not settings.oidc_enabled or not settings.oidc_issuer or not settings.oidc_client_id:
            raise OidcNotConfiguredError("The site no longer has a sign-in provider.", field="site")
        metadata = await self._provider.discover(settings.oidc_issuer)
        id_token = await self._provider.exchange_code(
            metadata,
            settings.oidc_client_id,
            self._unseal(settings),
            redirect_uri,
            code,
            login.code_verifier,
        )
        keys = await self._provider.jwks(metadata)
        claims = check_id_token(
            id_token,
            keys,
            issuer=settings.oidc_issuer,
            client_id=settings.oidc_client_id,
            nonce=login.nonce,
            now=self._clock.now(),
        )
        identity = identity_from_claims(settings.oidc_issuer, claims)
        reader_id = await self._account_for(login.site, identity)
        handoff = self._handoffs.dumps(
            {"s": login.site, "r": reader_id, "j": self._keyring.new_id()}
        )
        return LoginResult(login.origin, handoff, reader_id)

    async def _account_for(self, site: str, identity: OidcIdentity) -> str:
        now = self._clock.now()
        identity_id = self._keyring.digest(
            "oidc-identity", f"{site}\x00{identity.issuer}\x00{identity.subject}"
        )
        email_hash = (
            self._keyring.digest("email", identity.email.lower()) if identity.email else None
        )
        profile = ReaderProfile(
            identity_id,
            identity.name,
            identity.email,
            identity.picture or gravatar_url(identity.email),
        )
        async with self._storage.write() as tx:
            reader = await tx.accounts.identity_reader(identity_id)
            if reader is not None:
                if reader.method is SignInMethod.OIDC:  # refresh the provider's profile
                    await tx.accounts.upsert_reader(
                        site, SignInMethod.OIDC, profile, email_hash, reader.id, now
                    )
                return reader.id
            # A verified address opens the site's account of that address (made by single
            # sign-on or an email link); an unverified one never does.
            linked = await tx.accounts.find_readers(site, email_hash) if email_hash else []
            if linked:
                reader = linked[0]
            else:
                reader = await tx.accounts.upsert_reader(
                    site, SignInMethod.OIDC, profile, email_hash, self._keyring.new_id(), now
                )
            await tx.accounts.add_identity(
                identity_id, reader.id, identity.issuer, identity.subject, now
            )
            return reader.id

    async def redeem(self, site: str, token: str) -> ReaderSession:
        """Open the session of a finished login, from the publisher's page (once, within two
        minutes of the callback)."""
        try:
            payload = self._handoffs.loads(token, max_age=int(HANDOFF_LIFETIME.total_seconds()))
        except SignatureExpired:
            raise TokenRejectedError(
                "The sign-in took too long; start again.", field="token", code="token_expired"
            ) from None
        except BadSignature:
            raise TokenRejectedError(
                "The sign-in token is not valid.", field="token", code="token_invalid"
            ) from None
        if not isinstance(payload, dict) or payload.get("s") != site:
            raise TokenRejectedError(
                "The sign-in is for another site.", field="token", code="token_wrong_audience"
            )
        now = self._clock.now()
        async with self._storage.write() as tx:
            fresh = await tx.accounts.use_token(
                self._keyring.digest("oidc-handoff", str(payload.get("j"))),
                now + HANDOFF_LIFETIME,
            )
        if not fresh:
            raise TokenRejectedError(
                "This sign-in was used already.", field="token", code="token_replayed"
            )
        return await self._accounts.open_session(str(payload.get("r")))

    # --- helpers -----------------------------------------------------------------------------

    def redirect_uri(self, request_base: str) -> str:
        """The callback URL registered at the provider: under ``ROSTRA_PUBLIC_URL`` when set
        (behind a proxy the request's own address is not the public one)."""
        return (self._public_url or request_base).rstrip("/") + CALLBACK_PATH

    def _unseal(self, settings: AccountSettings) -> str:
        try:
            return self._fernet.decrypt((settings.oidc_client_secret or "").encode()).decode()
        except InvalidToken:
            # The instance secret key changed since the secret was stored.
            raise OidcNotConfiguredError(
                "The site's OIDC client secret cannot be read; set it again with "
                "`rostra site oidc`.",
                field="site",
            ) from None

    def _state_digest(self, state: str) -> str:
        return self._keyring.digest("oidc-state", state)


def _refuse(code: str, message: str, field: str | None = "id_token") -> TokenRejectedError:
    return TokenRejectedError(message, field=field, code=code)


def check_id_token(
    id_token: str, keys: dict[str, Any], *, issuer: str, client_id: str, nonce: str, now: datetime
) -> dict[str, Any]:
    """The claims of an ID token whose signature (by a key of the provider's JWKS, an
    asymmetric algorithm only), ``iss``, ``aud`` (and ``azp``), ``nonce`` and ``exp`` are right
    (OpenID Connect Core 3.1.3.7); each refusal has its own code."""
    if not id_token or len(id_token) > MAX_ID_TOKEN_LENGTH or id_token.count(".") != 2:
        raise _refuse("token_malformed", "The provider's ID token is not a JSON Web Token.")
    try:
        key_set = KeySet.import_key_set(keys)  # type: ignore[arg-type]
    except (JoseError, ValueError, TypeError, KeyError):
        raise OidcProviderUnavailableError(
            "The provider's signing keys cannot be read.", field=None
        ) from None
    try:
        token = jwt.decode(id_token, key_set, algorithms=ID_TOKEN_ALGORITHMS)
    except JoseError as exc:
        raise _refuse(
            "token_invalid", f"The ID token's signature does not check out ({exc.error})."
        ) from None
    except (ValueError, TypeError):
        raise _refuse("token_malformed", "The provider's ID token cannot be read.") from None
    claims: dict[str, Any] = dict(token.claims)
    for name in ("iss", "sub", "aud", "exp", "nonce"):
        if name not in claims:
            raise _refuse("token_claim_missing", f"The ID token has no {name!r}.", field=name)
    if claims["iss"] != issuer:
        raise _refuse("token_wrong_issuer", "The ID token comes from another issuer.", "iss")
    audience = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if client_id not in audience or (
        len(audience) > 1 and claims.get("azp", client_id) != client_id
    ):
        raise _refuse("token_wrong_audience", "The ID token was made for another client.", "aud")
    if not isinstance(claims["nonce"], str) or not hmac.compare_digest(
        claims["nonce"].encode(), nonce.encode()
    ):
        raise _refuse("token_nonce_mismatch", "The ID token belongs to another sign-in.", "nonce")
    expires = claims["exp"]
    moment = now.timestamp()
    if not isinstance(expires, int | float) or isinstance(expires, bool):
        raise _refuse("token_claim_invalid", "The ID token's 'exp' must be a number.", "exp")
    if expires < moment - CLOCK_LEEWAY_SECONDS:
        raise _refuse("token_expired", "The ID token has expired.", "exp")
    issued = claims.get("iat")
    if isinstance(issued, int | float) and issued > moment + CLOCK_LEEWAY_SECONDS:
        raise _refuse("token_not_yet_valid", "The ID token was issued in the future.", "iat")
    return claims
