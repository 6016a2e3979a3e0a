"""Request counters in the Prometheus text format, one Metrics per app."""

from __future__ import annotations

import hmac
from collections import Counter

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class Metrics:
    """`token`: the bearer token a scraper must send (ROSTER_METRICS_TOKEN). Without one,
    /metrics is open only if `public` (development); production settings require one."""

    def __init__(self, token: str | None = None, *, public: bool = True) -> None:
        self.token = token
        self.public = public
        self.responses: Counter[tuple[str, int]] = Counter()
        self.graphql_errors = 0
        self.masked_errors = 0

    def render(self) -> str:
        lines = [
            "# HELP roster_http_responses_total HTTP responses by route group and status.",
            "# TYPE roster_http_responses_total counter",
        ]
        for (group, status), count in sorted(self.responses.items()):
            lines.append(
                f'roster_http_responses_total{{route="{group}",status="{status}"}} {count}'
            )
        lines += [
            "# HELP roster_graphql_masked_errors_total Unexpected errors masked in answers.",
            "# TYPE roster_graphql_masked_errors_total counter",
            f"roster_graphql_masked_errors_total {self.masked_errors}",
        ]
        return "\n".join(lines) + "\n"

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
        return PlainTextResponse(self.render(), media_type="text/plain; version=0.0.4")


def _group(path: str) -> str:
    for prefix in ("/graphql", "/auth", "/oauth", "/scim", "/healthz", "/readyz", "/metrics"):
        if path.startswith(prefix):
            return prefix
    return "other"


class MetricsMiddleware:
    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def counting_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.metrics.responses[(_group(scope["path"]), message["status"])] += 1
            await send(message)

        await self.app(scope, receive, counting_send)
