"""A real OpenID Connect provider on 127.0.0.1, built from authlib's own server components.

This machine cannot reach Google or any other identity provider, so the tests run this one,
as ``tests/stripe_standin.py`` stands in for Stripe: Rostra's real authlib client code
(discovery, authorization code + PKCE, token exchange, JWKS, ID token checks) talks to it over
HTTP. The authorization endpoint approves at once for ``provider.user`` (no login form), as a
provider does for a browser that is already signed in there.

Knobs for the refusal tests: ``tamper`` overrides claims of the next ID tokens (re-signed with
the provider's key), ``foreign_key`` signs them with a key that is not in the JWKS, and
``deny`` makes the authorization endpoint answer ``error=access_denied``.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urlsplit

from authlib.oauth2 import AuthorizationServer, OAuth2Request
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload, JsonPayload, JsonRequest
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

CLIENT_ID = "rostra-test-client"
CLIENT_SECRET = "rostra-test-client-secret-0123456789"


@dataclass
class User:
    """The account signed in at the provider."""

    sub: str = "provider-user-1"
    name: str = "Ottilie Provider"
    email: str | None = "ottilie@id.example"
    email_verified: bool = True
    picture: str | None = None


@dataclass
class Client:
    """The one registered client (Rostra), as authlib's ``ClientMixin`` wants it."""

    redirect_uris: list[str] = field(default_factory=list)
    # Any callback on these hosts: the Rostra server's port is only known when it starts.
    redirect_hosts: set[str] = field(
        default_factory=lambda: {"127.0.0.1", "localhost", "testserver"}
    )

    def get_client_id(self) -> str:
        return CLIENT_ID

    def get_default_redirect_uri(self) -> str:
        return self.redirect_uris[0] if self.redirect_uris else ""

    def get_allowed_scope(self, scope: str) -> str:
        return " ".join(s for s in scope.split() if s in {"openid", "email", "profile"})

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return urlsplit(redirect_uri).hostname in self.redirect_hosts

    def check_client_secret(self, client_secret: str) -> bool:
        return secrets.compare_digest(client_secret, CLIENT_SECRET)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in {"client_secret_basic", "client_secret_post"}

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


@dataclass
class Code:
    """An issued authorization code (``AuthorizationCodeMixin``)."""

    code: str
    redirect_uri: str
    scope: str
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    user: User
    auth_time: int

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time

    def get_acr(self) -> str | None:
        return None

    def get_amr(self) -> list[str] | None:
        return None


@dataclass
class Provider:
    """The provider's state, shared by its HTTP handler and the tests."""

    url: str = ""
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, {"kid": "k1"}))
    user: User = field(default_factory=User)
    client: Client = field(default_factory=Client)
    codes: dict[str, Code] = field(default_factory=dict)
    tamper: dict[str, Any] = field(default_factory=dict)
    foreign_key: bool = False
    deny: bool = False
    token_requests: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def jwks(self) -> dict[str, Any]:
        return KeySet([self.key]).as_dict(private=False)


class _CodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = ["client_secret_basic", "client_secret_post"]
    provider: Provider

    def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
        data = request.payload.data
        self.provider.codes[code] = Code(
            code=code,
            redirect_uri=request.payload.redirect_uri,
            scope=request.payload.scope,
            nonce=data.get("nonce"),
            code_challenge=data.get("code_challenge"),
            code_challenge_method=data.get("code_challenge_method"),
            user=request.user,
            auth_time=int(time.time()),
        )

    def query_authorization_code(self, code: str, client: Client) -> Code | None:
        return self.provider.codes.get(code)

    def delete_authorization_code(self, authorization_code: Code) -> None:
        # A code works once: a replayed code is answered invalid_grant.
        self.provider.codes.pop(authorization_code.code, None)

    def authenticate_user(self, authorization_code: Code) -> User:
        return authorization_code.user


class _OpenIDCode(OpenIDCode):
    def __init__(self, provider: Provider) -> None:
        super().__init__(require_nonce=True)
        self.provider = provider

    def exists_nonce(self, nonce: str, request: OAuth2Request) -> bool:
        return any(code.nonce == nonce for code in self.provider.codes.values())

    def resolve_client_private_key(self, client: Client) -> RSAKey:
        return self.provider.key

    def get_client_algorithm(self, client: Client) -> str:
        return "RS256"

    def get_encode_header(self, client: Client) -> dict[str, str]:
        return {"alg": "RS256", "kid": "k1"}

    def get_client_claims(self, client: Client) -> dict[str, Any]:
        return {"iss": self.provider.url, "aud": [CLIENT_ID]}

    def generate_user_info(self, user: User, scope: str) -> UserInfo:
        info = UserInfo(sub=user.sub, name=user.name)
        if "email" in scope and user.email:
            info["email"] = user.email
            info["email_verified"] = user.email_verified
        if user.picture:
            info["picture"] = user.picture
        return info

    def process_token(self, grant: Any, response: Any) -> Any:
        token = super().process_token(grant, response)
        provider = self.provider
        if "id_token" in token and (provider.tamper or provider.foreign_key):
            claims = jwt.decode(token["id_token"], provider.key).claims
            claims.update(provider.tamper)
            claims = {k: v for k, v in claims.items() if v is not None}
            key = RSAKey.generate_key(2048, {"kid": "k1"}) if provider.foreign_key else provider.key
            token["id_token"] = jwt.encode({"alg": "RS256", "kid": "k1"}, claims, key)
        return token


