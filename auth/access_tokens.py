"""Access tokens for partner tools: RFC 9068 JWTs from a rotating key set.

Tokens are issued by Authlib's authorization server (client credentials grant, client
authentication by client_secret_basic or client_secret_post) and verified here with
joserfc. Authlib's server is synchronous, so the client is read before it runs and
handed to it through a context variable.
"""

from __future__ import annotations

import contextvars
import hmac
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from authlib.oauth2.rfc6749 import AuthorizationServer, ClientMixin, OAuth2Request
from authlib.oauth2.rfc6749.errors import InvalidScopeError
from authlib.oauth2.rfc6749.grants import ClientCredentialsGrant
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload
from authlib.oauth2.rfc9068 import JWTBearerTokenGenerator
from joserfc import jwt
from joserfc.errors import ExpiredTokenError, JoseError
from joserfc.jwk import KeySet

from provisioning.access.client_secrets import secret_hash
from provisioning.access.principal import ADMIN_SCOPE, SCOPES, Principal
from provisioning.access.signing_keys import ALGORITHM, CLOCK_LEEWAY_SECONDS, KeyRing
from provisioning.api_clients import ApiClientRecord


class InvalidAccessToken(Exception):
    """The bearer token is not one of ours, or no longer good; the message says why."""


def holds_scope(held: tuple[str, ...] | list[str], scope: str) -> bool:
    """A client holds the scopes it was given; `admin` includes every other."""
    return scope in held or (ADMIN_SCOPE in held and scope in SCOPES)


class _Client(ClientMixin):  # type: ignore[misc]
    def __init__(self, record: ApiClientRecord) -> None:
        self.record = record

    def get_client_id(self) -> str:
        return self.record.client_id

    def get_default_redirect_uri(self) -> None:
        return None

    def holds(self, scope: str) -> bool:
        return holds_scope(self.record.scopes, scope)

    def get_allowed_scope(self, scope: str | None) -> str:
        if not scope:
            return " ".join(self.record.scopes)
        return " ".join(s for s in dict.fromkeys(scope.split()) if self.holds(s))

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return False

    def check_client_secret(self, client_secret: str) -> bool:
        return hmac.compare_digest(secret_hash(client_secret), self.record.secret_hash)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return False

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "client_credentials"


_current_client: contextvars.ContextVar[ApiClientRecord | None] = contextvars.ContextVar(
    "roster_token_client", default=None
)
_current_signer: contextvars.ContextVar[KeySet | None] = contextvars.ContextVar(
    "roster_token_signer", default=None
)


class _TokenGenerator(JWTBearerTokenGenerator):  # type: ignore[misc]
    def __init__(self, issuer: str, audience: str, lifetime: int) -> None:
        super().__init__(issuer=issuer, alg=ALGORITHM, expires_generator=lambda *_: lifetime)
        self.audience = audience

    def get_jwks(self) -> KeySet:
        signer = _current_signer.get()
        assert signer is not None, "the token endpoint sets the signing key first"
        return signer

    def get_audiences(self, client: Any, user: Any, scope: Any) -> str:
        return self.audience

    def get_extra_claims(
        self, client: Any, grant_type: Any, user: Any, scope: Any
    ) -> dict[str, Any]:
        return {"org": client.record.org_id}


class _FormRequest(OAuth2Request):  # type: ignore[misc]
    def __init__(self, request: TokenRequest) -> None:
        super().__init__(request.method, request.uri, headers=request.headers)
        self.payload = BasicOAuth2Payload(request.form)
        self._form = request.form

    @property
    def form(self) -> dict[str, str]:
        return self._form

    @property
    def args(self) -> dict[str, str]:
        return {}


