"""The OpenID Connect relying party: discovery, JWKS, code exchange, ID token checks.

One OidcClient per app, opened in the lifespan with its own HTTP client. Authlib does the
authorization-code exchange (PKCE, client authentication); joserfc (Authlib's JOSE
successor) verifies ID tokens with a pinned list of asymmetric algorithms, and every
claim rule of DESIGN.md is checked here explicitly rather than left to defaults.
"""

from __future__ import annotations

import asyncio
import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx2
from authlib.integrations.httpx_client import AsyncOAuth2Client
from joserfc import jwt
from joserfc.errors import ExpiredTokenError, InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet

from provisioning.sso.login import SsoFailure

# Asymmetric only: never "none", never HS* (an HS256 token "signed" with the provider's
# public key must not verify).
ALLOWED_ALGORITHMS = (
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "ES256",
    "ES384",
    "ES512",
)
CLOCK_LEEWAY_SECONDS = 60
METADATA_TTL_SECONDS = 3600
JWKS_TTL_SECONDS = 3600
# An unknown key id triggers at most one JWKS refetch per issuer in this interval, so a
# stream of forged kids cannot turn us into a load generator against the provider.
JWKS_REFETCH_INTERVAL_SECONDS = 10


@dataclass(frozen=True)
class ProviderMetadata:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str | None
    token_auth_methods: tuple[str, ...]
    iss_parameter_supported: bool

    @property
    def token_auth_method(self) -> str:
        if "client_secret_basic" in self.token_auth_methods or not self.token_auth_methods:
            return "client_secret_basic"
        if "client_secret_post" in self.token_auth_methods:
            return "client_secret_post"
        raise SsoFailure(
            "PROVIDER_UNSUPPORTED",
            "The provider supports neither client_secret_basic nor client_secret_post.",
        )


@dataclass
class _Cached:
    value: Any
    fetched_at: float


