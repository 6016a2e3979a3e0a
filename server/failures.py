"""One ASGI middleware for what no route answered: an exception that escaped a route.

A database outage (store/availability.py) is a 503 with Retry-After, anything else a 500;
both have a JSON body with the request id, in the route's own shape: OAuth's error JSON on
/oauth, a SCIM error on /scim/v2, GraphQL's errors list elsewhere. A client that went away
mid-request is not an error: nobody is left to answer, and it is logged at INFO.
"""

from __future__ import annotations

import json
import logging

from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.metrics import Metrics
from server.request_id import request_id_of
from store.availability import is_unavailable

log = logging.getLogger("roster.errors")

RETRY_AFTER_SECONDS = 5
UNAVAILABLE_MESSAGE = "The service is temporarily unavailable: try again shortly."
INTERNAL_MESSAGE = "Internal server error"


def error_body(path: str, status: int, request_id: str) -> tuple[bytes, str]:
    """The body and media type of a 503 (unavailable) or 500 on `path`."""
    unavailable = status == 503
    message = UNAVAILABLE_MESSAGE if unavailable else INTERNAL_MESSAGE
    if path.startswith("/oauth/"):
        body: object = {
            "error": "temporarily_unavailable" if unavailable else "server_error",
            "error_description": f"{message} (request id {request_id})",
        }
        return json.dumps(body).encode(), "application/json"
    if path.startswith("/scim/"):
        body = {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
            "status": str(status),
            "detail": f"{message} (request id {request_id})",
        }
        return json.dumps(body).encode(), "application/scim+json"
    code = "UNAVAILABLE" if unavailable else "INTERNAL"
    body = {"errors": [{"message": message, "extensions": {"code": code, "requestId": request_id}}]}
    return json.dumps(body).encode(), "application/json"


class ErrorResponses:
    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except ClientDisconnect:
            log.info("client went away during %s %s", scope["method"], scope["path"])
            return
        except Exception as error:
            request_id = request_id_of(scope)
            unavailable = is_unavailable(error)
            if unavailable:
                self.metrics.count_unavailable()
                log.warning(
                    "database unavailable during %s %s (request id %s): %s",
                    scope["method"],
                    scope["path"],
                    request_id,
                    f"{type(error).__name__}: {error}"[:300],
                )
            else:
                log.error(
                    "unexpected error in %s %s (request id %s)",
                    scope["method"],
                    scope["path"],
                    request_id,
                    exc_info=error,
                )
            if started:
                raise
            status = 503 if unavailable else 500
            body, media_type = error_body(scope["path"], status, request_id)
            headers = [
                (b"content-type", media_type.encode()),
                (b"content-length", str(len(body)).encode()),
                (b"cache-control", b"no-store"),
            ]
            if unavailable:
                headers.append((b"retry-after", str(RETRY_AFTER_SECONDS).encode()))
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body})
