"""The /graphql endpoint: Strawberry's ASGI view with Roster's per-request Context."""

from __future__ import annotations

import json
from typing import Any

import strawberry
from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.types.unset import UNSET

from auth.authenticate import authenticate
from auth.cookies import session_token
from provisioning.caller import Caller
from provisioning.dependencies import Dependencies
from resolvers.context import Context
from resolvers.loaders import Loaders
from server.metrics import Metrics
from server.request_id import request_id_of
from server.settings import Settings

GRAPHQL_RESPONSE = "application/graphql-response+json"


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


class RosterGraphQL(GraphQL[Context, None]):
    def __init__(self, schema: strawberry.Schema, settings: Settings) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql" if settings.graphiql else None,
            allow_queries_via_get=True,
            # Uploads come with the import issue, behind the CSRF header rule.
            multipart_uploads_enabled=False,
        )
        self.settings = settings

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        assert isinstance(request, Request) and isinstance(response, Response)
        deps: Dependencies = request.state.deps
        metrics: Metrics = request.state.metrics
        principal = await authenticate(request, deps, self.settings)
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
            metrics=metrics,
        )

    async def run(self, request: Any, context: Any = UNSET, root_value: Any = UNSET) -> Any:
        response = await super().run(request, context, root_value)
        if isinstance(request, Request) and accepts_graphql_response(request):
            return as_graphql_response(response)
        return response

    async def execute_single(self, *args: Any, **kwargs: Any) -> Any:
        """A mutation over GET is 405 Method Not Allowed (GraphQL over HTTP), not 400."""
        try:
            return await super().execute_single(*args, **kwargs)
        except HTTPException as error:
            if error.status_code == 400 and "not allowed when using GET" in error.reason:
                raise HTTPException(405, "Mutations must be sent with POST.") from error
            raise
