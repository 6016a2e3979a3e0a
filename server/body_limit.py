"""A cap on every request body, per route, enforced while the body streams in.

A body that announces more than its route's cap is refused before any of it is read; one
that does not say (chunked) is refused as soon as it passes the cap, so an oversized body
never lands in memory or on disk whole, and never reaches a parser. The refusal is a 413
with a JSON body in the route's own error shape, carrying the request id.

A body that stops arriving is refused too: uvicorn bounds a request's head but not its
body, so a client that sends part of a body and stalls would hold the request for ever.
Each part must follow the previous one within `idle_seconds`, or the answer is 408 in the
same shape.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.request_id import request_id_of

# The operations and map parts of a GraphQL multipart request, besides the file.
ENVELOPE_BYTES = 64 * 1024

# (message, request id) -> the route's JSON error body.
Shape = Callable[[str, str], dict[str, Any]]


def graphql_shape(message: str, request_id: str) -> dict[str, Any]:
    extensions = {"code": "PAYLOAD_TOO_LARGE", "requestId": request_id}
    return {"errors": [{"message": message, "extensions": extensions}]}


@dataclass(frozen=True)
class RouteLimit:
    """The cap for paths under `prefix`; a multipart body (a file upload) may have its own."""

    prefix: str
    max_bytes: int
    multipart_max_bytes: int | None = None
    shape: Shape = graphql_shape

    def matches(self, path: str) -> bool:
        return path == self.prefix or path.startswith(self.prefix.rstrip("/") + "/")

    def cap(self, headers: Headers) -> int:
        multipart = headers.get("content-type", "").lower().startswith("multipart/")
        if multipart and self.multipart_max_bytes is not None:
            return self.multipart_max_bytes
        return self.max_bytes


class BodyTooLarge(Exception):
    """Raised from `receive` to stop the app reading a body that passed its cap."""


class BodyStalled(Exception):
    """Raised from `receive` when the next part of a body does not come in time."""


class BodyLimit:
    def __init__(
        self,
        app: ASGIApp,
        default_max_bytes: int,
        routes: Sequence[RouteLimit],
        idle_seconds: float = 30.0,
    ) -> None:
        self.app = app
        self.default = RouteLimit("/", default_max_bytes)
        self.routes = tuple(routes)
        self.idle_seconds = idle_seconds

    def limit_for(self, path: str) -> RouteLimit:
        return next((r for r in self.routes if r.matches(path)), self.default)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        limit = self.limit_for(scope["path"])
        cap = limit.cap(headers)
        message = f"The request body is larger than {cap} bytes."

        async def refuse(status: int = 413, text: str = message) -> None:
            body = limit.shape(text, request_id_of(scope))
            await JSONResponse(body, status_code=status)(scope, receive, send)

        length = headers.get("content-length")
        if length is not None and not length.isdigit():
            await refuse(400, "The Content-Length header is not a number.")
            return
        if length is not None and int(length) > cap:
            await refuse()
            return
        received = 0
        started = False
        refused = False
        body_done = False

        async def counted() -> Message:
            nonlocal received, refused, body_done
            if body_done:  # after the body, receive waits for a disconnect: no limit
                return await receive()
            try:
                async with asyncio.timeout(self.idle_seconds):
                    incoming = await receive()
            except TimeoutError:
                if not started and not refused:
                    refused = True
                    await refuse(408, "The request body stopped arriving; send it again.")
                raise BodyStalled() from None
            if incoming["type"] == "http.request":
                body_done = not incoming.get("more_body", False)
                received += len(incoming.get("body", b""))
                if received > cap:
                    if not started and not refused:
                        refused = True
                        await refuse()
                    raise BodyTooLarge(message)
            return incoming

        async def guarded(outgoing: Message) -> None:
            nonlocal started
            if refused:
                return  # the 413 is the answer; nothing the app says after it goes out
            if outgoing["type"] == "http.response.start":
                started = True
            await send(outgoing)

        try:
            await self.app(scope, counted, guarded)
        except (BodyTooLarge, BodyStalled):
            if not refused:
                raise
