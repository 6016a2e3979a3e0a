"""What a running instance shows Prometheus at /metrics: requests, GraphQL operations,
MongoDB commands and SSO logins, with the process metrics prometheus-client gives.

One registry per app (never the library's global one: tests and workers build many apps).
"""

from __future__ import annotations

import hmac
import re
import time

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from pymongo import monitoring
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

ROUTE_GROUPS = (
    "/graphql",
    "/auth",
    "/oauth",
    "/scim",
    "/import",
    "/healthz",
    "/readyz",
    "/metrics",
    "/.well-known",
)
# Seconds: from a cached lookup to a slow import upload.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
# Operation names come from clients: only well-formed ones are labels, and only so many.
_OPERATION_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
MAX_OPERATION_NAMES = 200


def route_group(path: str) -> str:
    for prefix in ROUTE_GROUPS:
        if path == prefix or path.startswith(prefix + "/"):
            return prefix
    return "other"


class Metrics:
    """`token`: the bearer token a scraper must send (ROSTER_METRICS_TOKEN). Without one,
    /metrics is open only if `public` (development); production settings require one."""

    def __init__(self, token: str | None = None, *, public: bool = True) -> None:
        self.token = token
        self.public = public
        self.registry = CollectorRegistry()
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        GCCollector(registry=self.registry)
        self.responses = Counter(
            "roster_http_responses",
            "HTTP responses by route group and status.",
            ["route", "status"],
            registry=self.registry,
        )
        self.request_seconds = Histogram(
            "roster_http_request_duration_seconds",
            "Time to the response's start, by route group.",
            ["route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.operation_seconds = Histogram(
            "roster_graphql_operation_duration_seconds",
            "GraphQL operations by name and type (query, mutation); unnamed ones are 'anonymous'.",
            ["operation", "type"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.masked_errors = Counter(
            "roster_graphql_masked_errors",
            "Unexpected errors masked in GraphQL answers (each logged with its request id).",
            registry=self.registry,
        )
        self.mongodb_seconds = Histogram(
            "roster_mongodb_command_duration_seconds",
            "MongoDB commands by name and outcome (succeeded, failed).",
            ["command", "outcome"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.sso_logins = Counter(
            "roster_sso_logins",
            "Finished SSO logins by outcome: signed_in, or the failure's reason code.",
            ["outcome"],
            registry=self.registry,
        )
        self._operation_names: set[str] = set()

    def operation_label(self, name: str | None) -> str:
        if not name:
            return "anonymous"
        if not _OPERATION_NAME.fullmatch(name):
            return "invalid"
        if name not in self._operation_names:
            if len(self._operation_names) >= MAX_OPERATION_NAMES:
                return "other"
            self._operation_names.add(name)
        return name

    def observe_operation(self, name: str | None, kind: str, seconds: float) -> None:
        self.operation_seconds.labels(self.operation_label(name), kind).observe(seconds)

    def count_masked_error(self) -> None:
        self.masked_errors.inc()

    def count_sso_login(self, outcome: str) -> None:
        self.sso_logins.labels(outcome).inc()

    def command_listener(self) -> monitoring.CommandListener:
        return _CommandTimer(self.mongodb_seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)

    def allows(self, request: Request) -> bool:
        if self.token is None:
            return self.public
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(
            given.strip().encode(), self.token.encode()
        )

    async def endpoint(self, request: Request) -> Response:
        if not self.allows(request):
            return JSONResponse(
                {"error": "unauthorized", "message": "/metrics needs its bearer token."},
                status_code=401,
                headers={"www-authenticate": 'Bearer realm="metrics"'},
            )
        return Response(self.render(), media_type=CONTENT_TYPE_LATEST)


class _CommandTimer(monitoring.CommandListener):
    """pymongo's command monitoring: every command's duration, as the driver measured it."""

    def __init__(self, histogram: Histogram) -> None:
        self._histogram = histogram

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        pass

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        seconds = event.duration_micros / 1_000_000
        self._histogram.labels(event.command_name, "succeeded").observe(seconds)

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        seconds = event.duration_micros / 1_000_000
        self._histogram.labels(event.command_name, "failed").observe(seconds)


class MetricsMiddleware:
    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        group = route_group(scope["path"])
        started = time.perf_counter()

        async def counting_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.metrics.responses.labels(group, str(message["status"])).inc()
                self.metrics.request_seconds.labels(group).observe(time.perf_counter() - started)
            await send(message)

        await self.app(scope, receive, counting_send)
