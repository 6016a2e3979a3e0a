"""Turning domain errors into GraphQL answers."""

from __future__ import annotations

from graphql import GraphQLError

from provisioning.errors import DomainError


def query_error(error: DomainError) -> GraphQLError:
    """Queries have no userErrors: an expected failure is a typed, unmasked GraphQL error."""
    problem = error.problems[0]
    extensions: dict[str, object] = {"code": problem.code}
    if problem.field:
        extensions["field"] = list(problem.field)
    return GraphQLError(problem.message, extensions=extensions)
