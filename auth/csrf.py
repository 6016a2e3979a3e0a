"""CSRF: a state-changing request that a session cookie authenticates must carry
`X-Roster-Request: 1`, a header a cross-site form or image cannot send."""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.requests import cookie_parser
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

CSRF_HEADER = "x-roster-request"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class CsrfMiddleware:
    def __init__(self, app: ASGIApp, cookie_name: str) -> None:
        self.app = app
        self.cookie_name = cookie_name

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] not in SAFE_METHODS:
            headers = Headers(scope=scope)
            if self._has_session_cookie(headers) and headers.get(CSRF_HEADER) != "1":
                response = PlainTextResponse(
                    "Forbidden: a request authenticated by the session cookie must carry"
                    " the header X-Roster-Request: 1",
                    status_code=403,
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def _has_session_cookie(self, headers: Headers) -> bool:
        return any(self.cookie_name in cookie_parser(raw) for raw in headers.getlist("cookie"))
