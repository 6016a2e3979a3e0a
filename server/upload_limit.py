"""A cap on multipart request bodies (GraphQL uploads), enforced while they stream in.

A body that announces more than the cap is refused before any of it is read; one that
does not say (chunked) is cut off as soon as it passes the cap, so an oversized upload
never lands on disk or in memory whole.
"""

from __future__ import annotations

from cross_web import HTTPException
from starlette.datastructures import Headers
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# The operations and map parts of a GraphQL multipart request, besides the file.
ENVELOPE_BYTES = 64 * 1024


class UploadLimit:
    def __init__(self, app: ASGIApp, max_file_bytes: int) -> None:
        self.app = app
        self.max_body = max_file_bytes + ENVELOPE_BYTES
        self.message = f"The upload is larger than {max_file_bytes} bytes."

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if not headers.get("content-type", "").lower().startswith("multipart/"):
            await self.app(scope, receive, send)
            return
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body):
            await PlainTextResponse(self.message, status_code=413)(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_body:
                # Strawberry's view answers an HTTPException with its status and reason.
                raise HTTPException(413, self.message)
            return message

        await self.app(scope, counted, send)
