"""The /graphql endpoint: Strawberry's ASGI view with Roster's per-request Context."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import strawberry
from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.types.unset import UNSET

from auth.access_tokens import InvalidAccessToken
from auth.authenticate import authenticate
from auth.cookies import SessionCookie, session_token
from config.settings import Settings
from provisioning.access.principal import Principal
from provisioning.access.rate_limits import RateLimitExceeded, RateLimits
from provisioning.caller import Caller
from provisioning.dependencies import Dependencies
from schema.context import Context
from schema.loaders import Loaders
from server.failures import RETRY_AFTER_SECONDS
from server.metrics import Metrics
from server.request_id import request_id_of

GRAPHQL_RESPONSE = "application/graphql-response+json"
IDEMPOTENCY_WINDOW = timedelta(hours=24)


def accepts_graphql_response(request: Request) -> bool:
    return GRAPHQL_RESPONSE in request.headers.get("accept", "")


def as_graphql_response(response: Response) -> Response:
    """The GraphQL-over-HTTP media type: a request error (the document could not be
    parsed, validated or given its variables, so nothing ran) is a 400 with no data entry."""
    if response.media_type != "application/json" or not isinstance(response.body, bytes):
        return response
    body = json.loads(response.body)
    headers = {
        k: v for k, v in response.headers.items() if k not in ("content-type", "content-length")
    }
    status = response.status_code
    errors = body.get("errors") if isinstance(body, dict) else None
    if errors and body.get("data") is None and all("path" not in e for e in errors):
        body.pop("data", None)
        status = 400 if status == 200 else status
    return Response(
        json.dumps(body), status_code=status, headers=headers, media_type=GRAPHQL_RESPONSE
    )


# The request errors of the HTTP layer (before any GraphQL ran), by status.
_HTTP_CODES = {400: "INVALID", 405: "METHOD_NOT_ALLOWED", 413: "PAYLOAD_TOO_LARGE"}


def _error(
    request: Request, status: int, code: str, message: str, headers: dict[str, str]
) -> Response:
    extensions = {"code": code, "requestId": request_id_of(request.scope)}
    body = {"errors": [{"message": message, "extensions": extensions}]}
    return JSONResponse(body, status_code=status, headers=headers)


def _says_unavailable(response: Response) -> bool:
    """Whether an answer has an UNAVAILABLE error (the database was away): then it is a 503."""
    body = getattr(response, "body", None)  # a FileResponse (the explorer's page) has none
    if response.status_code != 200 or not isinstance(body, bytes):
        return False
    if b'"UNAVAILABLE"' not in body:
        return False
    try:
        answer = json.loads(body)
    except ValueError:
        return False
    errors = answer.get("errors") if isinstance(answer, dict) else None
    return any(
        isinstance(e, dict) and (e.get("extensions") or {}).get("code") == "UNAVAILABLE"
        for e in errors or ()
    )


class RosterGraphQL(GraphQL[Context, None]):
    def __init__(
        self,
        schema: strawberry.Schema,
        settings: Settings,
        rate_limits: RateLimits,
        explorer_page: Callable[[Request], Awaitable[Response]],
    ) -> None:
        super().__init__(
            schema,
            # A browser at /graphql in development gets the console's GraphiQL (built from
            # npm into the console, sending the CSRF header), not strawberry's CDN page.
            graphql_ide="graphiql" if settings.graphiql else None,
            allow_queries_via_get=True,
            # Bulk import's file. A multipart form is a simple cross-site request: with a
            # session cookie, CsrfMiddleware refuses it without X-Roster-Request: 1.
            multipart_uploads_enabled=True,
        )
        self.settings = settings
        self.rate_limits = rate_limits
        self.explorer_page = explorer_page

    async def render_graphql_ide(self, request: Request) -> Response:
        return await self.explorer_page(request)

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        assert isinstance(request, Request) and isinstance(response, Response)
        deps: Dependencies = request.state.deps
        metrics: Metrics = request.state.metrics
        principal: Principal | None = request.state.principal
        request_id = request_id_of(request.scope)
        caller = Caller(principal, request_id)
        return Context(
            request=request,
            response=response,
            deps=deps,
            settings=self.settings,
            caller=caller,
            loaders=Loaders(deps, caller),
            request_id=request_id,
            session_token=session_token(request, self.settings),
            session_cookie=SessionCookie(response, self.settings),
            metrics=metrics,
        )

    async def run(self, request: Any, context: Any = UNSET, root_value: Any = UNSET) -> Any:
        if not isinstance(request, Request):
            return await super().run(request, context, root_value)
        try:
            return await self._run_http(request, context, root_value)
        except HTTPException as error:
            # Strawberry would answer text/plain; every Roster error is JSON with the id.
            code = _HTTP_CODES.get(error.status_code, "INVALID")
            return _error(request, error.status_code, code, error.reason, {})
        finally:
            # A multipart upload's files are spooled to temporary files: close them now.
            await request.close()

    async def _run_http(self, request: Request, context: Any, root_value: Any) -> Any:
        deps: Dependencies = request.state.deps
        try:
            principal = await authenticate(request, deps, self.settings, request.state.tokens)
            if principal is not None:
                await self.rate_limits.check(deps, principal)
        except InvalidAccessToken as error:
            challenge = f'Bearer error="invalid_token", error_description="{error}"'
            return _error(
                request, 401, "UNAUTHENTICATED", str(error), {"WWW-Authenticate": challenge}
            )
        except RateLimitExceeded as error:
            headers = {"Retry-After": str(error.retry_after)}
            return _error(request, 429, "RATE_LIMITED", str(error), headers)
        request.state.principal = principal
        key = request.headers.get("idempotency-key")
        if key is not None and request.method == "POST" and principal is not None:
            return await self._once(request, principal, key, context, root_value)
        return await self._answer(request, context, root_value)

    async def _answer(self, request: Request, context: Any, root_value: Any) -> Response:
        response: Response = await super().run(request, context, root_value)
        if _says_unavailable(response):
            metrics: Metrics = request.state.metrics
            metrics.count_unavailable()
            response.status_code = 503
            response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        if accepts_graphql_response(request):
            return as_graphql_response(response)
        return response

    async def _once(
        self, request: Request, principal: Principal, key: str, context: Any, root_value: Any
    ) -> Response:
        """Executes a request once per (caller, Idempotency-Key); retries get the first answer."""
        if not 1 <= len(key) <= 255:
            return _error(
                request, 400, "INVALID", "Idempotency-Key must be 1 to 255 characters.", {}
            )
        deps: Dependencies = request.state.deps
        body_hash = hashlib.sha256(await request.body()).hexdigest()
        scoped = f"{principal.actor_type}:{principal.actor_id}|{key}"
        now = deps.clock()
        stored = await deps.store.idempotency_keys.claim(
            scoped, body_hash, now, now + IDEMPOTENCY_WINDOW
        )
        if stored is not None:
            if stored.body_hash != body_hash:
                return _error(
                    request,
                    422,
                    "IDEMPOTENCY_KEY_REUSED",
                    "This Idempotency-Key was used with a different request body.",
                    {},
                )
            if stored.status is None or stored.body is None:
                return _error(
                    request,
                    409,
                    "IN_PROGRESS",
                    "A request with this Idempotency-Key is running.",
                    {"Retry-After": "1"},
                )
            return Response(
                stored.body,
                status_code=stored.status,
                media_type=stored.media_type,
                headers={"Idempotent-Replayed": "true"},
            )
        try:
            response = await self._answer(request, context, root_value)
        except BaseException:
            await deps.store.idempotency_keys.release(scoped)
            raise
        if response.status_code >= 500 or not isinstance(response.body, bytes):
            await deps.store.idempotency_keys.release(scoped)
        else:
            await deps.store.idempotency_keys.complete(
                scoped, response.status_code, bytes(response.body), response.media_type
            )
        return response

    def parse_json(self, data: str | bytes) -> Any:
        """A body is a JSON object (or a list, a batch), nested no deeper than the decoder
        can follow; anything else is a 400, never an AttributeError deep in the view."""
        try:
            parsed = super().parse_json(data)
        except RecursionError as error:
            raise HTTPException(400, "The request body is nested too deeply.") from error
        except UnicodeDecodeError as error:
            raise HTTPException(400, "The request body is not UTF-8.") from error
        if not isinstance(parsed, (dict, list)):
            raise HTTPException(400, "The request body must be a JSON object.")
        return parsed

    async def execute_single(self, *args: Any, **kwargs: Any) -> Any:
        """A mutation over GET is 405 Method Not Allowed (GraphQL over HTTP), not 400."""
        try:
            return await super().execute_single(*args, **kwargs)
        except HTTPException as error:
            if error.status_code == 400 and "not allowed when using GET" in error.reason:
                raise HTTPException(405, "Mutations must be sent with POST.") from error
            raise
