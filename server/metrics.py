"""Request counters in the Prometheus text format, one Metrics per app."""

from __future__ import annotations

from collections import Counter

from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class Metrics:
    def __init__(self) -> None:
        self.responses: Counter[tuple[str, int]] = Counter()
        self.graphql_errors = 0
        self.masked_errors = 0
        # Requests answered 503 because the database was away (server/failures.py, and
        # GraphQL answers whose errors say UNAVAILABLE).
        self.unavailable = 0

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
            "# HELP roster_database_unavailable_total Requests answered 503: database away.",
            "# TYPE roster_database_unavailable_total counter",
            f"roster_database_unavailable_total {self.unavailable}",
        ]
        return "\n".join(lines) + "\n"

    async def endpoint(self, request: Request) -> PlainTextResponse:
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
