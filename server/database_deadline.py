"""A deadline on the database work of each HTTP request.

A database that accepts connections and never answers would otherwise hold every request
(and its client) forever. pymongo's client-side operation timeout, set per request with
`pymongo.timeout`, bounds all of a request's commands together; when it passes, the command
fails with a timeout that ErrorResponses answers as 503 with Retry-After. Background work
(imports, syncs, the outbox) runs outside requests and keeps its own pace.
"""

from __future__ import annotations

import pymongo
from starlette.types import ASGIApp, Receive, Scope, Send


class DatabaseDeadline:
    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with pymongo.timeout(self.seconds):
            await self.app(scope, receive, send)
