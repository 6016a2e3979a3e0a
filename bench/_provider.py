"""A fast OpenID provider for bench.sso_login, run as its own process:

    python -m bench._provider --port P --client-id ID --client-secret S \
        --redirect-uri URI [--redirect-uri URI ...]

A Starlette app under uvicorn on 127.0.0.1:P with issuer http://127.0.0.1:P, modelled on
tests/integration/oidc_provider.py's FakeProvider: discovery, JWKS, an /authorize that
signs the person in at once (no form) and redirects back with a code, a /token endpoint
that checks the client's Basic credentials, the redirect URI and PKCE S256 and returns
an RS256 ID token signed with joserfc, and /userinfo. Like oidc-provider, it advertises
and sends the RFC 9207 `iss` response parameter.

Who signs in comes from `login_hint` (an email): `sub` is "sub-" + the hint, so that a load
generator decides which logins are first logins (a new hint) and which are returning
ones. The ID token carries email, email_verified, given_name and family_name, so the
relying party needs no userinfo call. It is built to cost little per login, so that it is
never what limits the benchmark.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import secrets
import time
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

HOST = "127.0.0.1"
CODE_TTL_SECONDS = 60.0
TOKEN_TTL_SECONDS = 300
MAX_OUTSTANDING = 100_000  # codes and tokens kept; the oldest go first past this


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass(frozen=True)
class Grant:
    redirect_uri: str
    code_challenge: str
    nonce: str | None
    claims: dict[str, Any]
    issued_at: float


@dataclass
class BenchProvider:
    issuer: str
    client_id: str
    client_secret: str
    redirect_uris: frozenset[str]
    key: RSAKey = field(
        default_factory=lambda: RSAKey.generate_key(
            2048,
            parameters={"kid": secrets.token_hex(4), "alg": "RS256", "use": "sig"},
            private=True,
        )
    )
    grants: dict[str, Grant] = field(default_factory=dict)
    tokens: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def _basic(self) -> str:
        pair = f"{self.client_id}:{self.client_secret}".encode()
        return "Basic " + base64.b64encode(pair).decode()

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
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token",
                "jwks_uri": f"{self.issuer}/jwks",
                "userinfo_endpoint": f"{self.issuer}/userinfo",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic"],
                "code_challenge_methods_supported": ["S256"],
                "scopes_supported": ["openid", "email", "profile"],
                "authorization_response_iss_parameter_supported": True,
            }
        )

    async def jwks(self, request: Request) -> Response:
        return JSONResponse(KeySet([self.key]).as_dict(private=False))

    @staticmethod
    def _error(error: str, description: str, status: int = 400) -> Response:
        return JSONResponse({"error": error, "error_description": description}, status)

    def _forget_old(self) -> None:
        if len(self.grants) > MAX_OUTSTANDING:
            for code in list(self.grants)[: MAX_OUTSTANDING // 10]:
                del self.grants[code]
        if len(self.tokens) > MAX_OUTSTANDING:
            for token in list(self.tokens)[: MAX_OUTSTANDING // 10]:
                del self.tokens[token]

    async def authorize(self, request: Request) -> Response:
        params = request.query_params
        redirect_uri = params.get("redirect_uri", "")
        if params.get("client_id") != self.client_id or redirect_uri not in self.redirect_uris:
            return self._error("invalid_request", "unknown client or redirect_uri")
        scopes = params.get("scope", "").split(" ")
        if params.get("response_type") != "code" or "openid" not in scopes:
            return self._error("invalid_request", "response_type code and scope openid only")
        if params.get("code_challenge_method") != "S256" or not params.get("code_challenge"):
            return self._error("invalid_request", "PKCE S256 is required")
        hint = params.get("login_hint", "")
        if "@" not in hint:
            return self._error("invalid_request", "login_hint must be an email")
        local = hint.partition("@")[0]
        self._forget_old()
        code = secrets.token_urlsafe(24)
        self.grants[code] = Grant(
            redirect_uri=redirect_uri,
            code_challenge=params["code_challenge"],
            nonce=params.get("nonce"),
            claims={
                "sub": f"sub-{hint}",
                "email": hint,
                "email_verified": True,
                "given_name": "Bench",
                "family_name": local.replace("-", " ").title(),
            },
            issued_at=time.monotonic(),
        )
        answer = {"code": code, "state": params.get("state", ""), "iss": self.issuer}
        return RedirectResponse(f"{redirect_uri}?{urlencode(answer)}", status_code=302)

    async def token(self, request: Request) -> Response:
        if not hmac.compare_digest(request.headers.get("authorization", ""), self._basic):
            return self._error("invalid_client", "client authentication failed", 401)
        # Parsed by hand: Starlette's request.form() would need python-multipart.
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
        if form.get("grant_type") != "authorization_code":
            return self._error("unsupported_grant_type", "authorization_code only")
        grant = self.grants.pop(str(form.get("code", "")), None)
        if grant is None or time.monotonic() - grant.issued_at > CODE_TTL_SECONDS:
            return self._error("invalid_grant", "unknown, used or expired code")
        if grant.redirect_uri != form.get("redirect_uri"):
            return self._error("invalid_grant", "redirect_uri differs")
        verifier = str(form.get("code_verifier", ""))
        if _b64(hashlib.sha256(verifier.encode()).digest()) != grant.code_challenge:
            return self._error("invalid_grant", "PKCE verification failed")
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": self.client_id,
            "iat": now,
            "exp": now + TOKEN_TTL_SECONDS,
            **({"nonce": grant.nonce} if grant.nonce else {}),
            **grant.claims,
        }
        id_token = jwt.encode({"alg": "RS256", "kid": self.key.kid}, claims, self.key)
        access_token = secrets.token_urlsafe(24)
        self.tokens[access_token] = grant.claims
        return JSONResponse(
            {
                "access_token": access_token,
                "token_type": "Bearer",
                "expires_in": TOKEN_TTL_SECONDS,
                "id_token": id_token,
            },
            headers={"Cache-Control": "no-store"},
        )

    async def userinfo(self, request: Request) -> Response:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        claims = self.tokens.get(token)
        if claims is None:
            return self._error("invalid_token", "unknown access token", 401)
        return JSONResponse(claims)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench._provider", description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--client-secret", required=True)
    parser.add_argument("--redirect-uri", action="append", required=True)
    args = parser.parse_args(argv)
    provider = BenchProvider(
        issuer=f"http://{HOST}:{args.port}",
        client_id=args.client_id,
        client_secret=args.client_secret,
        redirect_uris=frozenset(args.redirect_uri),
    )
    uvicorn.run(
        provider.app(),
        host=HOST,
        port=args.port,
        log_level="warning",
        access_log=False,
        lifespan="off",
    )


if __name__ == "__main__":
    main()