class _ClientCredentials(ClientCredentialsGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

    def validate_requested_scope(self) -> None:
        """RFC 6749 5.2: a scope the client does not hold is invalid_scope, not a token
        with less (or nothing) in it."""
        super().validate_requested_scope()
        client: _Client = self.request.client
        wanted = (self.request.payload.scope or "").split()
        missing = [s for s in wanted if not client.holds(s)]
        if missing:
            raise InvalidScopeError(f"This client does not hold {' '.join(missing)}.")


class _Server(AuthorizationServer):  # type: ignore[misc]
    def create_oauth2_request(self, request: OAuth2Request) -> OAuth2Request:
        return request

    def query_client(self, client_id: str) -> _Client | None:
        record = _current_client.get()
        if record is None or record.client_id != client_id or record.revoked_at is not None:
            return None
        return _Client(record)

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        """Nothing to store: the token is a self-contained JWT."""

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        pass

    def handle_response(
        self, status: int, body: Any, headers: list[tuple[str, str]]
    ) -> tuple[int, Any, list[tuple[str, str]]]:
        return status, body, headers


@dataclass(frozen=True)
class TokenRequest:
    method: str
    uri: str
    headers: Mapping[str, str]  # case-insensitive, as Starlette's Headers
    form: dict[str, str]


@dataclass
class AccessTokens:
    """Issues tokens at POST /oauth/token and turns bearer tokens into Principals."""

    find_client: Callable[[str], Awaitable[ApiClientRecord | None]]
    key_ring: KeyRing
    issuer: str
    audience: str
    lifetime: int
    wall_clock: Callable[[], float] = time.time
    # Called with the client after each token it is issued (its "last used" for admins).
    note_token: Callable[[ApiClientRecord], Awaitable[None]] | None = None
    _server: _Server = field(init=False)

    def __post_init__(self) -> None:
        self._server = _Server(scopes_supported=list(SCOPES))
        self._server.register_grant(_ClientCredentials)
        self._server.register_token_generator(
            "default", _TokenGenerator(self.issuer, self.audience, self.lifetime)
        )

    async def token_response(self, request: TokenRequest) -> tuple[int, Any, list[tuple[str, str]]]:
        client_id = _client_id_of(request)
        record = await self.find_client(client_id) if client_id else None
        signer = await self.key_ring.signer()
        oauth_request = _FormRequest(request)
        client_token, signer_token = _current_client.set(record), _current_signer.set(signer)
        try:
            status, body, headers = self._server.create_token_response(oauth_request)
        finally:
            _current_client.reset(client_token)
            _current_signer.reset(signer_token)
        if status == 200 and record is not None and self.note_token is not None:
            await self.note_token(record)
        return status, body, headers

    async def principal(self, token: str) -> Principal:
        keys = await self.key_ring.published()
        try:
            decoded = jwt.decode(token, keys, algorithms=[ALGORITHM])
        except JoseError:
            # Perhaps a key made by another instance a moment ago: look once more.
            keys = await self.key_ring.published(refresh=True)
            try:
                decoded = jwt.decode(token, keys, algorithms=[ALGORITHM])
            except JoseError as error:
                raise InvalidAccessToken("The token's signature is not ours.") from error
        if decoded.header.get("typ") != "at+jwt":
            raise InvalidAccessToken("Not an access token (typ must be at+jwt).")
        registry = jwt.JWTClaimsRegistry(
            now=lambda: int(self.wall_clock()),
            leeway=CLOCK_LEEWAY_SECONDS,
            iss={"essential": True, "value": self.issuer},
            aud={"essential": True, "value": self.audience},
            exp={"essential": True},
            sub={"essential": True},
            org={"essential": True},
            client_id={"essential": True},
        )
        claims = decoded.claims
        try:
            registry.validate(claims)
        except ExpiredTokenError as error:
            raise InvalidAccessToken("The token has expired.") from error
        except JoseError as error:
            raise InvalidAccessToken(f"The token is not valid here ({error.error}).") from error
        record = await self.find_client(str(claims["client_id"]))
        if record is None or record.revoked_at is not None or record.org_id != claims["org"]:
            raise InvalidAccessToken("The client was revoked.")
        granted = {
            s for s in str(claims.get("scope") or "").split() if holds_scope(record.scopes, s)
        }
        return Principal(
            org_id=record.org_id,
            user_id=None,
            roles=frozenset(),
            client_id=record.client_id,
            scopes=frozenset(granted),
        )


def _client_id_of(request: TokenRequest) -> str | None:
    import base64
    from urllib.parse import unquote

    authorization = request.headers.get("authorization", "")
    if authorization.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(authorization[6:]).decode()
        except (ValueError, UnicodeDecodeError):
            return None
        return unquote(decoded.partition(":")[0]) or None
    return request.form.get("client_id") or None
