"""A deadline on each HTTP request, up to its response's first byte.

A database that accepts connections and never answers would otherwise hold every request
(and its client) for ever; so would a peer that stalls. When the deadline passes before the
response has started, the request's work is cancelled and ErrorResponses answers 503 with
Retry-After. pymongo's own client-side timeout is not used: it retries a dropped connection
until the deadline, turning a quick 503 in an outage into a long wait. Background work
(imports, syncs, the outbox) runs outside requests and keeps its own pace.

The deadline counts from the request's start, body included, so file uploads (multipart)
are left out: a large workbook on a slow link would spend it before reaching the database.
They are bounded by their size and by BodyLimit's idle limit instead.
"""

from __future__ import annotations

import asyncio

from pymongo.errors import ExecutionTimeout
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send


def _is_upload(scope: Scope) -> bool:
    return Headers(scope=scope).get("content-type", "").lower().startswith("multipart/")


class RequestDeadline:
    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or _is_upload(scope):
            await self.app(scope, receive, send)
            return
        started = False
        try:
            async with asyncio.timeout(self.seconds) as deadline:

                async def answer(message: Message) -> None:
                    nonlocal started
                    if message["type"] == "http.response.start":
                        started = True
                        deadline.reschedule(None)  # a response under way may stream on
                    await send(message)

                await self.app(scope, receive, answer)
        except TimeoutError as error:
            if started:
                raise
            # Answered as the database being unavailable (503, Retry-After): the work that
            # did not finish is, all but always, the database's.
            raise ExecutionTimeout(
                f"The request did not finish within {self.seconds:g} s."
            ) from error
