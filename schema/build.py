"""The Schema's one extension: limits, caches, error masking, introspection, timing. The
root types come from resolvers/ (resolvers.root), which builds the Schema with
build_schema."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from functools import partial
from typing import Any

import strawberry
from graphql import GraphQLError
from graphql.validation import NoSchemaIntrospectionCustomRule, specified_rules
from strawberry.extensions import MaskErrors, MaxAliasesLimiter, QueryDepthLimiter
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from config.settings import Settings
from provisioning.errors import DomainError
from schema.documents import Documents, Prepared
from schema.execution import ReleasingExecutionContext
from schema.input_limits import check_input
from schema.operation_metrics import observe_operation
from store.availability import is_unavailable

log = logging.getLogger("roster.graphql")

MASKED_MESSAGE = "Internal server error"
UNAVAILABLE_MESSAGE = "The service is temporarily unavailable: try again shortly."
CACHE_SIZE = 256


def is_unexpected(error: GraphQLError) -> bool:
    """Expected failures are GraphQLErrors (validation, typed query errors) and domain
    errors (a rule said no, wherever a resolver met it); the rest is a bug."""
    original = error.original_error
    return original is not None and not isinstance(original, (GraphQLError, DomainError))


def typed(error: GraphQLError) -> GraphQLError:
    """A domain error that reached the edge unconverted (from a nested field or a loader):
    typed as queries type them, at its own path, so that the rest of the answer stands."""
    original = error.original_error
    if not isinstance(original, DomainError):
        return error
    problem = original.problems[0]
    extensions: dict[str, Any] = {"code": problem.code}
    if problem.field:
        extensions["field"] = list(problem.field)
    return GraphQLError(
        problem.message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions=extensions,
    )


class MaskUnexpectedErrors(MaskErrors):
    """Masks unexpected errors; the message carries a request id that is also in the log."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=is_unexpected, error_message=MASKED_MESSAGE)

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        return super()._process_errors([typed(e) for e in errors])

    def _process_result(self, result: object) -> None:
        # Strawberry's own checks isinstance against a runtime-checkable Protocol, which
        # walks the protocol's members on every request, errors or not.
        errors = getattr(result, "errors", None)
        if errors:
            result.errors = self._process_errors(errors)  # type: ignore[attr-defined]

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        context = self.execution_context.context
        request_id = getattr(context, "request_id", None)
        metrics = getattr(context, "metrics", None)
        if is_unavailable(error.original_error):
            # Not a bug: the database is away. RosterGraphQL answers 503 with Retry-After.
            log.warning(
                "database unavailable in %s (request id %s): %s",
                ".".join(str(p) for p in error.path or ()),
                request_id,
                error.original_error,
            )
            masked = super().anonymise_error(error)
            masked.message = UNAVAILABLE_MESSAGE
            masked.extensions = {"code": "UNAVAILABLE", "requestId": request_id}
            return masked
        if metrics is not None:
            metrics.count_masked_error()
        log.error(
            "unexpected error in %s (request id %s)",
            ".".join(str(p) for p in error.path or ()),
            request_id,
            exc_info=error.original_error,
        )
        masked = super().anonymise_error(error)
        masked.extensions = {"code": "INTERNAL", "requestId": request_id}
        return masked


class RosterOperation(MaskUnexpectedErrors):
    """Everything the edge does around one operation, as one extension, since each
    extension costs its hooks on every request: the request's own limits (the document's
    length, the variables, their text), the document parsed and validated once per text
    (its token, depth, alias and introspection limits with it), the masking of unexpected
    errors and the operation's timing. No hook runs per field."""

    def __init__(self, documents: Documents, max_query_chars: int) -> None:
        super().__init__()
        self.documents = documents
        self.max_query_chars = max_query_chars
        self.prepared: Prepared | None = None

    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        check_input(self.execution_context, self.max_query_chars)
        yield from super().on_operation()  # masks the result's unexpected errors
        observe_operation(self.execution_context, time.perf_counter() - started)

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.graphql_document is None and context.query:
            self.prepared = self.documents.prepare(context.query)
            context.graphql_document = self.prepared.document
        yield

    def on_validate(self) -> Iterator[None]:
        if self.prepared is not None:
            context = self.execution_context
            context.pre_execution_errors = self.documents.validate(
                context.schema._schema, self.prepared
            )
        yield


# graphql-core's suggestions ("Did you mean 'email'?", "... the enum value 'FULL'?") name
# fields, arguments and values of the schema: with introspection off they would tell it.
_SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")


def hide_suggestions(error: GraphQLError) -> None:
    error.message = _SUGGESTION.sub("", error.message)


class RosterSchema(strawberry.Schema):
    def __init__(
        self,
        query: type,
        mutation: type,
        extensions: list[Any],
        documents: Documents,
        suggestions: bool = True,
    ) -> None:
        # StrawberryConfig's switch covers only unknown fields, and strawberry passes no
        # hide_suggestions to graphql-core's validate or execute: the rest is done below.
        config = StrawberryConfig(disable_field_suggestions=not suggestions)
        super().__init__(
            query=query,
            mutation=mutation,
            extensions=extensions,
            config=config,
            execution_context_class=ReleasingExecutionContext,
        )
        self.documents = documents
        self.suggestions = suggestions

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Expected errors are answers, not incidents; MaskUnexpectedErrors logs the rest.
        Every error, from validation and from execution, passes here before it is sent."""
        if not self.suggestions:
            for error in errors:
                hide_suggestions(error)


def build_schema(settings: Settings, query: type, mutation: type) -> strawberry.Schema:
    rules = [
        *specified_rules,
        *QueryDepthLimiter(max_depth=settings.max_query_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=settings.max_aliases).validation_rules,
    ]
    if not settings.introspection:
        rules.append(NoSchemaIntrospectionCustomRule)
    documents = Documents(max_tokens=settings.max_tokens, rules=rules, maxsize=CACHE_SIZE)
    # A factory, not an instance: each request gets its own extension object.
    extensions: list[Any] = [
        partial(RosterOperation, documents, max_query_chars=settings.max_query_chars)
    ]
    return RosterSchema(
        query=query,
        mutation=mutation,
        extensions=extensions,
        documents=documents,
        suggestions=settings.field_suggestions,
    )
