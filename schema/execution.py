"""graphql-core's executor, letting go of itself when its answer is built."""

from __future__ import annotations

from typing import Any

from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext


class ReleasingExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """graphql-core 3.3's executor holds its own bound methods (`async_helpers`), a
    reference cycle through which the request's context, loaders and HTTP request stay
    alive until the garbage collector finds them: a few hundred objects per request, and
    the collections they cause cost more than the rest of the GraphQL layer's work.
    Once the response is built no resolver runs any more (work still settling in the
    background keeps its own references), so the cycle is cut there."""

    def build_response(self, data: dict[str, Any] | None) -> Any:
        response = super().build_response(data)
        if not self.background_futures:
            del self.async_helpers
        return response
