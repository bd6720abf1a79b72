"""The ``OidcProvider`` port on authlib's httpx2 client.

authlib 1.9.10 moved its client from httpx to httpx2 (httpx only as a deprecated fallback), so
this adapter depends on httpx2 directly: the client and the errors it raises come from there.

authlib builds the authorization request (with the S256 PKCE challenge) and runs the token
request (client authentication, error answers); the ID token itself is checked in
``rostra.services.oidc.check_id_token``. Discovery and keys are fetched at every login: logins
are rare, and a rotated key is then never missed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx2

from rostra.domain.accounts import TokenRejectedError
from rostra.domain.errors import ValidationError
from rostra.domain.oidc import OidcProviderUnavailableError, ProviderMetadata, validate_issuer

if TYPE_CHECKING:
    from authlib.integrations.httpx_client import AsyncOAuth2Client

SCOPE = "openid email profile"
TIMEOUT = 10.0
MAX_DOCUMENT = 256 * 1024


class AuthlibOidcProvider:
    """Talks to OpenID Connect providers with authlib over httpx2."""

    def __init__(self, timeout: float = TIMEOUT) -> None:
        self._timeout = timeout

    def _client(
        self,
        client_id: str | None = None,
        secret: str | None = None,
        redirect_uri: str | None = None,
    ) -> AsyncOAuth2Client:
        # Imported on first use: every `rostra` command builds this adapter, few sign anyone in.
        from authlib.integrations.httpx_client import AsyncOAuth2Client

        return AsyncOAuth2Client(
            client_id,
            secret,
            scope=SCOPE,
            redirect_uri=redirect_uri,
            code_challenge_method="S256",
            timeout=self._timeout,
            follow_redirects=False,
        )

    async def _get_json(self, url: str) -> dict[str, Any]:
        try:
            async with self._client() as client:
                response = await client.request("GET", url, withhold_token=True)
        except httpx2.HTTPError as exc:
            raise OidcProviderUnavailableError(
                f"The sign-in provider cannot be reached ({type(exc).__name__}).", field=None
            ) from None
        if response.status_code != 200 or len(response.content) > MAX_DOCUMENT:
            raise OidcProviderUnavailableError(
                f"The sign-in provider answered {response.status_code} for {url}.", field=None
            )
        try:
            data = response.json()
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise OidcProviderUnavailableError(
                "The sign-in provider's answer is not a JSON object.", field=None
            )
        return data

    async def discover(self, issuer: str) -> ProviderMetadata:
        document = await self._get_json(issuer.rstrip("/") + "/.well-known/openid-configuration")
        try:
            metadata = ProviderMetadata(
                issuer=str(document["issuer"]),
                authorization_endpoint=validate_issuer(
                    str(document["authorization_endpoint"]), "authorization_endpoint"
                ),
                token_endpoint=validate_issuer(str(document["token_endpoint"]), "token_endpoint"),
                jwks_uri=validate_issuer(str(document["jwks_uri"]), "jwks_uri"),
            )
        except (KeyError, ValidationError):
            raise OidcProviderUnavailableError(
                "The sign-in provider's discovery document is incomplete.", field=None
            ) from None
        # OpenID Connect Discovery 4.3: the document must name the issuer it was fetched for.
        if metadata.issuer != issuer:
            raise OidcProviderUnavailableError(
                "The sign-in provider's discovery document names another issuer.", field=None
            )
        return metadata

    def authorization_url(
        self,
        metadata: ProviderMetadata,
        client_id: str,
        redirect_uri: str,
        state: str,
        nonce: str,
        code_verifier: str,
    ) -> str:
        client = self._client(client_id, None, redirect_uri)
        url, _ = client.create_authorization_url(
            metadata.authorization_endpoint, state=state, nonce=nonce, code_verifier=code_verifier
        )
        return str(url)

    async def exchange_code(
        self,
        metadata: ProviderMetadata,
        client_id: str,
        client_secret: str,
        redirect_uri: str,
        code: str,
        code_verifier: str,
    ) -> str:
        from authlib.integrations.base_client.errors import OAuthError

        try:
            async with self._client(client_id, client_secret, redirect_uri) as client:
                token = await client.fetch_token(
                    metadata.token_endpoint,
                    grant_type="authorization_code",
                    code=code,
                    code_verifier=code_verifier,
                )
        except OAuthError as exc:
            # invalid_grant: a used, expired or foreign code, or a wrong PKCE verifier.
            detail = f"{str(exc.error)[:64]}: {str(exc.description)[:200]}"
            raise TokenRejectedError(
                f"The provider refused the sign-in code ({detail}).",
                field="code",
                code="oidc_code_rejected",
            ) from None
        except (httpx2.HTTPError, ValueError) as exc:
            raise OidcProviderUnavailableError(
                f"The sign-in provider's token endpoint failed ({type(exc).__name__}).",
                field=None,
            ) from None
        id_token = token.get("id_token")
        if not isinstance(id_token, str):
            raise TokenRejectedError(
                "The provider answered no ID token.", field="id_token", code="token_claim_missing"
            )
        return id_token

    async def jwks(self, metadata: ProviderMetadata) -> dict[str, Any]:
        return await self._get_json(metadata.jwks_uri)
