"""create_app(settings): the Starlette application, its middleware and its lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import AsyncIterator, Sequence
from typing import Any, TypedDict

import httpx2
from pymongo.monitoring import CommandListener
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.routing import Route

from auth.access_tokens import AccessTokens
from auth.csrf import CSRF_HEADER, CsrfMiddleware
from auth.oidc import OidcClient
from auth.sso_routes import SsoRoutes
from auth.token_routes import MAX_TOKEN_REQUEST_BYTES, TokenRoutes, oauth_refusal
from config.settings import Settings
from provisioning.access.passwords import PasswordHasher
from provisioning.access.rate_limits import RateLimits
from provisioning.access.secret_box import SecretBox
from provisioning.access.signing_keys import KeyRing
from provisioning.dependencies import Dependencies
from provisioning.imports.jobs import ImportWorker
from provisioning.invitations.messages import deliver_forever
from provisioning.sync.scheduler import schedule_forever
from resolvers.root import roster_schema
from server.body_limit import ENVELOPE_BYTES, BodyLimit, RouteLimit
from server.collector import tune_for_serving
from server.console import ConsoleRoutes, default_console_dist
from server.failures import ErrorResponses
from server.graphql_app import RosterGraphQL
from server.health import healthz, readyz
from server.import_routes import ImportRoutes
from server.mailer import mailer_from
from server.metrics import Metrics, MetricsMiddleware
from server.outbound_http import outbound_client, outbound_transport
from server.request_deadline import RequestDeadline
from server.request_id import RequestIdMiddleware
from server.runtime import limits_from, mongo_client, outbound_policy_from
from server.scim.responses import scim_refusal
from server.scim.routes import MAX_BODY_BYTES as SCIM_MAX_BODY_BYTES
from server.scim.routes import ScimRoutes
from server.scim_peer import HttpScimPeers
from server.sms import sms_sender_from
from store.database import Store
from store.indexes import ensure_indexes

log = logging.getLogger("roster")

DATABASE_TIMEOUT_MS = 2_000


class State(TypedDict):
    deps: Dependencies
    metrics: Metrics
    oidc: OidcClient
    tokens: AccessTokens
    http: httpx2.AsyncClient
    imports: ImportWorker


class NoDatabaseConfigured(RuntimeError):
    pass


def access_tokens_for(settings: Settings, deps: Dependencies) -> AccessTokens:
    key_ring = KeyRing(
        keys=deps.store.signing_keys,
        box=deps.secret_box,
        token_lifetime=settings.access_token_ttl_seconds,
        clock=deps.clock,
    )
    return AccessTokens(
        find_client=deps.store.api_clients.by_client_id,
        key_ring=key_ring,
        issuer=settings.public_url,
        audience=f"{settings.public_url}/graphql",
        lifetime=settings.access_token_ttl_seconds,
        note_token=lambda record: deps.store.api_clients.note_token(record.id, deps.clock()),
    )


def create_app(
    settings: Settings,
    *,
    hasher: PasswordHasher | None = None,
    mongo_listeners: Sequence[CommandListener] = (),
    outbox_every_seconds: float = 5.0,
    sync_every_seconds: float = 15.0,
    imports_every_seconds: float = 5.0,
) -> Starlette:
    """The app. Its MongoDB client is opened in the lifespan, in the serving event loop."""
    if settings.mongodb_uri is None:
        raise NoDatabaseConfigured(
            "ROSTER_MONGODB_URI is not set: start with `roster serve`, which runs the"
            " embedded database, or point ROSTER_MONGODB_URI at MongoDB"
        )
    mongodb_uri = settings.mongodb_uri
    metrics = Metrics(settings.metrics_token, public=not settings.production)
    password_hasher = hasher or PasswordHasher()
    mailer = mailer_from(settings)
    outbound = outbound_policy_from(settings)
    sms = sms_sender_from(settings, outbound)
    if settings.smtp_url is None:
        log.warning("ROSTER_SMTP_URL is not set: emails (and their links) go to the log only")

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[State]:
        client = mongo_client(
            mongodb_uri,
            # A database outage is answered (503) within about 2 s, not after pymongo's 30.
            serverSelectionTimeoutMS=DATABASE_TIMEOUT_MS,
            connectTimeoutMS=DATABASE_TIMEOUT_MS,
            event_listeners=[*mongo_listeners, metrics.command_listener()],
            appname="roster",
        )
        try:
            database = client[settings.database_name]
            await ensure_indexes(database)
            deps = Dependencies(
                store=Store.on(database),
                hasher=password_hasher,
                limits=limits_from(settings),
                secret_box=SecretBox(settings.secret_key),
                mailer=mailer,
                sms=sms,
                outbound=outbound,
                public_url=settings.public_url,
            )
            tokens = access_tokens_for(settings, deps)
            await tokens.key_ring.ensure_signing_key()
            log.info("roster ready (env=%s, database=%s)", settings.env, settings.database_name)
            async with outbound_client(outbound, timeout=10.0) as http:
                deps = dataclasses.replace(deps, scim_peers=HttpScimPeers(http))
                # The code exchange's own transport, held to the same policy.
                oidc = OidcClient(http, transport=outbound_transport(outbound))
                # Retries queued messages; each is claimed, so instances never send one twice.
                sender = asyncio.create_task(
                    deliver_forever(deps, outbox_every_seconds), name="roster-outbox"
                )
                # Scheduled syncs; a lease per integration, so instances never run one twice.
                scheduler = asyncio.create_task(
                    schedule_forever(deps, sync_every_seconds), name="roster-sync"
                )
                # Import jobs: queued ones, and those of a runner that stopped (lease expired).
                imports = ImportWorker(deps, imports_every_seconds, public_url=settings.public_url)
                importer = asyncio.create_task(imports.run_forever(), name="roster-imports")
                try:
                    yield {
                        "deps": deps,
                        "metrics": metrics,
                        "oidc": oidc,
                        "tokens": tokens,
                        "http": http,
                        "imports": imports,
                    }
                finally:
                    importer.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await importer
                    scheduler.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await scheduler
                    sender.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await sender
                    await oidc.close()
        finally:
            await client.close()

    rate_limits = RateLimits(
        per_client=settings.rate_limit_per_client,
        per_organization=settings.rate_limit_per_organization,
        window_seconds=settings.rate_limit_window_seconds,
    )
    console = ConsoleRoutes(default_console_dist())
    graphql = RosterGraphQL(roster_schema(settings), settings, rate_limits, console.page)
    routes: list[Any] = [
        Route("/graphql", graphql, methods=["GET", "POST"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", metrics.endpoint, methods=["GET"]),
        *SsoRoutes(settings).routes(),
        *TokenRoutes(settings.public_url).routes(),
        *ScimRoutes(settings, rate_limits).routes(),
        *ImportRoutes(settings).routes(),
        *console.routes(),
    ]
    middleware = [
        Middleware(RequestIdMiddleware),
        Middleware(MetricsMiddleware, metrics=metrics),
        Middleware(ErrorResponses, metrics=metrics),
        Middleware(RequestDeadline, seconds=settings.request_timeout_seconds),
        Middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_credentials=True,
            allow_methods=["GET", "POST"],
            allow_headers=["content-type", CSRF_HEADER, "authorization", "idempotency-key"],
            expose_headers=["x-request-id"],
        ),
        Middleware(
            BodyLimit,
            default_max_bytes=settings.max_body_bytes,
            routes=body_limits(settings),
            idle_seconds=settings.body_idle_seconds,
        ),
        Middleware(CsrfMiddleware, cookie_name=settings.session_cookie_name),
    ]
    return Starlette(routes=routes, middleware=middleware, lifespan=lifespan)


def body_limits(settings: Settings) -> list[RouteLimit]:
    """Each route's cap on request bodies; every other route has ROSTER_MAX_BODY_BYTES."""
    return [
        RouteLimit(
            "/graphql",
            settings.max_body_bytes,
            # Bulk import's file comes as a multipart upload, with its own, larger limit.
            multipart_max_bytes=settings.import_max_bytes + ENVELOPE_BYTES,
        ),
        RouteLimit("/oauth/token", MAX_TOKEN_REQUEST_BYTES, shape=oauth_refusal),
        RouteLimit("/scim/v2", SCIM_MAX_BODY_BYTES, shape=scim_refusal),
    ]


def app_from_environment() -> Starlette:
    """The factory uvicorn calls (`roster serve`, `--reload`): settings from ROSTER_*."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    app = create_app(Settings.from_env())
    tune_for_serving()
    return app
