"""A small OpenID provider on loopback whose tokens a test can bend, for the attack tests.

It is a real HTTP server (uvicorn in a thread): Roster discovers it, fetches its keys and
exchanges codes with it exactly as it would with Okta. It signs in `next_user` at once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode

import uvicorn
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class Grant:
    client_id: str
    redirect_uri: str
    code_challenge: str | None
    nonce: str | None
    claims: dict[str, Any]


@dataclass
class FakeProvider:
    """Knobs a test turns: who signs in, and how the next ID token is bent."""

    client_id: str = "roster-client"
    client_secret: str = "roster-secret"
    issuer: str = ""
    next_user: dict[str, Any] = field(default_factory=dict)
    claim_overrides: dict[str, Any] = field(default_factory=dict)
    drop_claims: set[str] = field(default_factory=set)
    header_overrides: dict[str, Any] = field(default_factory=dict)
    forge: str | None = None  # "none", "hs256-public-key", "foreign-key"
    advertise_iss_parameter: bool = False
    send_iss_parameter: str | None = None
    discovery_issuer: str | None = None
    userinfo_claims: dict[str, Any] = field(default_factory=dict)
    keys: list[RSAKey] = field(default_factory=list)
    grants: dict[str, Grant] = field(default_factory=dict)
    tokens: dict[str, dict[str, Any]] = field(default_factory=dict)
    token_requests: int = 0

    def rotate_key(self) -> None:
        """A new signing key; the old one leaves the key set."""
        self.keys = [
            RSAKey.generate_key(2048, parameters={"kid": secrets.token_hex(4)}, private=True)
        ]

    @property
    def signing_key(self) -> RSAKey:
        return self.keys[0]

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/.well-known/openid-configuration", self.discovery),
                Route("/jwks", self.jwks),
                Route("/authorize", self.authorize),
                Route("/token", self.token, methods=["POST"]),
                Route("/userinfo", self.userinfo),
            ]
        )

    async def discovery(self, request: Request) -> Response:
        return JSONResponse(
            {
                "issuer": self.discovery_issuer or self.issuer,
                "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token",
                "jwks_uri": f"{self.issuer}/jwks",
                "userinfo_endpoint": f"{self.issuer}/userinfo",
                "token_endpoint_auth_methods_supported": ["client_secret_basic"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "authorization_response_iss_parameter_supported": self.advertise_iss_parameter,
            }
        )

    async def jwks(self, request: Request) -> Response:
        return JSONResponse(KeySet(list(self.keys)).as_dict(private=False))

    async def authorize(self, request: Request) -> Response:
        params = request.query_params
        assert params["response_type"] == "code"
        assert params.get("code_challenge_method") == "S256"
        code = secrets.token_urlsafe(16)
        self.grants[code] = Grant(
            client_id=params["client_id"],
            redirect_uri=params["redirect_uri"],
            code_challenge=params.get("code_challenge"),
            nonce=params.get("nonce"),
            claims=dict(self.next_user),
        )
        answer = {"code": code, "state": params["state"]}
        if self.send_iss_parameter is not None:
            answer["iss"] = self.send_iss_parameter
        return RedirectResponse(f"{params['redirect_uri']}?{urlencode(answer)}", status_code=302)

    async def token(self, request: Request) -> Response:
        self.token_requests += 1
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
        expected = (
            "Basic " + base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        )
        if request.headers.get("authorization") != expected:
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        grant = self.grants.pop(str(form.get("code")), None)
        if grant is None or grant.redirect_uri != form.get("redirect_uri"):
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        verifier = str(form.get("code_verifier") or "")
        challenge = _b64(hashlib.sha256(verifier.encode()).digest())
        if grant.code_challenge is None or challenge != grant.code_challenge:
            return JSONResponse({"error": "invalid_grant", "error_description": "PKCE"}, 400)
        access_token = secrets.token_urlsafe(16)
        self.tokens[access_token] = grant.claims
        return JSONResponse(
            {
                "access_token": access_token,
                "token_type": "Bearer",
                "expires_in": 300,
                "id_token": self.id_token(grant),
            }
        )

    def id_token(self, grant: Grant) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": grant.client_id,
            "iat": now,
            "exp": now + 300,
            "nonce": grant.nonce,
            **grant.claims,
            **self.claim_overrides,
        }
        for name in self.drop_claims:
            claims.pop(name, None)
        header = {"alg": "RS256", "kid": self.signing_key.kid, **self.header_overrides}
        if self.forge == "none":
            return (
                f"{_b64(json.dumps({'alg': 'none'}).encode())}.{_b64(json.dumps(claims).encode())}."
            )
        if self.forge == "hs256-public-key":
            # The classic confusion: HMAC "signed" with the provider's public key, by hand
            # since joserfc (rightly) refuses to use a public key as an HMAC secret.
            secret = self.signing_key.as_pem(private=False)
            header_part = _b64(json.dumps({"alg": "HS256", "kid": self.signing_key.kid}).encode())
            signing_input = f"{header_part}.{_b64(json.dumps(claims).encode())}"
            mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
            return f"{signing_input}.{_b64(mac)}"
        key = self.signing_key
        if self.forge == "foreign-key":
            key = RSAKey.generate_key(
                2048, parameters={"kid": str(self.signing_key.kid)}, private=True
            )
        return jwt.encode(header, claims, key)

    async def userinfo(self, request: Request) -> Response:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        claims = self.tokens.get(token)
        if claims is None:
            return JSONResponse({"error": "invalid_token"}, status_code=401)
        return JSONResponse({**claims, **self.userinfo_claims})


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def running_provider() -> Iterator[FakeProvider]:
    provider = FakeProvider()
    provider.rotate_key()
    port = _free_port()
    provider.issuer = f"http://127.0.0.1:{port}"
    server = uvicorn.Server(
        uvicorn.Config(
            provider.app(), host="127.0.0.1", port=port, log_level="warning", lifespan="off"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the fake provider did not start")
        time.sleep(0.01)
    try:
        yield provider
    finally:
        server.should_exit = True
        thread.join(timeout=10)
