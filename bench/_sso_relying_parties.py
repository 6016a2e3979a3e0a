"""The relying parties of bench.sso_login that run inside the server process beside Roster's
routes (`bench_app`, the server's app factory): the bare baseline and the minimal correct
relying party, and a counter of the server's MongoDB commands."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from authlib.integrations.httpx_client import AsyncOAuth2Client
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from bson import ObjectId
from pymongo import monitoring
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from auth.oidc import OidcClient
from provisioning.sso.login import SsoFailure

ORGANIZATION = "bench"
SESSION_COOKIE = "roster_session"  # the development cookie name
BASELINE_PREFIX = "/bench/sso"
BASELINE_COOKIE = "bench_sso"
MINIMAL_PREFIX = "/bench/sso-minimal"
MINIMAL_COOKIE = "bench_sso_minimal"
COMMANDS_PATH = "/bench/mongo-commands"
PENDING_TTL_SECONDS = 600.0
MAX_PENDING = 100_000


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


@dataclass(frozen=True)
class _Pending:
    verifier: str
    nonce: str
    browser_hash: str
    return_to: str
    created: float


class BaselineSso:
    """The baseline relying party: the same code flow as Roster's (state, nonce, PKCE S256,
    a browser-binding cookie), its state in process memory, and a callback that does only
    Authlib's token exchange. One organization, one provider, from BENCH_SSO_* settings."""

    def __init__(
        self,
        public_url: str,
        issuer: str,
        client_id: str,
        client_secret: str,
        *,
        client_per_login: bool = False,
    ) -> None:
        self.public_url = public_url
        self.issuer = issuer
        self.client_id = client_id
        self.client_secret = client_secret
        self.client_per_login = client_per_login
        self.pending: dict[str, _Pending] = {}
        self._client: AsyncOAuth2Client | None = None
        self._endpoints: tuple[str, str] | None = None

    prefix = BASELINE_PREFIX
    cookie = BASELINE_COOKIE

    def routes(self) -> list[Route]:
        return [
            Route(f"{self.prefix}/{{org}}/login", self.login, methods=["GET"]),
            Route(f"{self.prefix}/{{org}}/callback", self.callback, methods=["GET"]),
        ]

    def redirect_uri(self, org: str) -> str:
        return f"{self.public_url}{self.prefix}/{org}/callback"

    def _new_client(self, org: str) -> AsyncOAuth2Client:
        return AsyncOAuth2Client(
            client_id=self.client_id,
            client_secret=self.client_secret,
            token_endpoint_auth_method="client_secret_basic",  # noqa: S106
            redirect_uri=self.redirect_uri(org),
            code_challenge_method="S256",
            timeout=10.0,
        )

    def _shared_client(self, org: str) -> AsyncOAuth2Client:
        if self._client is None:
            self._client = self._new_client(org)
        return self._client

    async def _discover(self, org: str) -> tuple[str, str]:
        """(authorization endpoint, token endpoint), read once from the discovery document."""
        if self._endpoints is None:
            response = await self._shared_client(org).request(
                "GET", f"{self.issuer}/.well-known/openid-configuration", withhold_token=True
            )
            response.raise_for_status()
            document = response.json()
            self._endpoints = (
                str(document["authorization_endpoint"]),
                str(document["token_endpoint"]),
            )
        return self._endpoints

    def _remember(self, state: str, pending: _Pending) -> None:
        if len(self.pending) >= MAX_PENDING:
            cutoff = time.monotonic() - PENDING_TTL_SECONDS
            self.pending = {k: v for k, v in self.pending.items() if v.created > cutoff}
        self.pending[state] = pending

    async def login(self, request: Request) -> Response:
        org = request.path_params["org"]
        if org != ORGANIZATION:
            return PlainTextResponse("no such organization", status_code=404)
        authorization_endpoint, _ = await self._discover(org)
        state, nonce, verifier, browser = (secrets.token_urlsafe(32) for _ in range(4))
        self._remember(
            state,
            _Pending(
                verifier=verifier,
                nonce=nonce,
                browser_hash=_hash(browser),
                return_to=request.query_params.get("return_to") or "/",
                created=time.monotonic(),
            ),
        )
        return self._redirect_to_provider(
            request, authorization_endpoint, state, nonce, verifier, browser
        )

    def _redirect_to_provider(
        self,
        request: Request,
        authorization_endpoint: str,
        state: str,
        nonce: str,
        verifier: str,
        browser: str,
    ) -> Response:
        org = request.path_params["org"]
        params = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri(org),
            "scope": "openid email profile",
            "state": state,
            "nonce": nonce,
            "code_challenge": create_s256_code_challenge(verifier),
            "code_challenge_method": "S256",
        }
        login_hint = request.query_params.get("login_hint")
        if login_hint:
            params["login_hint"] = login_hint
        response = RedirectResponse(f"{authorization_endpoint}?{urlencode(params)}", 303)
        response.set_cookie(self.cookie, browser, max_age=600, httponly=True, samesite="lax")
        return response

    async def callback(self, request: Request) -> Response:
        org = request.path_params["org"]
        params = request.query_params
        pending = self.pending.pop(params.get("state", ""), None)
        browser = request.cookies.get(self.cookie, "")
        if pending is None or not hmac.compare_digest(_hash(browser), pending.browser_hash):
            return PlainTextResponse("state invalid", status_code=400)
        if params.get("iss") != self.issuer or not params.get("code"):
            return PlainTextResponse("issuer or code missing", status_code=400)
        token = await self._exchange(org, params["code"], pending.verifier)
        if not isinstance(token.get("id_token"), str):
            return PlainTextResponse("no ID token", status_code=400)
        response = RedirectResponse(self.public_url + pending.return_to, 303)
        response.delete_cookie(self.cookie)
        return response

    async def _exchange(self, org: str, code: str, verifier: str) -> dict[str, Any]:
        """Authlib's token exchange, the only work the baseline's callback does."""
        _, token_endpoint = await self._discover(org)
        if self.client_per_login:
            async with self._new_client(org) as client:
                token = await client.fetch_token(
                    token_endpoint,
                    grant_type="authorization_code",
                    code=code,
                    code_verifier=verifier,
                )
        else:
            token = await self._shared_client(org).fetch_token(
                token_endpoint,
                grant_type="authorization_code",
                code=code,
                code_verifier=verifier,
            )
        return dict(token)

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()