@dataclass
class OidcClient:
    http: httpx2.AsyncClient
    # Shared by every code exchange: a new client per login would build a new SSL
    # context (loading the CA bundle) each time, some 50 ms of CPU.
    transport: httpx2.AsyncHTTPTransport = field(
        default_factory=lambda: httpx2.AsyncHTTPTransport()
    )
    monotonic: Callable[[], float] = time.monotonic
    wall_clock: Callable[[], float] = time.time
    _metadata: dict[str, _Cached] = field(default_factory=dict)
    _jwks: dict[str, _Cached] = field(default_factory=dict)
    _forced_refresh: dict[str, float] = field(default_factory=dict)
    _locks: dict[str, asyncio.Lock] = field(default_factory=dict)

    def _lock(self, key: str) -> asyncio.Lock:
        return self._locks.setdefault(key, asyncio.Lock())

    async def _get_json(self, url: str, what: str) -> dict[str, Any]:
        try:
            response = await self.http.get(url, headers={"Accept": "application/json"})
            response.raise_for_status()
            body = response.json()
        except (httpx2.HTTPError, ValueError) as error:
            raise SsoFailure(
                "DISCOVERY_FAILED", f"Could not read the provider's {what}."
            ) from error
        if not isinstance(body, dict):
            raise SsoFailure("DISCOVERY_FAILED", f"The provider's {what} is not a JSON object.")
        return body

    async def metadata(self, issuer: str) -> ProviderMetadata:
        cached = self._metadata.get(issuer)
        if cached and self.monotonic() - cached.fetched_at < METADATA_TTL_SECONDS:
            metadata: ProviderMetadata = cached.value
            return metadata
        async with self._lock(f"metadata:{issuer}"):
            cached = self._metadata.get(issuer)
            if cached and self.monotonic() - cached.fetched_at < METADATA_TTL_SECONDS:
                metadata = cached.value
                return metadata
            url = issuer.rstrip("/") + "/.well-known/openid-configuration"
            document = await self._get_json(url, "discovery document")
            if document.get("issuer") != issuer:
                raise SsoFailure(
                    "ISSUER_MISMATCH",
                    "The provider's discovery document names another issuer than the"
                    " one configured.",
                )
            try:
                metadata = ProviderMetadata(
                    issuer=issuer,
                    authorization_endpoint=str(document["authorization_endpoint"]),
                    token_endpoint=str(document["token_endpoint"]),
                    jwks_uri=str(document["jwks_uri"]),
                    userinfo_endpoint=document.get("userinfo_endpoint"),
                    token_auth_methods=tuple(
                        document.get("token_endpoint_auth_methods_supported", ())
                    ),
                    iss_parameter_supported=bool(
                        document.get("authorization_response_iss_parameter_supported", False)
                    ),
                )
            except KeyError as error:
                raise SsoFailure(
                    "DISCOVERY_FAILED", f"The discovery document lacks {error.args[0]}."
                ) from error
            self._metadata[issuer] = _Cached(metadata, self.monotonic())
            return metadata

    async def _keys(self, metadata: ProviderMetadata, refresh: bool) -> KeySet:
        issuer = metadata.issuer
        async with self._lock(f"jwks:{issuer}"):
            cached = self._jwks.get(issuer)
            now = self.monotonic()
            fresh = cached is not None and now - cached.fetched_at < JWKS_TTL_SECONDS
            if refresh:
                last = self._forced_refresh.get(issuer)
                if last is not None and now - last < JWKS_REFETCH_INTERVAL_SECONDS:
                    refresh = False  # refetched for an unknown kid a moment ago
                else:
                    self._forced_refresh[issuer] = now
            if cached is not None and fresh and not refresh:
                keys: KeySet = cached.value
                return keys
            document = await self._get_json(metadata.jwks_uri, "key set")
            try:
                keys = KeySet.import_key_set(document)  # type: ignore[arg-type]
            except (JoseError, ValueError, KeyError, TypeError) as error:
                raise SsoFailure(
                    "DISCOVERY_FAILED", "The provider's key set is invalid."
                ) from error
            self._jwks[issuer] = _Cached(keys, self.monotonic())
            return keys

    async def exchange_code(
        self,
        metadata: ProviderMetadata,
        client_id: str,
        client_secret: str,
        code: str,
        code_verifier: str,
        redirect_uri: str,
    ) -> dict[str, Any]:
        client = AsyncOAuth2Client(
            client_id=client_id,
            client_secret=client_secret,
            token_endpoint_auth_method=metadata.token_auth_method,
            redirect_uri=redirect_uri,
            code_challenge_method="S256",
            timeout=10.0,
            transport=self.transport,
        )
        try:
            # Not `async with client`: closing it would close the shared transport.
            token = await client.fetch_token(
                metadata.token_endpoint,
                grant_type="authorization_code",
                code=code,
                code_verifier=code_verifier,
            )
        except Exception as error:
            raise SsoFailure(
                "TOKEN_EXCHANGE_FAILED", "The provider refused to exchange the code."
            ) from error
        return dict(token)

    async def close(self) -> None:
        await self.transport.aclose()

    async def verify_id_token(
        self, metadata: ProviderMetadata, id_token: str, client_id: str, nonce: str
    ) -> dict[str, Any]:
        keys = await self._keys(metadata, refresh=False)
        try:
            token = jwt.decode(id_token, keys, algorithms=list(ALLOWED_ALGORITHMS))
        except InvalidKeyIdError:
            # The provider may have rotated its keys: fetch them again, once.
            keys = await self._keys(metadata, refresh=True)
            token = self._decode(id_token, keys)
        except JoseError as error:
            raise SsoFailure("ID_TOKEN_INVALID", _describe(error)) from error
        claims = dict(token.claims)
        registry = jwt.JWTClaimsRegistry(
            now=lambda: int(self.wall_clock()),
            leeway=CLOCK_LEEWAY_SECONDS,
            iss={"essential": True, "value": metadata.issuer},
            aud={"essential": True, "value": client_id},
            sub={"essential": True},
            exp={"essential": True},
            iat={"essential": True},
        )
        try:
            registry.validate(claims)
        except ExpiredTokenError as error:
            raise SsoFailure("ID_TOKEN_EXPIRED", "The ID token has expired.") from error
        except JoseError as error:
            raise SsoFailure("ID_TOKEN_INVALID", _describe(error)) from error
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        azp = claims.get("azp")
        if (azp is not None or len(audiences) > 1) and azp != client_id:
            raise SsoFailure("ID_TOKEN_INVALID", "The ID token was issued to another party (azp).")
        if not hmac.compare_digest(str(claims.get("nonce", "")), nonce):
            raise SsoFailure("NONCE_MISMATCH", "The ID token does not answer this login (nonce).")
        return claims

    @staticmethod
    def _decode(id_token: str, keys: KeySet) -> Any:
        try:
            return jwt.decode(id_token, keys, algorithms=list(ALLOWED_ALGORITHMS))
        except JoseError as error:
            raise SsoFailure("ID_TOKEN_INVALID", _describe(error)) from error

    async def userinfo(
        self, metadata: ProviderMetadata, access_token: str, subject: str
    ) -> dict[str, Any]:
        if not metadata.userinfo_endpoint:
            return {}
        try:
            response = await self.http.get(
                metadata.userinfo_endpoint, headers={"Authorization": f"Bearer {access_token}"}
            )
            response.raise_for_status()
            claims = response.json()
        except (httpx2.HTTPError, ValueError) as error:
            raise SsoFailure(
                "USERINFO_FAILED", "Could not read the provider's userinfo."
            ) from error
        if not isinstance(claims, dict) or claims.get("sub") != subject:
            # OIDC Core 5.3.2: a userinfo answer for another subject must not be used.
            raise SsoFailure("USERINFO_FAILED", "The userinfo answer is for another subject.")
        return claims


def _describe(error: JoseError) -> str:
    return f"The ID token is not valid: {error.error}."
