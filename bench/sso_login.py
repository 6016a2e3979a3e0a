"""sso_login: complete SSO logins per second through Roster, against a bare relying party.

    python -m bench.sso_login [--rounds N] [--seconds S] [--warmup S] [--concurrency C]
                              [--baseline-client shared|per-login]

Four kinds of process, all on 127.0.0.1 and started here: the embedded database
(secantusd-py), a fast OpenID provider (`bench._provider`: it signs the person named by
`login_hint` in at once, no form, and issues RS256 ID tokens), the API server (uvicorn, one
worker, running `bench_app` below) and, for each phase, the load generator
(`bench._sso_loadgen`), whose browsers each do one complete login after another. Both
relying parties live in the same server process and use the same provider in the same run:

- ours: GET /auth/bench/login?provider=ID&return_to=/done&login_hint=EMAIL (the provider
  and a login transaction are looked up and stored in MongoDB; 303 to the provider), the
  provider's /authorize (302 back with code, state and iss), GET /auth/bench/callback
  (the transaction taken, the RFC 9207 iss checked, the code exchanged with Authlib, the
  ID token verified with joserfc: signature, iss, aud, exp, iat, nonce; the user created
  just in time on a first login or found by its identity on a later one; a server-side
  session started and audited; 303 to /done with the session cookie);
- baseline: GET /bench/sso/bench/login and GET /bench/sso/bench/callback (BaselineSso
  below): the same state, nonce, PKCE S256 verifier and browser-binding cookie, but held in
  process memory, and a callback that does only Authlib's token exchange
  (AsyncOAuth2Client.fetch_token against the same provider) and redirects: no ID token
  checks and no database work;
- database baseline: GET /bench/sso-db/bench/login and .../callback (DatabaseBaselineSso):
  the baseline plus exactly the MongoDB commands of a returning Roster login (the same
  collections, filters and documents, raw pymongo, in the same order), with no framework,
  no ID token checks and no audit code between: what the database work alone costs.

Each round runs four phases, one after the other, so that they see the same background
load: first logins (new people: the user and identity are created), the baseline, the
database baseline (returning people) and returning logins (people created by earlier
first-login phases: the identity is found).
Each phase has a warm-up and a timed window; for each we measure logins per second and
the server process's CPU time per login (utime + stime from /proc/<pid>/stat; the
provider's, the database's and the load generator's are shown too, and the MongoDB
commands the server sent per login, counted by a pymongo CommandListener). The ratio
printed last is the median over rounds of returning logins per second / baseline logins
per second (the steady state of a product whose people sign in every day); first logins
are printed beside it, CPU-per-login ratios for information, and returning logins over
the database baseline: how close Roster comes to a bare handler doing the same database
work.

`--baseline-client per-login` makes the baseline build a new AsyncOAuth2Client for every
token exchange, as auth/oidc.py's exchange_code does, instead of one for the app: the
difference between the two runs is what building that client costs per login.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import hashlib
import hmac
import json
import os
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType
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

from bench._sso_loadgen import Browser, SsoPhase, SsoPhaseResult
from bench.graphql_read import _http, _stop, _wait_for_server
from server.embedded import EmbeddedDatabase, free_port

NAME = "sso_login"
GOAL = 0.7
HOST = "127.0.0.1"
DATABASE = "bench_sso_login"
ORGANIZATION = "bench"
EMAIL_DOMAIN = "bench.example"
ADMIN_EMAIL = f"admin@{EMAIL_DOMAIN}"
ADMIN_PASSWORD = "bench password, not a secret"  # noqa: S105
CLIENT_ID = "roster-bench"
CLIENT_SECRET = "roster-bench-client-secret"  # noqa: S105
SESSION_COOKIE = "roster_session"  # the development cookie name
RETURN_TO = "/done"
BASELINE_PREFIX = "/bench/sso"
BASELINE_COOKIE = "bench_sso"
DATABASE_BASELINE_PREFIX = "/bench/sso-db"
DATABASE_BASELINE_COOKIE = "bench_sso_db"
COMMANDS_PATH = "/bench/mongo-commands"
ROOT = Path(__file__).resolve().parent.parent
NODE_PROVIDER = ROOT / "tests" / "e2e" / "oidc"
START_TIMEOUT_SECONDS = 60.0
DEFAULT_APP = "bench.sso_login:bench_app"
PENDING_TTL_SECONDS = 600.0
MAX_PENDING = 100_000


# ---------------------------------------------------------------- in the server process


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


class DatabaseBaselineSso(BaselineSso):
    """The baseline plus the database work of a returning login, with no framework between:
    the same MongoDB commands on the same collections (raw pymongo, through the app's own
    database handle), in the same order as Roster's login route and callback. It reads the
    subject from the ID token without checking it, as the baseline checks nothing."""

    prefix = DATABASE_BASELINE_PREFIX
    cookie = DATABASE_BASELINE_COOKIE

    async def login(self, request: Request) -> Response:
        db = request.state.deps.store.db
        org_slug = request.path_params["org"]
        organization = await db["organizations"].find_one({"slug": org_slug})
        provider_id = request.query_params.get("provider", "")
        if organization is None or not ObjectId.is_valid(provider_id):
            return PlainTextResponse("no such organization or provider", status_code=404)
        provider = await db["identity_providers"].find_one(
            {"_id": ObjectId(provider_id), "org_id": str(organization["_id"])}
        )
        if provider is None:
            return PlainTextResponse("no such provider", status_code=404)
        authorization_endpoint, _ = await self._discover(org_slug)
        state, nonce, verifier, browser = (secrets.token_urlsafe(32) for _ in range(4))
        now = datetime.now(UTC)
        await db["login_transactions"].insert_one(
            {
                "_id": _hash(state),
                "org_id": str(organization["_id"]),
                "provider_id": provider_id,
                "nonce": nonce,
                "code_verifier": verifier,
                "browser_hash": _hash(browser),
                "return_to": request.query_params.get("return_to") or "/",
                "created_at": now,
                "expires_at": now + timedelta(minutes=10),
                "binding_hash": None,
            }
        )
        return self._redirect_to_provider(
            request, authorization_endpoint, state, nonce, verifier, browser
        )

    async def callback(self, request: Request) -> Response:
        db = request.state.deps.store.db
        org_slug, params = request.path_params["org"], request.query_params
        organization = await db["organizations"].find_one({"slug": org_slug})
        if organization is None:
            return PlainTextResponse("no such organization", status_code=404)
        org_id = str(organization["_id"])
        now = datetime.now(UTC)
        pending = await db["login_transactions"].find_one_and_delete(
            {"_id": _hash(params.get("state", "")), "org_id": org_id, "expires_at": {"$gt": now}}
        )
        browser = request.cookies.get(self.cookie, "")
        if pending is None or not hmac.compare_digest(_hash(browser), pending["browser_hash"]):
            return PlainTextResponse("state invalid", status_code=400)
        provider = await db["identity_providers"].find_one(
            {"_id": ObjectId(pending["provider_id"]), "org_id": org_id}
        )
        if provider is None or params.get("iss") != self.issuer or not params.get("code"):
            return PlainTextResponse("provider, issuer or code missing", status_code=400)
        token = await self._exchange(org_slug, params["code"], pending["code_verifier"])
        id_token = token.get("id_token")
        if not isinstance(id_token, str):
            return PlainTextResponse("no ID token", status_code=400)
        subject = _unverified_subject(id_token)
        identity = await db["identities"].find_one(
            {"org_id": org_id, "issuer": self.issuer, "subject": subject}
        )
        user = (
            await db["users"].find_one({"_id": ObjectId(identity["user_id"]), "org_id": org_id})
            if identity
            else None
        )
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


def _unverified_subject(id_token: str) -> str:
    payload = id_token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return str(claims["sub"])


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

    settings = Settings.from_env()
    counter = CommandCounter()
    app = create_app(settings, mongo_listeners=[counter])
    app.router.routes.append(Route(COMMANDS_PATH, counter.endpoint, methods=["GET"]))
    baseline, database_baseline = (
        kind(
            settings.public_url,
            os.environ["BENCH_SSO_ISSUER"],
            os.environ["BENCH_SSO_CLIENT_ID"],
            os.environ["BENCH_SSO_CLIENT_SECRET"],
            client_per_login=os.environ.get("BENCH_SSO_BASELINE_CLIENT") == "per-login",
        )
        for kind in (BaselineSso, DatabaseBaselineSso)
    )
    app.router.routes.extend(baseline.routes() + database_baseline.routes())
    roster_lifespan = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[Mapping[str, Any]]:
        async with roster_lifespan(app) as state:
            try:
                yield state or {}
            finally:
                await baseline.aclose()
                await database_baseline.aclose()

    app.router.lifespan_context = lifespan
    return app


# ---------------------------------------------------------------- set-up, in this process


async def _seed(uri: str) -> None:
    """The organization and its admin."""
    from pymongo import AsyncMongoClient

    from provisioning.access.passwords import PasswordHasher
    from provisioning.admins import create_admin
    from provisioning.dependencies import Dependencies
    from store.database import Store
    from store.indexes import ensure_indexes
    from store.types import Document

    client: AsyncMongoClient[Document] = AsyncMongoClient(uri, tz_aware=True)
    try:
        database = client[DATABASE]
        await ensure_indexes(database)
        hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
        deps = Dependencies(store=Store.on(database), hasher=hasher)
        await create_admin(deps, ORGANIZATION, ADMIN_EMAIL, ADMIN_PASSWORD)
    finally:
        await client.close()


def _graphql(
    port: int, query: str, variables: dict[str, Any], cookie: str | None = None
) -> tuple[dict[str, Any], list[str]]:
    headers = {"Content-Type": "application/json", "X-Roster-Request": "1"}
    if cookie:
        headers["Cookie"] = cookie
    body = json.dumps({"query": query, "variables": variables}).encode()
    status, answer_headers, answer = _http(port, "POST", "/graphql", body, headers)
    if status != 200:
        raise RuntimeError(f"/graphql answered {status}: {answer!r}")
    data: dict[str, Any] = json.loads(answer)
    if data.get("errors"):
        raise RuntimeError(f"/graphql errors: {data['errors']}")
    return data["data"], answer_headers.get_all("set-cookie") or []


def _configure_provider(port: int, issuer: str) -> str:
    """Signs the admin in and adds the provider over GraphQL; its id."""
    signed_in, cookies = _graphql(
        port,
        "mutation($input: SignInInput!) { signIn(input: $input) { user { id }"
        " userErrors { code message } } }",
        {"input": {"organization": ORGANIZATION, "login": ADMIN_EMAIL, "password": ADMIN_PASSWORD}},
    )
    session = next(
        (c.split(";", 1)[0] for c in cookies if c.startswith(f"{SESSION_COOKIE}=")), None
    )
    if session is None or signed_in["signIn"]["userErrors"]:
        raise RuntimeError(f"the admin could not sign in: {signed_in}")
    configured, _ = _graphql(
        port,
        "mutation($input: IdentityProviderInput!) { configureIdentityProvider(input: $input) {"
        " identityProvider { id loginUrl } userErrors { field code message } } }",
        {
            "input": {
                "name": "bench provider",
                "issuer": issuer,
                "clientId": CLIENT_ID,
                "clientSecret": CLIENT_SECRET,
                "emailDomains": [EMAIL_DOMAIN],
            }
        },
        session,
    )
    payload = configured["configureIdentityProvider"]
    if payload["userErrors"]:
        raise RuntimeError(f"configureIdentityProvider: {payload['userErrors']}")
    provider_id: str = payload["identityProvider"]["id"]
    return provider_id


def _start_provider(kind: str, port: int, redirect_uris: list[str]) -> subprocess.Popen[bytes]:
    """The fast provider (`bench._provider`), or the certified oidc-provider under Node."""
    if kind == "fast":
        command = [
            sys.executable, "-m", "bench._provider", "--port", str(port),
            "--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET,
        ]  # fmt: skip
    else:
        _install_node_provider()
        command = [
            "node", str(NODE_PROVIDER / "provider.mjs"), "--port", str(port),
            "--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET,
            "--email-domain", EMAIL_DOMAIN,
        ]  # fmt: skip
    for uri in redirect_uris:
        command += ["--redirect-uri", uri]
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _install_node_provider() -> None:
    """`npm ci` in tests/e2e/oidc, as the end-to-end tests do, unless it is there already."""
    if (NODE_PROVIDER / "node_modules" / "oidc-provider").is_dir():
        return
    subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund"],
        cwd=NODE_PROVIDER,
        check=True,
        timeout=300,
        stdout=subprocess.DEVNULL,
    )


def _wait_for_provider(process: subprocess.Popen[bytes], port: int) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the provider exited with code {process.returncode}")
        try:
            if _http(port, "GET", "/.well-known/openid-configuration", None, {})[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError("the provider did not start in time")


def _start_server(
    uri: str, port: int, app: str, issuer: str, baseline_client: str
) -> subprocess.Popen[bytes]:
    environment = dict(os.environ)
    environment.update(
        ROSTER_ENV="development",
        ROSTER_MONGODB_URI=uri,
        ROSTER_DATABASE=DATABASE,
        # The redirect URIs are built on it: the server's own address, as the browser sees it.
        ROSTER_PUBLIC_URL=f"http://{HOST}:{port}",
        BENCH_SSO_ISSUER=issuer,
        BENCH_SSO_CLIENT_ID=CLIENT_ID,
        BENCH_SSO_CLIENT_SECRET=CLIENT_SECRET,
        BENCH_SSO_BASELINE_CLIENT=baseline_client,
    )
    return subprocess.Popen(
        [
            sys.executable, "-m", "uvicorn", app, "--factory",
            "--host", HOST, "--port", str(port), "--workers", "1",
            "--log-level", "warning", "--no-access-log",
        ],
        cwd=ROOT,
        env=environment,
    )  # fmt: skip


# ---------------------------------------------------------------- measuring


@dataclass(frozen=True)
class Measured:
    per_second: float
    server_cpu_ms: float  # server CPU per login
    provider_cpu_ms: float
    database_cpu_ms: float
    loadgen_cpu_ms: float
    commands: dict[str, float]  # MongoDB commands per login, by name


def _command_counts(port: int) -> dict[str, int]:
    status, _, body = _http(port, "GET", COMMANDS_PATH, None, {})
    if status != 200:
        raise RuntimeError(f"{COMMANDS_PATH} answered {status}: {body!r}")
    counts: dict[str, int] = json.loads(body)
    return counts


def _run_phase(phase: SsoPhase, pids: Mapping[str, int | None]) -> tuple[Measured, list[str]]:
    budget = phase.warmup_seconds + phase.seconds + 30
    commands_before = _command_counts(phase.server_port)
    completed = subprocess.run(
        [sys.executable, "-m", "bench._sso_loadgen"],
        input=json.dumps(asdict(phase)).encode(),
        capture_output=True,
        cwd=ROOT,
        timeout=budget,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"the load generator failed:\n{completed.stderr.decode()}")
    result = SsoPhaseResult(**json.loads(completed.stdout))
    if result.errors or result.logins == 0:
        raise RuntimeError(
            f"{phase.name}: {result.errors} failed logins, {result.logins} good;"
            f" last error: {result.last_error}"
        )
    commands_after = _command_counts(phase.server_port)

    def per_login(name: str) -> float:
        pid = pids.get(name)
        return result.cpu_seconds.get(str(pid), 0.0) * 1000 / result.logins if pid else 0.0

    measured = Measured(
        per_second=result.per_second,
        server_cpu_ms=per_login("server"),
        provider_cpu_ms=per_login("provider"),
        database_cpu_ms=per_login("database"),
        loadgen_cpu_ms=result.own_cpu_seconds * 1000 / result.logins,
        commands={
            name: (count - commands_before.get(name, 0)) / result.all_logins
            for name, count in commands_after.items()
            if count > commands_before.get(name, 0)
        },
    )
    return measured, result.completed


async def _check_flows(flows: list[tuple[SsoPhase, str]]) -> None:
    """One login of each kind, in order, before any timing: every flow must complete."""
    for phase, hint in flows:
        browser = Browser(phase)
        try:
            await browser.login(hint)
        finally:
            browser.close()


def _raise_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.sso_login", description=__doc__)
    parser.add_argument("--rounds", type=int, default=4, help="rounds of three phases")
    parser.add_argument("--seconds", type=float, default=3.0, help="timed window per phase")
    parser.add_argument("--warmup", type=float, default=0.75, help="warm-up per phase")
    parser.add_argument("--concurrency", type=int, default=8, help="browsers logging in at once")
    parser.add_argument(
        "--baseline-client",
        choices=["shared", "per-login"],
        default="shared",
        help="the baseline's AsyncOAuth2Client: one for the app (default), or a new one per"
        " login as Roster's auth/oidc.py builds",
    )
    parser.add_argument(
        "--provider",
        choices=["fast", "oidc-provider"],
        default="fast",
        help="the identity provider: bench._provider, which signs in at once with no form"
        " (default), or the certified oidc-provider under Node with its login and consent"
        " forms filled in at every login",
    )
    parser.add_argument("--app", default=DEFAULT_APP, help="the server's app factory")
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.seconds <= 0 or args.warmup < 0 or args.concurrency < 1:
        parser.error("rounds and concurrency must be at least 1, seconds above 0")
    signal.signal(signal.SIGTERM, _raise_on_sigterm)

    server: subprocess.Popen[bytes] | None = None
    provider: subprocess.Popen[bytes] | None = None
    runs: dict[str, list[Measured]] = {
        "first": [],
        "baseline": [],
        "database": [],
        "returning": [],
    }
    with tempfile.TemporaryDirectory(prefix="bench-sso-login-") as scratch:
        database = EmbeddedDatabase(Path(scratch))
        try:
            database.start()
            database_process = getattr(database, "_process", None)
            asyncio.run(_seed(database.uri))
            port, provider_port = free_port(HOST), free_port(HOST)
            public_url = f"http://{HOST}:{port}"
            issuer = f"http://{HOST}:{provider_port}"
            provider = _start_provider(
                args.provider,
                provider_port,
                [
                    f"{public_url}/auth/{ORGANIZATION}/callback",
                    f"{public_url}{BASELINE_PREFIX}/{ORGANIZATION}/callback",
                    f"{public_url}{DATABASE_BASELINE_PREFIX}/{ORGANIZATION}/callback",
                ],
            )
            _wait_for_provider(provider, provider_port)
            server = _start_server(database.uri, port, args.app, issuer, args.baseline_client)
            _wait_for_server(server, port)
            provider_id = _configure_provider(port, issuer)
            pids: dict[str, int | None] = {
                "server": server.pid,
                "provider": provider.pid,
                "database": database_process.pid if database_process else None,
            }

            prefixes = {"baseline": BASELINE_PREFIX, "database": DATABASE_BASELINE_PREFIX}

            def phase(name: str, pool: list[str], new_prefix: str | None = None) -> SsoPhase:
                prefix = prefixes.get(name, "/auth")
                return SsoPhase(
                    name=name,
                    server_port=port,
                    login_path=f"{prefix}/{ORGANIZATION}/login",
                    login_query=urlencode(
                        {"return_to": RETURN_TO}
                        if name == "baseline"
                        else {"provider": provider_id, "return_to": RETURN_TO}
                    ),
                    expected_location=public_url + RETURN_TO,
                    session_cookie=None if name == "baseline" else SESSION_COOKIE,
                    provider_forms=args.provider == "oidc-provider",
                    concurrency=args.concurrency,
                    warmup_seconds=args.warmup,
                    seconds=args.seconds,
                    email_domain=EMAIL_DOMAIN,
                    new_prefix=new_prefix,
                    pool=pool,
                    watch_pids=[pid for pid in pids.values() if pid],
                )

            # The database baseline signs in a returning person: the one ours just created.
            checked = f"check-ours@{EMAIL_DOMAIN}"
            asyncio.run(
                _check_flows(
                    [
                        (phase("check", []), checked),
                        (phase("baseline", []), f"check@{EMAIL_DOMAIN}"),
                        (phase("database", []), checked),
                    ]
                )
            )
            print(
                f"{NAME}: both flows complete (login route, provider, callback) against"
                f" {issuer} ({args.provider}); baseline AsyncOAuth2Client: {args.baseline_client}"
            )
            print(
                f"{NAME}: {args.rounds} rounds of first/baseline/returning phases,"
                f" {args.warmup:g} s warm-up + {args.seconds:g} s each,"
                f" {args.concurrency} concurrent browsers",
                flush=True,
            )

            people: list[str] = []
            for round_number in range(1, args.rounds + 1):
                plan = [
                    ("first", phase("first", [], new_prefix=f"r{round_number}")),
                    ("baseline", None),
                    ("database", None),
                    ("returning", None),
                ]
                for name, ready in plan:
                    current = ready or phase(name, list(people))
                    measured, created = _run_phase(current, pids)
                    people.extend(created)
                    runs[name].append(measured)
                    print(
                        f"  round {round_number}  {name:<9}"
                        f" {measured.per_second:7.1f} logins/s"
                        f"  server CPU {measured.server_cpu_ms:6.2f} ms/login"
                        f"  (provider {measured.provider_cpu_ms:4.2f},"
                        f" database {measured.database_cpu_ms:5.2f},"
                        f" load generator {measured.loadgen_cpu_ms:4.2f})",
                        flush=True,
                    )
        finally:
            _stop(server)
            _stop(provider)
            database.stop()

    median = statistics.median
    for name in ("baseline", "database", "first", "returning"):
        last = runs[name][-1].commands
        commands = ", ".join(f"{n} {c:.1f}" for n, c in sorted(last.items())) or "none"
        print(
            f"{name:<9} (median): {median(m.per_second for m in runs[name]):7.1f} logins/s,"
            f" server CPU {median(m.server_cpu_ms for m in runs[name]):.2f} ms/login,"
            f" database CPU {median(m.database_cpu_ms for m in runs[name]):.2f} ms/login;"
            f" MongoDB commands per login {sum(last.values()):.1f} ({commands})"
        )
    rounds = list(zip(runs["baseline"], runs["first"], runs["returning"], strict=True))
    returning_ratio = median(r.per_second / b.per_second for b, _, r in rounds)
    first_ratio = median(f.per_second / b.per_second for b, f, _ in rounds)
    returning_cpu = median(b.server_cpu_ms / r.server_cpu_ms for b, _, r in rounds)
    first_cpu = median(b.server_cpu_ms / f.server_cpu_ms for b, f, _ in rounds)
    print(f"first logins / baseline, logins/s, median of rounds:         {first_ratio:.3f}")
    print(f"returning logins / baseline, logins/s, median of rounds:     {returning_ratio:.3f}")
    print(f"CPU per login, baseline / first, median of rounds:           {first_cpu:.3f}")
    print(f"CPU per login, baseline / returning, median of rounds:       {returning_cpu:.3f}")
    over_database = median(
        r.per_second / d.per_second
        for d, r in zip(runs["database"], runs["returning"], strict=True)
    )
    database_cost = median(
        d.per_second / b.per_second for b, d in zip(runs["baseline"], runs["database"], strict=True)
    )
    print(f"returning logins / database baseline, logins/s, median:      {over_database:.3f}")
    print(f"database baseline / baseline, logins/s, median of rounds:    {database_cost:.3f}")
    print(f"{NAME}: ratio {returning_ratio:.2f} (goal {GOAL})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