class MinimalRelyingParty(BaselineSso):
    """The least a correct server-side relying party does, the ratio's baseline: Authlib's
    code exchange, the ID-token verification Roster does (signature, iss, aud, azp, exp,
    iat, nonce: the same OidcClient.verify_id_token), and only the database work a correct
    login cannot avoid, in raw pymongo on the same database: the single-use login
    transaction stored and taken, the identity and its user read (one aggregate), the
    session inserted, the last login recorded, the audit event appended. Its organization
    and provider are configuration, read once, as a relying party for one provider has them."""

    prefix = MINIMAL_PREFIX
    cookie = MINIMAL_COOKIE
    _org_id: str | None = None

    async def _organization_id(self, db: Any) -> str | None:
        if self._org_id is None:
            organization = await db["organizations"].find_one({"slug": ORGANIZATION})
            self._org_id = str(organization["_id"]) if organization else None
        return self._org_id

    async def login(self, request: Request) -> Response:
        db = request.state.deps.store.db
        org_id = await self._organization_id(db)
        if org_id is None or request.path_params["org"] != ORGANIZATION:
            return PlainTextResponse("no such organization", status_code=404)
        authorization_endpoint, _ = await self._discover(ORGANIZATION)
        state, nonce, verifier, browser = (secrets.token_urlsafe(32) for _ in range(4))
        now = datetime.now(UTC)
        await db["login_transactions"].insert_one(
            {
                "_id": _hash(state),
                "org_id": org_id,
                "nonce": nonce,
                "code_verifier": verifier,
                "browser_hash": _hash(browser),
                "return_to": request.query_params.get("return_to") or "/",
                "created_at": now,
                "expires_at": now + timedelta(minutes=10),
            }
        )
        return self._redirect_to_provider(
            request, authorization_endpoint, state, nonce, verifier, browser
        )

    async def callback(self, request: Request) -> Response:
        db = request.state.deps.store.db
        oidc: OidcClient = request.state.oidc
        params = request.query_params
        org_id = await self._organization_id(db)
        now = datetime.now(UTC)
        pending = await db["login_transactions"].find_one_and_delete(
            {"_id": _hash(params.get("state", "")), "org_id": org_id, "expires_at": {"$gt": now}}
        )
        browser = request.cookies.get(self.cookie, "")
        if pending is None or not hmac.compare_digest(_hash(browser), pending["browser_hash"]):
            return PlainTextResponse("state invalid", status_code=400)
        if params.get("iss") != self.issuer or not params.get("code"):
            return PlainTextResponse("issuer or code missing", status_code=400)
        token = await self._exchange(ORGANIZATION, params["code"], pending["code_verifier"])
        id_token = token.get("id_token")
        if not isinstance(id_token, str):
            return PlainTextResponse("no ID token", status_code=400)
        try:
            metadata = await oidc.metadata(self.issuer)
            claims = await oidc.verify_id_token(
                metadata, id_token, self.client_id, pending["nonce"]
            )
        except SsoFailure as failure:
            return PlainTextResponse(failure.reason, status_code=400)
        found = await (
            await db["identities"].aggregate(
                [
                    {"$match": {"org_id": org_id, "issuer": self.issuer, "subject": claims["sub"]}},
                    {
                        "$lookup": {
                            "from": "users",
                            "localField": "user_oid",
                            "foreignField": "_id",
                            "as": "users",
                        }
                    },
                ]
            )
        ).to_list()
        user = found[0]["users"][0] if found and found[0]["users"] else None
        if user is None or user["status"] == "DISABLED":
            return PlainTextResponse("no such user, or disabled", status_code=403)
        session_token = secrets.token_urlsafe(32)
        await db["sessions"].insert_one(
            {
                "_id": _hash(session_token),
                "org_id": org_id,
                "user_id": str(user["_id"]),
                "roles": user.get("roles", []),
                "created_at": now,
                "expires_at": now + timedelta(hours=12),
            }
        )
        await db["users"].update_one(
            {"_id": user["_id"], "org_id": org_id, "status": {"$ne": "DISABLED"}},
            {"$set": {"last_login_at": now}},
        )
        await db["audit_events"].insert_one(
            {
                "_id": ObjectId(),
                "org_id": org_id,
                "actor_type": "USER",
                "actor_id": str(user["_id"]),
                "action": "user.signed_in",
                "target_type": "User",
                "target_id": str(user["_id"]),
                "changes": {"method": {"before": None, "after": "sso"}},
                "at": now,
                "request_id": None,
                "metadata": {},
            }
        )
        response = RedirectResponse(self.public_url + pending["return_to"], 303)
        response.set_cookie(SESSION_COOKIE, session_token, httponly=True, samesite="lax")
        response.delete_cookie(self.cookie)
        return response


