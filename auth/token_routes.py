"""POST /oauth/token, the JWKS, and the RFC 8414 authorization server metadata."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from auth.access_tokens import AccessTokens, TokenRequest
from auth.request_state import request_id_of
from provisioning.access.principal import SCOPES
from provisioning.access.rate_limits import count_failure
from provisioning.dependencies import Dependencies

MAX_TOKEN_REQUEST_BYTES = 8192


class TokenRoutes:
    def __init__(self, issuer: str) -> None:
        self.issuer = issuer

    def routes(self) -> list[Route]:
        return [
            Route("/oauth/token", self.token, methods=["POST"]),
            Route("/.well-known/jwks.json", self.jwks, methods=["GET"]),
            Route("/.well-known/oauth-authorization-server", self.metadata, methods=["GET"]),
        ]

    async def token(self, request: Request) -> Response:
        tokens: AccessTokens = request.state.tokens
        content_type = request.headers.get("content-type", "").split(";")[0].strip()
        if content_type != "application/x-www-form-urlencoded":
            return _oauth_error(
                "invalid_request", "The body must be application/x-www-form-urlencoded.", request
            )
        # BodyLimit (server/body_limit.py) caps the body at MAX_TOKEN_REQUEST_BYTES.
        body = await request.body()
        try:
            form = dict(parse_qsl(body.decode(), keep_blank_values=True, strict_parsing=False))
        except UnicodeDecodeError:
            return _oauth_error("invalid_request", "The body is not UTF-8.", request)
        if not _readable_basic(request.headers.get("authorization", "")):
            return _oauth_error(
                "invalid_request", "The Basic credentials are not base64 of UTF-8 text.", request
            )
        status, payload, headers = await tokens.token_response(
            TokenRequest(
                method="POST",
                # Authlib refuses plain-http URIs; TLS ends at the proxy in front of us.
                uri=f"https://{request.url.netloc}/oauth/token",
                headers=request.headers,
                form=form,
            )
        )
        content = payload if isinstance(payload, dict) else json.loads(payload)
        if status == 401 and await _too_many_failures(request):
            return JSONResponse(
                {"error": "slow_down", "error_description": "Too many failed client logins."},
                status_code=429,
                headers={"cache-control": "no-store", "retry-after": "60"},
            )
        response = JSONResponse(content, status_code=status, headers=dict(headers))
        response.headers["cache-control"] = "no-store"
        return response

    async def jwks(self, request: Request) -> Response:
        tokens: AccessTokens = request.state.tokens
        keys = await tokens.key_ring.published()
        return JSONResponse(keys.as_dict(private=False), headers={"cache-control": "max-age=60"})

    async def metadata(self, request: Request) -> Response:
        document: dict[str, Any] = {
            "issuer": self.issuer,
            "token_endpoint": f"{self.issuer}/oauth/token",
            "jwks_uri": f"{self.issuer}/.well-known/jwks.json",
            "grant_types_supported": ["client_credentials"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "scopes_supported": list(SCOPES),
            "response_types_supported": [],
        }
        return JSONResponse(document)


async def _too_many_failures(request: Request) -> bool:
    """Counts a failed client authentication by address; only failures pay for the count."""
    deps: Dependencies = request.state.deps
    limits = deps.limits
    address = request.client.host if request.client else "unknown"
    count = await count_failure(
        deps, f"token-failures|{address}", limits.login_failure_window_seconds
    )
    return count > limits.login_failures_per_address


def oauth_refusal(description: str, request_id: str) -> dict[str, Any]:
    """An RFC 6749 error body for a request refused before it reached this route."""
    return {"error": "invalid_request", "error_description": description, "request_id": request_id}


def _readable_basic(authorization: str) -> bool:
    """Whether Basic credentials, if that is what the header holds, decode as Authlib
    expects (it would fail with an exception on anything else)."""
    scheme, _, credentials = authorization.strip().partition(" ")
    if scheme.lower() != "basic":
        return True
    try:
        base64.b64decode(credentials.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return False
    return True


def _oauth_error(code: str, description: str, request: Request) -> Response:
    return JSONResponse(
        {
            "error": code,
            "error_description": description,
            "request_id": request_id_of(request),
        },
        status_code=400,
        headers={"cache-control": "no-store"},
    )