class _Request(OAuth2Request):
    """A request of the stdlib HTTP server, in the shape authlib's grants read."""

    def __init__(self, method: str, uri: str, headers: dict[str, str], form: dict[str, str]):
        super().__init__(method, uri, headers=headers)
        self.payload = BasicOAuth2Payload(form)
        self._form = form

    @property
    def args(self) -> dict[str, str]:
        return self._form if self.method == "GET" else {}

    @property
    def form(self) -> dict[str, str]:
        return self._form if self.method == "POST" else {}


class _Server(AuthorizationServer):
    def __init__(self, provider: Provider) -> None:
        super().__init__(scopes_supported=["openid", "email", "profile"])
        self.provider = provider
        self.register_token_generator(
            "default", BearerTokenGenerator(lambda *_a, **_k: secrets.token_urlsafe(24))
        )
        grant = type("Grant", (_CodeGrant,), {"provider": provider})
        self.register_grant(grant, [CodeChallenge(required=True), _OpenIDCode(provider)])

    def query_client(self, client_id: str) -> Client | None:
        return self.provider.client if client_id == CLIENT_ID else None

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        self.provider.token_requests += 1

    def create_oauth2_request(self, request: Any) -> OAuth2Request:
        if isinstance(request, OAuth2Request):
            return request
        return _Request(*request)

    def create_json_request(self, request: Any) -> JsonRequest:
        method, uri, headers, _form = request
        made = JsonRequest(method, uri, headers)
        made.payload = JsonPayload()
        return made

    def handle_response(self, status: int, body: Any, headers: Any) -> tuple[int, Any, Any]:
        return status, body, headers

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        return None


def _handler(provider: Provider, server: _Server) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            return None

        def _answer(self, status: int, body: Any, headers: Any = ()) -> None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            self.send_response(status)
            sent = {name.lower() for name, _ in headers}
            for name, value in headers:
                self.send_header(name, value)
            if "content-type" not in sent:
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _request(self, form: dict[str, str]) -> tuple[str, str, dict[str, str], Any]:
            uri = provider.url + self.path
            return self.command, uri, {k: v for k, v in self.headers.items()}, form

        def do_GET(self) -> None:
            path, _, query = self.path.partition("?")
            if path == "/.well-known/openid-configuration":
                base = provider.url
                return self._answer(
                    200,
                    {
                        "issuer": base,
                        "authorization_endpoint": f"{base}/authorize",
                        "token_endpoint": f"{base}/token",
                        "jwks_uri": f"{base}/jwks",
                        "response_types_supported": ["code"],
                        "subject_types_supported": ["public"],
                        "id_token_signing_alg_values_supported": ["RS256"],
                        "code_challenge_methods_supported": ["S256"],
                        "scopes_supported": ["openid", "email", "profile"],
                    },
                )
            if path == "/jwks":
                return self._answer(200, provider.jwks())
            if path == "/authorize":
                form = dict(parse_qsl(query))
                if provider.deny:
                    state = form.get("state", "")
                    target = f"{form.get('redirect_uri')}?error=access_denied&state={state}"
                    return self._answer(302, b"", [("Location", target)])
                with provider.lock:
                    request = server.create_oauth2_request(self._request(form))
                    try:
                        grant = server.get_consent_grant(request, end_user=provider.user)
                    except Exception as exc:  # an authlib OAuth2Error: shown as the provider would
                        return self._answer(400, {"error": str(exc)})
                    status, body, headers = server.create_authorization_response(
                        request, grant_user=provider.user, grant=grant
                    )
                return self._answer(status, body or b"", headers)
            return self._answer(404, {"error": "not_found"})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            form = dict(parse_qsl(self.rfile.read(length).decode()))
            if self.path != "/token":
                return self._answer(404, {"error": "not_found"})
            with provider.lock:
                status, body, headers = server.create_token_response(self._request(form))
            return self._answer(status, body, headers)

    return Handler


def start_provider() -> tuple[Provider, ThreadingHTTPServer]:
    """Serve a provider on a free loopback port; ``shutdown()`` the server when done."""
    provider = Provider()
    http = ThreadingHTTPServer(("127.0.0.1", 0), _handler(provider, _Server(provider)))
    provider.url = f"http://127.0.0.1:{http.server_address[1]}"
    threading.Thread(target=http.serve_forever, daemon=True).start()
    return provider, http