class CommandCounter(monitoring.CommandListener):
    """Counts the MongoDB commands the server sends, by name (GET /bench/mongo-commands)."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        self.counts[event.command_name] = self.counts.get(event.command_name, 0) + 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass

    async def endpoint(self, request: Request) -> Response:
        return JSONResponse(self.counts)


def bench_app() -> Starlette:
    """The uvicorn factory: Roster's app from ROSTER_* plus the baseline's routes, whose
    provider comes from BENCH_SSO_ISSUER, BENCH_SSO_CLIENT_ID and BENCH_SSO_CLIENT_SECRET,
    and GET /bench/mongo-commands (the server's MongoDB commands so far, by name)."""
    from config.settings import Settings
    from server.app import create_app
    from server.collector import tune_for_serving

    settings = Settings.from_env()
    counter = CommandCounter()
    app = create_app(settings, mongo_listeners=[counter])
    app.router.routes.append(Route(COMMANDS_PATH, counter.endpoint, methods=["GET"]))
    baseline, minimal = (
        kind(
            settings.public_url,
            os.environ["BENCH_SSO_ISSUER"],
            os.environ["BENCH_SSO_CLIENT_ID"],
            os.environ["BENCH_SSO_CLIENT_SECRET"],
            client_per_login=os.environ.get("BENCH_SSO_BASELINE_CLIENT") == "per-login",
        )
        for kind in (BaselineSso, MinimalRelyingParty)
    )
    app.router.routes.extend(baseline.routes() + minimal.routes())
    tune_for_serving()  # as server.app.app_from_environment does in `roster serve`
    roster_lifespan = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[Mapping[str, Any]]:
        async with roster_lifespan(app) as state:
            try:
                yield state or {}
            finally:
                await baseline.aclose()
                await minimal.aclose()

    app.router.lifespan_context = lifespan
    return app
